package io.steadyproxy.observe;

import io.steadyproxy.logging.JsonLine;
import io.steadyproxy.logging.LogFormat;
import io.steadyproxy.proxy.ExchangeRecord;
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
    LineBuffer line = new LineBuffer();
    write(r, line);
    return line.toString();
  }

  /**
   * Appends the line of {@code r} to {@code out}, as {@link #format(LogRecord)} gives it.
   *
   * <p>A line whose texts are all printable ASCII (an access line, nearly always) is laid out
   * straight into the writer's reused buffer, numbers digit by digit and the time formatted once a
   * second; any other line goes through {@link #format(LogRecord, LogFields)}, which escapes. Why,
   * measured on JDK 25 with the JIT warm (100 k access lines paced as 15 k requests/s, thread CPU
   * time and allocation): building each line as strings cost the writer thread 3.1 us and 1.6 KB of
   * garbage, and the request's thread 0.9 us and 0.5 KB for the line's boxed fields; the byte path
   * costs the writer 1.4 us and 0.25 KB, and the request's thread 0.5 us and 0.2 KB, which is the
   * {@link ExchangeRecord} and its log record.
   */
  final void write(LogRecord r, LineBuffer out) {
    LogFields fields = fields(r);
    int start = out.size();
    if (r.getThrown() == null && writePlain(r, message(r, fields), fields, out)) {
      return;
    }
    out.truncate(start);
    out.utf8(format(r, fields));
  }

  /**
   * Lays out a line without escaping, if nothing in it needs escaping in this format.
   *
   * @return false, leaving {@code out} partly written, when some text needs escaping
   */
  abstract boolean writePlain(LogRecord r, String message, LogFields fields, LineBuffer out);

  /** Integers and {@link LogFields.Millis}, which both formats lay out alike; false for others. */
  static boolean number(Object v, LineBuffer out) {
    switch (v) {
      case Integer n -> out.digits(n);
      case Long n -> out.digits(n);
      case LogFields.Millis m -> out.hundredths(m.hundredths());
      default -> {
        return false;
      }
    }
    return true;
  }

  /** Doubles and floats take the escaping path: their text is the JDK's, not ours. */
  static boolean inexact(Object v) {
    return v instanceof Double || v instanceof Float;
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
    if (r instanceof AccessRecord a) {
      return a.fields();
    }
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
    boolean writePlain(LogRecord r, String message, LogFields fields, LineBuffer out) {
      if (!LineBuffer.printableAscii(r.getLoggerName()) || !LineBuffer.printableAscii(message)) {
        return false;
      }
      out.time(r.getMillis())
          .ascii(' ')
          .ascii(r.getLevel().getName())
          .ascii(' ')
          .ascii(r.getLoggerName());
      if (!message.isEmpty()) {
        out.ascii(' ').ascii(message);
      }
      for (int i = 0; fields != null && i < fields.size(); i++) {
        out.ascii(' ').ascii(fields.name(i)).ascii('=');
        if (!value(fields.value(i), out)) {
          return false;
        }
      }
      out.ascii('\n');
      return true;
    }

    // as format(LogRecord, LogFields) writes a value, for values that need no escaping
    private static boolean value(Object v, LineBuffer out) {
      if (v == null) {
        out.ascii('-');
        return true;
      }
      if (number(v, out)) {
        return true;
      }
      if (inexact(v)) {
        return false;
      }
      String text = v.toString();
      if (!LineBuffer.printableAscii(text)) {
        return false;
      }
      if (text.isEmpty() || text.indexOf(' ') >= 0 || text.indexOf('"') >= 0) {
        out.ascii('"');
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          if (c == '\\' || c == '"') {
            out.ascii('\\');
          }
          out.ascii(c);
        }
        out.ascii('"');
      } else {
        out.ascii(text);
      }
      return true;
    }

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
    boolean writePlain(LogRecord r, String message, LogFields fields, LineBuffer out) {
      if (!plain(r.getLoggerName()) || !plain(message)) {
        return false;
      }
      out.ascii("{\"time\":\"")
          .time(r.getMillis())
          .ascii("\",\"level\":\"")
          .ascii(r.getLevel().getName())
          .ascii("\",\"logger\":\"")
          .ascii(r.getLoggerName())
          .ascii("\",\"message\":\"")
          .ascii(message)
          .ascii('"');
      for (int i = 0; fields != null && i < fields.size(); i++) {
        out.ascii(",\"").ascii(fields.name(i)).ascii("\":");
        if (!value(fields.value(i), out)) {
          return false;
        }
      }
      out.ascii("}\n");
      return true;
    }

    // as write(JsonGenerator, String, Object) writes a value, for values that need no escaping
    private static boolean value(Object v, LineBuffer out) {
      if (v == null) {
        out.ascii("null");
        return true;
      }
      if (number(v, out)) {
        return true;
      }
      if (v instanceof Boolean b) {
        out.ascii(b.toString());
        return true;
      }
      String text = v.toString();
      if (inexact(v) || !plain(text)) {
        return false;
      }
      out.ascii('"').ascii(text).ascii('"');
      return true;
    }

    // a string JSON writes as it is: printable ASCII but the quote and the backslash
    private static boolean plain(String s) {
      return LineBuffer.printableAscii(s) && s.indexOf('"') < 0 && s.indexOf('\\') < 0;
    }

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
        case LogFields.Millis m -> g.writeName(name).writeNumber(m.toString());
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
