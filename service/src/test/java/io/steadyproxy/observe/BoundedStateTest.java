package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.proxy.ErrorClass;
import io.steadyproxy.proxy.ExchangeRecord;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.util.List;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Strings a client chooses never become state without bound, and never forge log lines.
 * Prometheus's own guidance, and what Envoy's stats and nginx-prometheus-exporter do: label values
 * come from fixed sets (Envoy buckets by status class and configured cluster/route, never by the
 * request's method or path). nginx escapes control bytes in access-log variables as {@code \xNN}
 * ({@code escape=default}); so does SteadyProxy, in every line it writes.
 */
class BoundedStateTest {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "OTHER");

  @Test
  void inventedMethodsShareOneMetricSeries() throws Exception {
    int invented = 300;
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      for (int i = 0; i < invented; i++) {
        var res =
            RawHttp.exchange(
                proxy.port(), "XM" + i + " /m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(res.status(), is(200));
      }
      RawHttp.exchange(proxy.port(), "GET /g HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      PrometheusText metrics = Observed.metrics(proxy);
      List<PrometheusText.Sample> series = metrics.all("steadyproxy_requests_total");
      assertThat(
          series.stream().map(s -> s.labels().get("method")).toList(), everyItem(is(in(METHODS))));
      assertThat(
          metrics.value(
              "steadyproxy_requests_total", "method", "OTHER", "route", "/", "status", "2xx"),
          is((double) invented));
      assertThat(
          metrics.value(
              "steadyproxy_requests_total", "method", "GET", "route", "/", "status", "2xx"),
          is(1.0));
    }
  }

  @Test
  void statusClassesOutsideTheStandardFiveShareOneLabel() {
    assertThat(ProxyMetrics.statusClass(0), is("none"));
    assertThat(ProxyMetrics.statusClass(204), is("2xx"));
    assertThat(ProxyMetrics.statusClass(599), is("5xx"));
    assertThat(ProxyMetrics.statusClass(999), is("other"));
    assertThat(ProxyMetrics.statusClass(42), is("other"));
    assertThat(ProxyMetrics.methodLabel("PATCH"), is("PATCH"));
    assertThat(ProxyMetrics.methodLabel("patch"), is("OTHER"));
    assertThat(ProxyMetrics.methodLabel("PROPFIND"), is("OTHER"));
  }

  @Test
  void aRedactedQueryNeverReachesTheAccessLog() {
    ExchangeRecord r =
        new ExchangeRecord(
            "/",
            "GET",
            "/login",
            200,
            1_000_000,
            0,
            2,
            "http://u:1",
            null,
            "127.0.0.1",
            "token=s3cret",
            "HTTP/1.1",
            null,
            "id",
            5_000_000,
            null);
    assertThat(accessLine(ProxyLog.accessLog(true), r), containsString("query=token=s3cret"));
    String redacted = accessLine(ProxyLog.accessLog(false), r);
    assertThat(redacted, containsString("query=redacted"));
    assertThat(redacted, not(containsString("s3cret")));
  }

  private static String accessLine(ExchangeRecord.Observer log, ExchangeRecord r) {
    LogRecord[] captured = new LogRecord[1];
    Logger access = Logger.getLogger("steadyproxy.access");
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            captured[0] = record;
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    access.addHandler(capture);
    try {
      log.completed(r);
    } finally {
      access.removeHandler(capture);
    }
    return LogFormatter.of(io.steadyproxy.logging.LogFormat.TEXT).format(captured[0]);
  }

  @Test
  void controlCharactersInClientFieldsCannotForgeALogLine() {
    String hostile =
        "/a\r\n2026-01-01T00:00:00Z INFO steadyproxy.access method=GET\u001b[2J\u0000\u007f\u0085";
    ExchangeRecord r =
        new ExchangeRecord(
            "/",
            "G\nET",
            hostile,
            200,
            1_000_000,
            0,
            2,
            "http://u\r:1",
            ErrorClass.CLIENT_ABORT,
            "127.0.0.1",
            "q=\u001b",
            "HTTP/1.1",
            "agent \"x\"\n",
            "id",
            5_000_000,
            null);
    String line = accessLine(ProxyLog.accessLog(), r);
    assertThat("one line, ending in the only newline", line.indexOf('\n'), is(line.length() - 1));
    assertThat(line, not(containsString("\r")));
    assertThat(line, not(containsString("\u001b")));
    assertThat(line, not(containsString("\u0000")));
    assertThat(line, not(containsString("\u007f")));
    assertThat(line, not(containsString("\u0085")));
    assertThat(line, containsString("path=\"/a\\x0d\\x0a2026-01-01T00:00:00Z"));
    assertThat(line, containsString("method=G\\x0aET"));
    assertThat(line, containsString("\\x1b[2J\\x00\\x7f\\u0085"));
    assertThat(line, containsString("upstream=http://u\\x0d:1"));
    assertThat(line, containsString("error=client_abort"));
    assertThat(line, containsString("query=q=\\x1b"));
    assertThat(line, containsString("ua=\"agent \\\"x\\\"\\x0a\""));

    // any logger's message and exception text, not only the access log
    LogRecord other = new LogRecord(Level.WARNING, "bad header from client: X\r\nInjected: 1");
    other.setLoggerName("io.helidon.webserver");
    other.setThrown(new IllegalStateException("value\nwith newline"));
    String otherLine = LogFormatter.of(io.steadyproxy.logging.LogFormat.TEXT).format(other);
    assertThat(otherLine.indexOf('\n'), is(otherLine.length() - 1));
    assertThat(otherLine, containsString("X\\x0d\\x0aInjected: 1"));
    assertThat(otherLine, containsString("value\\x0awith newline"));
  }
}
