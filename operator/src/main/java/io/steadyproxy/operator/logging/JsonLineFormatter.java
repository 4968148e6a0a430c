package io.steadyproxy.operator.logging;

import io.steadyproxy.logging.JsonLine;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import tools.jackson.core.JsonGenerator;

/**
 * {@code {"time":"2026-12-02T11:00:00.123Z","level":"INFO","logger":"...","message":"...",
 * "exception_class":"...","exception_message":"...","stack_trace":"..."}}: the proxy's JSON log
 * layout and names (its {@code LogFormatter.Json}; a test holds the two together), so one log
 * pipeline reads both programs. The exception members appear only with an exception; times are UTC,
 * ISO-8601; levels are {@code java.util.logging} names. The operator's messages name Kubernetes
 * objects, not client input, so JSON's own escaping is all a line needs to stay one line.
 */
final class JsonLineFormatter extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JsonLine.FACTORY.createGenerator(out)) {
      JsonLine.start(g, r, formatMessage(r));
      JsonLine.end(g, r);
    }
    return out.append('\n').toString();
  }
}
