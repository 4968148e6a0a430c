package io.steadyproxy.operator.logging;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.logging.LogFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The operator's one log: SLF4J (fabric8, Vert.x) and its own lines in one format. */
class OperatorLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.propertyNames().forEach(names::add);
    return names;
  }

  /**
   * fabric8 and Vert.x log through SLF4J: with slf4j-jdk14 (and no slf4j-simple) their lines reach
   * the same java.util.logging handler as the operator's own, in the same JSON layout.
   */
  @Test
  void slf4jAndOwnLinesComeOutAsOneJsonObjectEach() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Handler handler = OperatorLog.handler(out, LogFormat.JSON);
    Logger root = Logger.getLogger("");
    root.addHandler(handler);
    try {
      org.slf4j.LoggerFactory.getLogger("io.fabric8.kubernetes.client.Test")
          .warn("watch closed: {}", "410 Gone\nretrying", new IllegalStateException("gone"));
      Logger.getLogger("io.steadyproxy.operator.Test").info("reconciled shop/edge");
    } finally {
      root.removeHandler(handler);
    }
    List<JsonNode> lines =
        out.toString(StandardCharsets.UTF_8).lines().map(JSON::readTree).toList();
    assertThat(lines.size(), is(2));
    JsonNode fabric8 = lines.get(0);
    assertThat(
        names(fabric8),
        contains(
            "time",
            "level",
            "logger",
            "message",
            "exception_class",
            "exception_message",
            "stack_trace"));
    assertThat(fabric8.get("level").asString(), is("WARNING"));
    assertThat(fabric8.get("logger").asString(), is("io.fabric8.kubernetes.client.Test"));
    assertThat(fabric8.get("message").asString(), is("watch closed: 410 Gone\nretrying"));
    assertThat(fabric8.get("exception_class").asString(), is("java.lang.IllegalStateException"));
    assertThat(
        fabric8.get("stack_trace").asString(),
        containsString("java.lang.IllegalStateException: gone"));
    JsonNode own = lines.get(1);
    assertThat(names(own), contains("time", "level", "logger", "message"));
    assertThat(own.get("message").asString(), is("reconciled shop/edge"));
  }

  /** The same record gives the same JSON from the operator as from the proxy: one pipeline. */
  @Test
  void theOperatorsJsonLinesMatchTheProxys() {
    LogRecord r = new LogRecord(Level.SEVERE, "reconcile of shop/edge failed: {0}");
    r.setParameters(new Object[] {"409 Conflict"});
    r.setLoggerName("io.steadyproxy.operator.controller.ProxyConfigController");
    r.setInstant(Instant.parse("2026-12-02T11:00:00.123Z"));
    r.setThrown(new RuntimeException("conflict \"edge\""));
    JsonNode operator = JSON.readTree(OperatorLog.formatter(LogFormat.JSON).format(r));
    JsonNode proxy =
        JSON.readTree(io.steadyproxy.observe.LogFormatter.of(LogFormat.JSON).format(r));
    assertThat(operator, is(proxy));
    assertThat(
        operator.get("message").asString(), is("reconcile of shop/edge failed: 409 Conflict"));
  }

  @Test
  void textIsTodaysLayout() {
    LogRecord r = new LogRecord(Level.INFO, "leader: op-1");
    r.setLoggerName("io.steadyproxy.operator.Operator");
    String line = OperatorLog.formatter(LogFormat.TEXT).format(r);
    assertThat(
        line,
        org.hamcrest.Matchers.matchesPattern(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} INFO"
                + " io.steadyproxy.operator.Operator: leader: op-1\\R"));
  }
}
