package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The seed's pool semantics, observed from the upstream's side of the sockets. */
public class PoolTest {
  private static final String GET = "GET /p HTTP/1.1\r\nHost: x\r\n\r\n";

  /** Waits (bounded) for a condition that the proxy reaches asynchronously. */
  public static void eventually(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    for (int i = 0; i < 400 && !condition.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertThat(what, condition.getAsBoolean(), is(true));
  }

  @Test
  void keepAliveConnectionsAreReused() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("hi");
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      for (int i = 0; i < 5; i++) {
        assertThat(RawHttp.exchange(proxy.port(), GET).text(), is("hi"));
        // the proxy hands the socket back just after the client has the response
        eventually("the connection is back in the pool", () -> proxy.pool().inUse() == 0);
      }
      assertThat(upstream.accepted(), is(1));
      assertThat(proxy.pool().idle(), is(1));
    }
  }

  @Test
  void exhaustedPoolAnswers503AfterThePoolTimeoutAndNeverOpensMoreThanTheLimit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.answering("ok", () -> release.await(30, TimeUnit.SECONDS));
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                upstream.url().toString(),
                "--max-connections",
                "2",
                "--max-keepalive-connections",
                "2",
                "--pool-timeout",
                "0.3");
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<RawHttp.Response>> held = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        held.add(clients.submit(() -> RawHttp.exchange(proxy.port(), GET)));
      }
      eventually("two requests hold both connections", () -> proxy.pool().inUse() == 2);
      var rejected = RawHttp.exchange(proxy.port(), GET);
      assertThat(rejected.status(), is(503));
      assertThat(rejected.head().header("Retry-After"), is("1"));
      assertThat(rejected.text(), containsString("\"error\":\"pool_exhausted\""));
      release.countDown();
      for (Future<RawHttp.Response> f : held) {
        assertThat(f.get(30, TimeUnit.SECONDS).status(), is(200));
      }
      assertThat(upstream.maxOpen(), lessThanOrEqualTo(2));
    }
  }

  @Test
  void manyConcurrentRequestsShareAtMostMaxConnectionsSockets() throws Exception {
    try (RawUpstream upstream = RawUpstream.answering("ok", () -> Thread.sleep(5));
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                upstream.url().toString(),
                "--max-connections",
                "4",
                "--max-keepalive-connections",
                "4",
                "--pool-timeout",
                "30");
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<RawHttp.Response>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(clients.submit(() -> RawHttp.exchange(proxy.port(), GET)));
      }
      for (Future<RawHttp.Response> f : all) {
        assertThat(f.get(60, TimeUnit.SECONDS).status(), is(200));
      }
      assertThat(upstream.maxOpen(), lessThanOrEqualTo(4));
      assertThat(proxy.pool().open(), lessThanOrEqualTo(4));
      eventually("every connection is back in the pool", () -> proxy.pool().inUse() == 0);
    }
  }

  @Test
  void idleConnectionsAreReallyClosedAfterTheExpiry() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--keepalive-expiry", "0.2")) {
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
      eventually("the upstream sees the idle socket closed", () -> upstream.closedByPeer() == 1);
      assertThat(upstream.openNow(), is(0));
      assertThat(proxy.pool().open(), is(0));
      assertThat(proxy.pool().idle(), is(0));
    }
  }

  @Test
  void idleConnectionsBeyondTheKeepAliveLimitAreClosed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.answering("ok", () -> release.await(30, TimeUnit.SECONDS));
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                upstream.url().toString(),
                "--max-connections",
                "5",
                "--max-keepalive-connections",
                "1");
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<RawHttp.Response>> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        held.add(clients.submit(() -> RawHttp.exchange(proxy.port(), GET)));
      }
      eventually("three connections in use", () -> proxy.pool().inUse() == 3);
      release.countDown();
      for (Future<RawHttp.Response> f : held) {
        assertThat(f.get(30, TimeUnit.SECONDS).status(), is(200));
      }
      eventually("only one idle connection stays open upstream", () -> upstream.openNow() == 1);
      eventually("every connection is back", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().idle(), is(1));
      assertThat(proxy.pool().open(), is(1));
    }
  }

  @Test
  void clientAbortMidStreamClosesTheUpstreamConnectionAndFreesTheSlot() throws Exception {
    byte[] chunk = ("4000\r\n" + "x".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                  for (int i = 0; i < 1_000_000; i++) { // ends when the proxy closes the socket
                    conn.out().write(chunk);
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      try (Socket client = new Socket("127.0.0.1", proxy.port())) {
        client.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
        InputStream in = client.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long read = 0;
        while (read < 1024 * 1024) {
          read += in.read(buf);
        }
        client.setSoLinger(true, 0);
      }
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      eventually("the slot is free", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().open(), is(0));
      eventually("the abort is logged", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getLast(), containsString("error=client_abort"));
      assertThat(
          io.steadyproxy.testing.Observed.metrics(proxy)
              .value("steadyproxy_upstream_errors_total", "class", "client_abort"),
          is(1.0));
      assertThat(observed.newThreads(), empty());
    }
  }

  @Test
  void aStaleIdleConnectionIsRetriedOnceForSafeRequests() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  // Answers as if keeping the connection alive, then closes it: the pooled socket
                  // is now stale.
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                  Thread.sleep(50);
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
      eventually("the upstream closed its side", () -> upstream.openNow() == 0);
      eventually("the connection is back in the pool", () -> proxy.pool().idle() == 1);
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
      assertThat(upstream.accepted(), is(2));
      eventually("the retried connection is back in the pool", () -> proxy.pool().inUse() == 0);
    }
  }
}
