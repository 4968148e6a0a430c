package io.steadyproxy.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.LogRecord;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * The members every JSON log line of both programs has, with the same names and order: {@code
 * {"time":"2026-12-02T11:00:00.123Z","level":"INFO","logger":"...","message":"...", ...the event's
 * own members, "exception_class":"...","exception_message":"...","stack_trace":"..."}}. Times are
 * UTC, ISO-8601; levels are {@code java.util.logging} names; the exception members appear only with
 * an exception.
 */
public final class JsonLine {
  /** Paths and URLs stay readable: {@code "/api/x"}, not {@code "\/api\/x"}. */
  public static final JsonFactory FACTORY =
      JsonFactory.builder().disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES).build();

  private JsonLine() {}

  /** Starts the line's object and writes time, level, logger and message. */
  public static void start(JsonGenerator g, LogRecord r, String message) {
    g.writeStartObject();
    g.writeStringProperty("time", Instant.ofEpochMilli(r.getMillis()).toString());
    g.writeStringProperty("level", r.getLevel().getName());
    g.writeStringProperty("logger", r.getLoggerName());
    g.writeStringProperty("message", message == null ? "" : message);
  }

  /** Writes the record's exception members, if it has an exception, and ends the object. */
  public static void end(JsonGenerator g, LogRecord r) {
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
}
