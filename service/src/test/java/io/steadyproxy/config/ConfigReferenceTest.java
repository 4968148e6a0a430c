package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The settings table in src-docs/configuration.md is generated from {@link Key}. When a setting
 * changes, regenerate it with {@code mvn -pl service test -Dtest=ConfigReferenceTest
 * -Dsteadyproxy.updateDocs=true}.
 */
class ConfigReferenceTest {
  private static final Path DOC = Path.of("..", "src-docs", "configuration.md");

  @Test
  void theDocumentedTableMatchesTheCode() throws Exception {
    String doc = Files.readString(DOC);
    int begin = doc.indexOf(ConfigReference.BEGIN);
    int end = doc.indexOf(ConfigReference.END);
    assertThat("markers present in " + DOC, begin >= 0 && end > begin, is(true));
    String committed = doc.substring(begin + ConfigReference.BEGIN.length() + 1, end);
    String generated = ConfigReference.markdown();
    if (Boolean.getBoolean("steadyproxy.updateDocs")) {
      Files.writeString(
          DOC,
          doc.substring(0, begin + ConfigReference.BEGIN.length() + 1)
              + generated
              + doc.substring(end));
      return;
    }
    assertThat(
        "src-docs/configuration.md is stale; regenerate it (see this test's Javadoc)",
        committed,
        is(generated));
  }
}
