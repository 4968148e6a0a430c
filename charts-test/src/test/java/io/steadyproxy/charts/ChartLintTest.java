package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code helm lint --strict}: warnings fail too, and the values are checked against the schema. */
class ChartLintTest {

  @TempDir Path work;

  /** The named values sets of {@link ValuesSets#all()}, sorted by name. */
  static Stream<Arguments> valueSets() {
    return ValuesSets.all().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .map(set -> Arguments.of(set.getKey(), set.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valueSets")
  void shouldPassStrictLint(String name, String values) {
    LintResult result = new ChartRenderer(work).lintStrict(values);
    assertThat(String.join("\n", result.getMessages()), result.isFailed(), is(false));
  }
}
