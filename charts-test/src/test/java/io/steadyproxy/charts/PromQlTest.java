package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The PromQL checker accepts what Prometheus accepts and refuses what it refuses. */
class PromQlTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "up",
        "up{job=\"a\", instance!~\"b.*\",}",
        "{__name__=~\"steadyproxy_.+\"}",
        "rate(x_total[5m])",
        "rate(x_total[1h30m] offset 5m)",
        "x offset -1h",
        "x @ 1609746000",
        "x @ start()",
        "sum by (a, b) (rate(x[5m]))",
        "sum(rate(x[5m])) by (a)",
        "sum without (a) (x)",
        "topk(3, x)",
        "count_values(\"v\", x)",
        "quantile(0.9, x)",
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))",
        "a / on (namespace, pod) group_left (node) b",
        "a / ignoring (x) group_right b",
        "a > bool 1",
        "1 > bool 2",
        "a and on (x) b or c unless d",
        "-x",
        "-2 ^ 2",
        "2 ^ 3 ^ 2",
        "x > 0.9",
        "1e3 + 0x1f + .5 + Inf - NaN",
        "max_over_time(rate(x[5m])[1h:1m])",
        "max_over_time(x[1h:])",
        "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
        "label_join(x, \"a\", \",\", \"b\", \"c\")",
        "round(x)",
        "round(x, 0.5)",
        "time() - x",
        "vector(1)",
        "scalar(x) * 2",
        "absent(x{a=\"b\"})",
        "x # a comment\n + y",
        "SUM BY (a) (x)",
        "x atan2 y",
        "predict_linear(x[1h], 3600) < 0"
      })
  void shouldAcceptValidExpressions(String expr) {
    PromQl.parse(expr);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rate(x)                         | rate argument 1 must be MATRIX, got VECTOR
          rate(x[5m]                      | unclosed '('
          sum(x))                         | unbalanced ')'
          x{a="b"]                        | unbalanced ']'
          nosuchfn(x)                     | unknown function nosuchfn
          x[5m][5m]                       | a range [5m] needs a plain series selector
          (x)[5m]                         | a range [5m] needs a plain series selector
          sum(x[5m])                      | sum aggregates an instant vector, got MATRIX
          topk(x)                         | topk needs a SCALAR parameter
          x + x[5m]                       | binary + needs scalar or instant vector operands
          1 > 2                           | comparisons between scalars must use the bool modifier
          1 and x                         | set operator and needs instant vectors on both sides
          x + bool y                      | bool modifier on a non-comparison operator
          x and on (a) group_left y       | no grouping allowed for and
          x{a=}                           | expected a quoted label value
          x{a~"b"}                        | unexpected character '~'
          x{a=~"("}                       | bad regular expression
          {a=""}                          | needs a matcher that is not empty
          x{a="b                          | unterminated string
          x +                             | unexpected end of expression
          x y                             | unexpected 'y'
          rate(x[5x])                     | bad number or duration
          clamp_max(x)                    | clamp_max takes 2 arguments, got 1
          histogram_quantile(x, 0.9)      | histogram_quantile argument 1 must be SCALAR
          sum by (a) (x) by (b)           | grouping given twice
          rate(x[5m]) offset 5m           | offset applies to a selector or a subquery only
          """)
  void shouldRefuseInvalidExpressions(String expr, String message) {
    PromQl.PromQlException e =
        assertThrows(PromQl.PromQlException.class, () -> PromQl.parse(expr.strip()));
    assertThat(e.getMessage(), containsString(message.strip()));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          x                       | VECTOR
          x[5m]                   | MATRIX
          rate(x[5m])[1h:]        | MATRIX
          1 + 2                   | SCALAR
          scalar(x)               | SCALAR
          "s"                     | STRING
          x > 1                   | VECTOR
          """)
  void shouldTypeExpressions(String expr, String type) {
    assertThat(PromQl.parse(expr.strip()).type(), is(PromQl.Type.valueOf(type.strip())));
  }

  @org.junit.jupiter.api.Test
  void shouldListTheSelectorsMetricsAndFunctions() {
    PromQl.Parsed parsed =
        PromQl.parse("sum by (ns) (rate(a_total{class=\"x\"}[5m])) / on (ns) max(b) and absent(c)");
    assertThat(parsed.metrics(), equalTo(Set.of("a_total", "b", "c")));
    assertThat(parsed.functions(), equalTo(Set.of("sum", "rate", "max", "absent")));
    assertThat(
        parsed.selectors().get(0).matchers(),
        equalTo(List.of(new PromQl.Matcher("class", "=", "x"))));
  }
}
