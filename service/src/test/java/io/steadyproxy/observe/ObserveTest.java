package io.steadyproxy.observe;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /health, /observe/*, metrics and load shedding, over real sockets. */
class ObserveTest {
  private static final String GET = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";

  private static RawHttp.Response get(int port, String path) throws Exception {
    return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }

  @Test
  void healthHasEveryField() throws Exception {
    FakeMemory memory = new FakeMemory();
    memory.rssMb(123);
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings("--upstream", upstream.url().toString()), memory)) {
      RawHttp.exchange(proxy.port(), GET);
      eventually("the connection is idle", () -> proxy.pool().idle() == 1);
      var res = get(proxy.port(), "/health");
      assertThat(res.status(), is(200));
      assertThat(res.head().header("Content-Type"), containsString("application/json"));
      assertThat(
          res.text(),
          matchesPattern(
              "(?s)\\{\"status\":\"ok\",\"memory_usage_mb\":123\\.0,"
                  + "\"heap_used_mb\":50\\.0,\"heap_max_mb\":100\\.0,\"pool\":\\{\"open\":1,\"idle\":1,\"in_use\":0,"
                  + "\"waiting\":0,\"max\":100\\},"
                  + "\"client_body_buffers\":\\{\"used_bytes\":0,\"max_bytes\":8388608\\},"
                  + "\"upgraded\":\\{\"active\":0,\"max\":256,\"total\":0,\"refused\":0\\},"
                  + "\"uptime_s\":\\d+,\"shedding\":false,"
                  + "\"admission\":\\{\"accepting\":true,\"deferred\":0,\"refused\":0,\"stops\":0\\},"
                  + "\"last_cleanup\":null\\}\n"));
      assertThat(get(proxy.port(), "/observe/health/ready").status(), is(200));
      assertThat(get(proxy.port(), "/observe/health/live").status(), is(200));
      assertThat(get(proxy.port(), "/observe/health/started").status(), is(200));
    }
  }

  @Test
  void metricsExposeEveryFamilyInPrometheusText() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.exchange(proxy.port(), GET);
      RawHttp.exchange(proxy.port(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
      proxy.monitor().fullCleanup();
      var res =
          RawHttp.exchange(
              proxy.port(),
              "GET /observe/metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n");
      assertThat(res.status(), is(200));
      var samples = PrometheusText.parse(res.text());
      assertThat(
          samples.value(
              "steadyproxy_requests_total", "method", "GET", "route", "/", "status", "2xx"),
          is(1.0));
      assertThat(
          samples.value(
              "steadyproxy_requests_total", "method", "POST", "route", "/", "status", "2xx"),
          is(1.0));
      assertThat(
          samples.value("steadyproxy_request_duration_seconds_count", "route", "/"), is(2.0));
      // histograms with fixed buckets, which aggregate across pods; no client-side quantiles
      assertThat(
          samples.value("steadyproxy_request_duration_seconds_bucket", "route", "/", "le", "+Inf"),
          is(2.0));
      assertThat(
          samples.value("steadyproxy_request_duration_seconds_bucket", "route", "/", "le", "60.0"),
          is(2.0));
      assertThat(
          samples.value("steadyproxy_upstream_duration_seconds_bucket", "route", "/", "le", "+Inf"),
          is(2.0));
      assertThat(
          samples.all("steadyproxy_request_duration_seconds").stream()
              .filter(x -> x.labels().containsKey("quantile"))
              .toList(),
          is(List.of()));
      assertThat(samples.value("steadyproxy_bytes_in_total"), is(3.0));
      assertThat(samples.value("steadyproxy_bytes_out_total"), is(4.0));
      assertThat(samples.value("steadyproxy_cleanups_total", "kind", "full"), is(1.0));
      assertThat(samples.value("steadyproxy_pool_max"), is(100.0));
      assertThat(samples.value("steadyproxy_pool_in_use"), is(0.0));
      assertThat(samples.value("steadyproxy_pool_waiting"), is(0.0));
      assertThat(samples.value("steadyproxy_shedding"), is(0.0));
      assertThat(samples.value("steadyproxy_shed_requests_total"), is(0.0));
      assertThat(samples.value("steadyproxy_admission_accepting"), is(1.0));
      assertThat(samples.value("steadyproxy_connections_refused_total"), is(0.0));
      assertThat(samples.value("steadyproxy_memory_rss_bytes") > 0, is(true));
      assertThat(samples.value("steadyproxy_memory_heap_used_bytes") > 0, is(true));
      // the thresholds in force, for alerts that compare RSS with this pod's own limits
      assertThat(samples.value("steadyproxy_memory_max_bytes"), is(500.0 * 1024 * 1024));
      assertThat(
          samples.value("steadyproxy_memory_cleanup_threshold_bytes"), is(400.0 * 1024 * 1024));
      for (String family :
          new String[] {
            "steadyproxy_pool_open",
            "steadyproxy_pool_idle",
            "steadyproxy_pool_wait_seconds_count",
            "steadyproxy_memory_heap_max_bytes",
            "steadyproxy_shedding_transitions_total",
            "steadyproxy_admission_transitions_total",
            "steadyproxy_connections_deferred_total"
          }) {
        assertThat(family, samples.has(family), is(true));
      }
    }
  }

  @Test
  void errorsAreCountedByClass() throws Exception {
    try (SteadyProxy proxy = TestProxies.start("--upstream", "http://127.0.0.1:9")) {
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(502));
      var res = RawHttp.exchange(proxy.port(), "GET /observe/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
      var samples = PrometheusText.parse(res.text());
      assertThat(samples.value("steadyproxy_errors_total", "class", "connect_refused"), is(1.0));
      assertThat(
          samples.value(
              "steadyproxy_requests_total", "method", "GET", "route", "/", "status", "5xx"),
          is(1.0));
    }
  }

  @Test
  void aboveTheMaximumAfterCleanupNewRequestsAreShedAndStreamsInFlightSurvive() throws Exception {
    FakeMemory memory = new FakeMemory();
    CountDownLatch finishStream = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head;
                  while ((head = conn.readHead()) != null) {
                    if (head.target().equals("/stream")) {
                      conn.write(
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
                      finishStream.await(30, TimeUnit.SECONDS);
                      conn.write("4\r\nlast\r\n0\r\n\r\n");
                    } else {
                      conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    }
                  }
                });
        SteadyProxy proxy = proxyWithThresholds(upstream, memory);
        Socket stream = new Socket("127.0.0.1", proxy.port())) {
      stream.setSoTimeout(30_000);
      stream
          .getOutputStream()
          .write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = stream.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.status(), is(200));

      memory.rssMb(501);
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(true));
      var shed = RawHttp.exchange(proxy.port(), GET);
      assertThat(shed.status(), is(503));
      assertThat(shed.head().header("Retry-After"), is("5"));
      assertThat("no keep-alive while shedding", shed.head().header("Connection"), is("close"));
      assertThat(shed.text(), containsString("\"error\":\"overloaded\""));
      assertThat(get(proxy.port(), "/observe/health/ready").status(), is(503));
      assertThat(get(proxy.port(), "/health").text(), containsString("\"status\":\"shedding\""));
      assertThat(get(proxy.port(), "/health").text(), containsString("\"kind\":\"full\""));

      memory.rssMb(450); // between the thresholds: hysteresis keeps shedding on
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(true));

      finishStream.countDown();
      String body = new String(RawHttp.readResponseBody(in, head), StandardCharsets.US_ASCII);
      assertThat("the stream that was in flight while shedding completes", body, is("firstlast"));
      eventually("the stream's connection is back", () -> proxy.pool().inUse() == 0);

      memory.rssMb(399);
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(false));
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
      assertThat(get(proxy.port(), "/observe/health/ready").status(), is(200));
    }
  }

  @Test
  void aShedUploadReadsIts503EvenThoughItKeepsSending() throws Exception {
    FakeMemory memory = new FakeMemory();
    long size = 8L * 1024 * 1024;
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy = sheddingProxy(upstream, memory);
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      OutputStream out = client.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in); // answered before any of the body was read
      assertThat(head.status(), is(503));
      assertThat(head.header("Connection"), is("close"));
      // The client sends its body anyway, as most clients do. Had the proxy closed the socket with
      // the body unread, these writes would meet a reset, and so could the 503 still unread.
      byte[] block = new byte[64 * 1024];
      for (long sent = 0; sent < size; sent += block.length) {
        out.write(block);
      }
      out.flush();
      String body = new String(RawHttp.readResponseBody(in, head), StandardCharsets.US_ASCII);
      assertThat(body, containsString("\"error\":\"overloaded\""));
      assertThat("then a clean close (FIN), not a reset", in.read(), is(-1));
      assertThat("nothing reached the upstream", upstream.accepted(), is(0));
    }
  }

  @Test
  void aShedRequestThatExpectsContinueGetsNo100AndSendsNoBody() throws Exception {
    FakeMemory memory = new FakeMemory();
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy = sheddingProxy(upstream, memory);
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      client
          .getOutputStream()
          .write(
              ("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n"
                      + "Expect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat("the final answer comes instead of 100 Continue", head.status(), is(503));
      RawHttp.readResponseBody(in, head);
      assertThat("closed at once: no body is awaited", in.read(), is(-1));
    }
  }

  /** A proxy with the seed's thresholds (cleanup 400, maximum 500 MB) reading {@code memory}. */
  private static SteadyProxy proxyWithThresholds(RawUpstream upstream, FakeMemory memory) {
    return SteadyProxy.start(
        TestProxies.settings(
            "--upstream", upstream.url().toString(),
            "--max-memory-usage", "500",
            "--cleanup-threshold", "400"),
        memory);
  }

  /** {@link #proxyWithThresholds}, shedding load already. */
  private static SteadyProxy sheddingProxy(RawUpstream upstream, FakeMemory memory) {
    SteadyProxy proxy = proxyWithThresholds(upstream, memory);
    memory.rssMb(501);
    proxy.monitor().check();
    assertThat(proxy.monitor().shedding(), is(true));
    return proxy;
  }

  @Test
  void sheddingStopsOnceNothingIsInFlightAndMemoryIsBelowTheMaximum() throws Exception {
    FakeMemory memory = new FakeMemory();
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings(
                    "--upstream",
                    upstream.url().toString(),
                    "--max-memory-usage",
                    "500",
                    "--cleanup-threshold",
                    "400"),
                memory)) {
      memory.rssMb(501);
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(true));
      // the JVM keeps 450 MB resident with no request in flight: refusing requests cannot help
      memory.rssMb(450);
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(false));
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
    }
  }
}
