package io.steadyproxy.operator.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * {@code {"time":"2026-12-02T11:00:00.123Z","level":"INFO","logger":"...","message":"...",
 * "exception_class":"...","exception_message":"...","stack_trace":"..."}}: the proxy's JSON log
 * layout and names (its {@code LogFormatter.Json}; a test holds the two together), so one log
 * pipeline reads both programs. The exception members appear only with an exception; times are UTC,
 * ISO-8601; levels are {@code java.util.logging} names. The operator's messages name Kubernetes
 * objects, not client input, so JSON's own escaping is all a line needs to stay one line.
 */
final class JsonLineFormatter extends Formatter {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES).build();

  @Override
  public String format(LogRecord r) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringProperty("time", Instant.ofEpochMilli(r.getMillis()).toString());
      g.writeStringProperty("level", r.getLevel().getName());
      g.writeStringProperty("logger", r.getLoggerName());
      String message = formatMessage(r);
      g.writeStringProperty("message", message == null ? "" : message);
      Throwable t = r.getThrown();
      if (t != null) {
        g.writeStringProperty("exception_class", t.getClass().getName());
        g.writeStringProperty("exception_message", t.getMessage());
        StringWriter stack = new StringWriter();
        t.printStackTrace(new PrintWriter(stack));
        g.writeStringProperty("stack_trace", stack.toString());
      }
      g.writeEndObject();
    }
    return out.append('\n').toString();
  }
}
