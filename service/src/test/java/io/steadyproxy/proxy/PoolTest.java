package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's pool semantics, observed from the upstream's side of the sockets. */
public class PoolTest {
  private static final String GET = "GET /p HTTP/1.1\r\nHost: x\r\n\r\n";

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

  // nginx keeps the upstream connection after a 204 or 304 with no Content-Length (their body is
  // empty by definition); closing it would cost CORS preflights and conditional GETs a connect
  // each.
  @Test
  void aConnectionIsKeptAfter204And304WithoutALength() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head;
                  for (int i = 0; (head = conn.readHead()) != null; i++) {
                    RawHttp.drainBody(conn.in(), head);
                    conn.write(
                        i % 2 == 0
                            ? "HTTP/1.1 204 No Content\r\n\r\n"
                            : "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n");
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      for (int i = 0; i < 4; i++) {
        assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(i % 2 == 0 ? 204 : 304));
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
          Observed.metrics(proxy).value("steadyproxy_errors_total", "class", "client_abort"),
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

  /** A TLS factory that fails as a JVM short of memory does, where the pool opens a connection. */
  private static final class OutOfMemoryTls extends SSLSocketFactory {
    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) {
      throw new OutOfMemoryError("test: no memory for the TLS engine");
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return new String[0];
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return new String[0];
    }

    @Override
    public Socket createSocket(String host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }
  }

  // nginx frees an upstream peer on every exit of a request (ngx_http_upstream_finalize_request);
  // an Error (OutOfMemoryError, StackOverflowError) between taking a slot and handing it back
  // must not lose it either, or a pool of 1 is dead after one.
  @Test
  void anErrorWhileOpeningAConnectionFreesItsSlotAndSocket() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        UpstreamPool pool = pool(1, new OutOfMemoryTls())) {
      UpstreamEndpoint endpoint =
          UpstreamEndpoint.of(URI.create("https://127.0.0.1:" + upstream.port()));
      for (int i = 0; i < 2; i++) {
        // the second try fails the same way, not with pool_exhausted: the first freed its slot
        Assertions.assertThrows(OutOfMemoryError.class, () -> pool.acquire(endpoint, false));
        assertThat(pool.stats().inUse(), is(0));
        assertThat(pool.stats().open(), is(0));
      }
      eventually("the upstream sees the socket closed", () -> upstream.openNow() == 0);
    }
  }

  @Test
  void aClosedPoolsSweeperStopsWhenItsLastLentConnectionIsBack() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok")) {
      UpstreamPool pool = pool(2, null);
      UpstreamEndpoint endpoint = UpstreamEndpoint.of(upstream.url());
      UpstreamConnection lent = pool.acquire(endpoint, false);
      pool.close();
      assertThat("still watching the lent connection", pool.sweeperStopped(), is(false));
      Assertions.assertThrows(UpstreamException.class, () -> pool.acquire(endpoint, false));
      pool.release(lent, true);
      assertThat("no sweeper thread outlives the pool", pool.sweeperStopped(), is(true));
      assertThat(pool.stats().open(), is(0));
      eventually("the upstream sees the socket closed", () -> upstream.openNow() == 0);
    }
  }

  // nginx: after a reload, old workers keep serving their in-flight requests under the old
  // settings, timeouts included. Here the pool a reload replaces keeps its sweeper (which enforces
  // write_timeout) until its last lent connection is back.
  @Test
  void aPoolReplacedByAReloadStillTimesOutAStuckWrite(@TempDir Path dir) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (RawUpstream stuck =
        RawUpstream.start(
            conn -> {
              conn.readHead(); // then never reads the body: the proxy's write blocks
              done.await(30, TimeUnit.SECONDS);
            })) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(file, "{\"upstream_url\": \"" + stuck.url() + "\", \"write_timeout\": 3}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory());
          Socket client = new Socket("127.0.0.1", proxy.port())) {
        client.setSoTimeout(20_000);
        long size = 256L * 1024 * 1024;
        OutputStream out = client.getOutputStream();
        out.write(
            ("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Thread writer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      byte[] block = new byte[64 * 1024];
                      try {
                        for (long sent = 0; sent < size; sent += block.length) {
                          out.write(block);
                        }
                      } catch (IOException closedByProxy) {
                        // the proxy answers and closes while the body is still coming
                      }
                    });
        eventually(
            "the upload holds a connection of the first pool", () -> proxy.pool().inUse() == 1);
        Files.writeString(
            file,
            "{\"upstream_url\": \""
                + stuck.url()
                + "\", \"write_timeout\": 3, \"read_timeout\": 7}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(true));
        RawHttp.Response res = RawHttp.readResponse(client.getInputStream(), false);
        assertThat(res.status(), is(504));
        assertThat(res.text(), containsString("\"error\":\"write_timeout\""));
        client.close();
        writer.join(10_000);
      }
    } finally {
      done.countDown();
    }
  }

  /**
   * A pool of {@code size} connections (all may idle) with short waits and timeouts, on the system
   * clock.
   */
  private static UpstreamPool pool(int size, SSLSocketFactory tls) {
    return new UpstreamPool(
        new UpstreamPool.Limits(
            size,
            size,
            Duration.ofSeconds(30),
            Duration.ofMillis(300),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2)),
        InstantSource.system(),
        tls);
  }
}
