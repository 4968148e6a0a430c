package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.logging.LogFormat;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Both log formats, parsed back: JSON lines with another JSON library than the one that wrote them
 * (Jakarta JSON), so an escaping mistake cannot cancel itself out.
 */
class LogFormatterTest {
  private static final Instant AT = Instant.parse("2026-12-02T11:00:00.123Z");
  private static final String HOSTILE =
      "/a\r\n{\"level\":\"SEVERE\"}\u001b[2J\u0000\u007f\u0085\u2028\"\\ /ü";

  private static LogRecord record(Level level, String logger, String message, Object... params) {
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName(logger);
    r.setInstant(AT);
    if (params.length > 0) {
      r.setParameters(params);
    }
    return r;
  }

  private static JsonObject json(String line) {
    assertThat("one line, ending in the only newline", line.indexOf('\n'), is(line.length() - 1));
    return Json.createReader(new StringReader(line)).readObject();
  }

  @Test
  void aJsonLineHasTheStableMembersInOrder() {
    JsonObject o =
        json(
            LogFormatter.of(LogFormat.JSON)
                .format(record(Level.INFO, "steadyproxy.memory", "memory check rss_mb=450.0")));
    assertThat(o.keySet(), contains("time", "level", "logger", "message"));
    assertThat(o.getString("time"), is("2026-12-02T11:00:00.123Z"));
    assertThat(o.getString("level"), is("INFO"));
    assertThat(o.getString("logger"), is("steadyproxy.memory"));
    assertThat(o.getString("message"), is("memory check rss_mb=450.0"));
  }

  @Test
  void fieldsBecomeTypedMembersInJsonAndKeyValuesInText() {
    LogFields fields =
        LogFields.withCapacity(2)
            .add("method", "GET")
            .add("status", 502)
            .add("duration_ms", 1.25)
            .add("bytes_out", 12_345_678_901L)
            .add("sampled", true)
            .add("error", null);
    LogRecord r = record(Level.INFO, "steadyproxy.access", "", fields);
    JsonObject o = json(LogFormatter.of(LogFormat.JSON).format(r));
    assertThat(
        o.keySet(),
        contains(
            "time",
            "level",
            "logger",
            "message",
            "method",
            "status",
            "duration_ms",
            "bytes_out",
            "sampled",
            "error"));
    assertThat(o.getString("method"), is("GET"));
    assertThat(o.getInt("status"), is(502));
    assertThat(o.getJsonNumber("duration_ms").doubleValue(), is(1.25));
    assertThat(o.getJsonNumber("bytes_out").longValue(), is(12_345_678_901L));
    assertThat(o.getBoolean("sampled"), is(true));
    assertThat(o.get("error"), is(JsonValue.NULL));
    assertThat(
        LogFormatter.of(LogFormat.TEXT).format(r),
        is(
            "2026-12-02T11:00:00.123Z INFO steadyproxy.access method=GET status=502"
                + " duration_ms=1.25 bytes_out=12345678901 sampled=true error=-\n"));
  }

  @Test
  void hostileTextStaysOneLineAndParsesBackUnchanged() {
    LogRecord r =
        record(
            Level.WARNING,
            "io.helidon.webserver",
            "bad request " + HOSTILE,
            LogFields.withCapacity(1).add("path", HOSTILE));
    r.setThrown(new IllegalStateException("value\nwith newline " + HOSTILE));
    String line = LogFormatter.of(LogFormat.JSON).format(r);
    // DEL, C1 and U+2028 are legal raw in JSON but not harmless on a terminal: escaped too
    for (String raw : new String[] {"\r", "\u001b", "\u0000", "\u007f", "\u0085", "\u2028"}) {
      assertThat(line, not(containsString(raw)));
    }
    assertThat("paths stay readable", line, containsString("\"path\":\"/a\\r\\n"));
    JsonObject o = json(line);
    assertThat(o.getString("message"), is("bad request " + HOSTILE));
    assertThat(o.getString("path"), is(HOSTILE));
    assertThat(o.getString("exception_class"), is("java.lang.IllegalStateException"));
    assertThat(o.getString("exception_message"), is("value\nwith newline " + HOSTILE));
    assertThat(
        o.getString("stack_trace"),
        containsString("java.lang.IllegalStateException: value\nwith newline"));
    assertThat(o.getString("stack_trace"), containsString("\tat io.steadyproxy.observe."));

    String text = LogFormatter.of(LogFormat.TEXT).format(r);
    assertThat(text.indexOf('\n'), is(text.length() - 1));
    // a value with spaces or quotes is quoted (logfmt), its quotes escaped
    assertThat(text, containsString("path=\"/a\\x0d\\x0a{\\\"level\\\""));
    assertThat(text, containsString("exception=java.lang.IllegalStateException: value\\x0awith"));
  }

  @Test
  void aMessageWithParametersIsFilledInAndOneWithFieldsIsTakenAsGiven() {
    assertThat(
        json(LogFormatter.of(LogFormat.JSON)
                .format(record(Level.FINE, "x", "pool {0} of {1}", "3", "20")))
            .getString("message"),
        is("pool 3 of 20"));
    assertThat(
        json(LogFormatter.of(LogFormat.JSON)
                .format(record(Level.INFO, "x", "{0} literal", LogFields.withCapacity(0))))
            .getString("message"),
        is("{0} literal"));
  }

  @Test
  void aFieldCannotTakeALinesOwnName() {
    for (String name : LogFields.RESERVED) {
      assertThrows(IllegalArgumentException.class, () -> LogFields.withCapacity(1).add(name, 1));
    }
  }

  /**
   * The access log's byte path against the escaping path it bypasses: the same record must give the
   * same line both ways, in both formats, for plain values, quoted ones (a browser's User-Agent)
   * and hostile ones (which take the escaping path).
   */
  @Test
  void theBytePathWritesWhatTheEscapingPathWrites() {
    String[] userAgents = {
      "wrk",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0",
      "say \"hi\" \\o/",
      "",
      null,
      HOSTILE,
      "bot/1.0 ü"
    };
    long[] nanos = {0, 4_999, 5_000, 1_234_567, 10_800_000_000_000L};
    for (LogFormat format : LogFormat.values()) {
      LogFormatter formatter = LogFormatter.of(format);
      for (String ua : userAgents) {
        for (long n : nanos) {
          io.steadyproxy.proxy.ExchangeRecord x =
              new io.steadyproxy.proxy.ExchangeRecord(
                  "/api",
                  "GET",
                  "/api/items",
                  200,
                  n,
                  0,
                  64,
                  "127.0.0.1:9301",
                  io.steadyproxy.proxy.ErrorClass.values()[0],
                  "10.0.0.7",
                  "a=1&b=2",
                  "HTTP/1.1",
                  ua,
                  "5f0c3a9e2b7d4c1a8e6f0b3d9a2c7e41",
                  n / 3,
                  n == 0 ? "14" : null);
          AccessRecord r = new AccessRecord(x, true);
          r.setInstant(AT);
          String viaBytes = formatter.format(r);
          assertThat(format + " " + ua + " " + n, viaBytes, is(formatter.format(r, r.fields())));
        }
      }
    }
  }

  @Test
  void aJsonAccessLineParsesBackWithItsTypes() {
    io.steadyproxy.proxy.ExchangeRecord x =
        new io.steadyproxy.proxy.ExchangeRecord(
            "/",
            "POST",
            "/x",
            502,
            1_234_567,
            10,
            20,
            "-",
            null,
            "::1",
            "token=s3cret",
            "HTTP/2.0",
            "curl/8",
            "id-1",
            -1,
            "13");
    AccessRecord r = new AccessRecord(x, false);
    JsonObject o = json(LogFormatter.of(LogFormat.JSON).format(r));
    assertThat(o.getInt("status"), is(502));
    assertThat(o.getJsonNumber("duration_ms").doubleValue(), is(1.23));
    assertThat(o.get("upstream_ms"), is(JsonValue.NULL));
    assertThat(o.get("error"), is(JsonValue.NULL));
    assertThat(o.getString("query"), is("redacted"));
    assertThat(o.getString("logger"), is("steadyproxy.access"));
    assertThat(o.getString("grpc_status"), is("13"));
  }
}
