package io.steadyproxy.observe;

import io.steadyproxy.logging.JsonLine;
import io.steadyproxy.logging.LogFormat;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;

/**
 * Lays out one log event as one line, in the chosen {@link LogFormat}. Every line of the process
 * goes through here: the proxy's own events, Helidon's, and the access log, whose per-request
 * values come as {@link LogFields} ({@link #format(LogRecord, LogFields)}).
 *
 * <p>Both formats keep an event on one line whatever it contains. A client's path, method or header
 * echoed by us or by Helidon cannot start a forged line or drive the terminal of whoever tails the
 * log: {@code text} escapes control characters as nginx does in access logs (C0 and DEL as {@code
 * \xNN}, C1 as {@code \}{@code uNNNN}); {@code json} escapes them as JSON requires, and DEL, C1,
 * U+2028 and U+2029 as well.
 */
public abstract sealed class LogFormatter extends Formatter
    permits LogFormatter.Text, LogFormatter.Json {

  // The writer thread hands each record to stdout and then to the file: the second call reuses
  // the first's line instead of formatting it again. One thread calls this, so one slot suffices;
  // it is volatile only so a second thread could never see a torn pair.
  private volatile Formatted last;

  private record Formatted(LogRecord record, String line) {}

  private LogFormatter() {}

  /** The formatter of a format. */
  public static LogFormatter of(LogFormat format) {
    return switch (format) {
      case TEXT -> new Text();
      case JSON -> new Json();
    };
  }

  @Override
  public final String format(LogRecord r) {
    Formatted f = last;
    if (f != null && f.record() == r) {
      return f.line();
    }
    String line = format(r, fields(r));
    last = new Formatted(r, line);
    return line;
  }

  /**
   * One line, ending in {@code \n}, for an event and its fields.
   *
   * @param r the event: time, level, logger, message and exception are taken from it
   * @param fields named values after the message, or {@code null} for none
   */
  public abstract String format(LogRecord r, LogFields fields);

  /** The message: as given when the record carries fields, else with its parameters filled in. */
  final String message(LogRecord r, LogFields fields) {
    if (fields != null) {
      return r.getMessage() == null ? "" : r.getMessage();
    }
    String m = formatMessage(r);
    return m == null ? "" : m;
  }

  private static LogFields fields(LogRecord r) {
    Object[] params = r.getParameters();
    return params != null && params.length == 1 && params[0] instanceof LogFields f ? f : null;
  }

  /**
   * {@code 2026-11-28T11:00:00.123Z INFO steadyproxy.access method=GET ...}: time, level, logger,
   * the message (left out when empty), then {@code name=value} for each field; an exception adds
   * {@code exception=Class: message}, never a stack trace.
   */
  static final class Text extends LogFormatter {
    @Override
    public String format(LogRecord r, LogFields fields) {
      StringBuilder sb =
          new StringBuilder(160)
              .append(Instant.ofEpochMilli(r.getMillis()))
              .append(' ')
              .append(r.getLevel().getName())
              .append(' ')
              .append(r.getLoggerName());
      String message = message(r, fields);
      if (!message.isEmpty()) {
        escape(sb.append(' '), message);
      }
      if (fields != null) {
        for (int i = 0; i < fields.size(); i++) {
          Object v = fields.value(i);
          sb.append(' ').append(fields.name(i)).append('=');
          String text = v == null ? "-" : v.toString();
          if (text.isEmpty() || text.indexOf(' ') >= 0 || text.indexOf('"') >= 0) {
            // logfmt: a value with spaces (a User-Agent) in quotes, so the line still splits on
            // spaces into key=value pairs
            sb.append('"');
            escape(sb, text.replace("\\", "\\\\").replace("\"", "\\\""));
            sb.append('"');
          } else {
            escape(sb, text);
          }
        }
      }
      if (r.getThrown() != null) {
        // one line: the class and message, never a stack trace in the request log
        sb.append(" exception=").append(r.getThrown().getClass().getName()).append(": ");
        escape(sb, String.valueOf(r.getThrown().getMessage()));
      }
      return sb.append('\n').toString();
    }
  }

  /**
   * {@code {"time":"2026-11-28T11:00:00.123Z","level":"INFO","logger":"...","message":"...",
   * ...fields, "exception_class":"...","exception_message":"...","stack_trace":"..."}}: the four
   * first members always, in that order; then the fields; the exception members only with an
   * exception. Times are UTC, ISO-8601; levels are {@code java.util.logging} names ({@code SEVERE},
   * {@code WARNING}, {@code INFO}, {@code FINE}, ...).
   */
  static final class Json extends LogFormatter {
    private static final CharacterEscapes ESCAPES = new TerminalSafeEscapes();

    @Override
    public String format(LogRecord r, LogFields fields) {
      StringWriter out = new StringWriter(256);
      try (JsonGenerator g = JsonLine.FACTORY.createGenerator(out)) {
        g.setCharacterEscapes(ESCAPES);
        JsonLine.start(g, r, message(r, fields));
        if (fields != null) {
          for (int i = 0; i < fields.size(); i++) {
            write(g, fields.name(i), fields.value(i));
          }
        }
        JsonLine.end(g, r);
      }
      return out.append('\n').toString();
    }

    private static void write(JsonGenerator g, String name, Object v) {
      switch (v) {
        case null -> g.writeNullProperty(name);
        case Integer n -> g.writeNumberProperty(name, n);
        case Long n -> g.writeNumberProperty(name, n);
        case Double n when Double.isFinite(n) -> g.writeNumberProperty(name, n);
        case Float n when Float.isFinite(n) -> g.writeNumberProperty(name, n);
        case Boolean b -> g.writeBooleanProperty(name, b);
        default -> g.writeStringProperty(name, v.toString());
      }
    }
  }

  /**
   * JSON's own escapes (quote, backslash, C0) plus DEL, C1 and the two Unicode line separators,
   * which JSON allows raw but terminals and some line-based tools do not treat as plain text.
   */
  private static final class TerminalSafeEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");
    private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");
    private final int[] table;

    TerminalSafeEscapes() {
      int[] t = standardAsciiEscapesForJSON();
      table = java.util.Arrays.copyOf(t, 0xa0);
      for (int c = 0x7f; c < 0xa0; c++) {
        table[c] = ESCAPE_STANDARD;
      }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return table;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      // below 0xa0 the table above answers; beyond it only the line separators are escaped
      return switch (ch) {
        case 0x2028 -> LINE_SEPARATOR;
        case 0x2029 -> PARAGRAPH_SEPARATOR;
        default -> null;
      };
    }
  }

  /** Appends {@code s} with control characters escaped (see {@link Text}). */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append("\\x")
            .append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else if (c >= 0x80 && c <= 0x9f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
  }
}
