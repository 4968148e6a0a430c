package io.steadyproxy.proxy;

import static io.steadyproxy.testing.SlowClients.connect;
import static io.steadyproxy.testing.SlowClients.expect408ThenClose;
import static io.steadyproxy.testing.SlowClients.expectClosed;
import static io.steadyproxy.testing.SlowClients.timeouts;
import static io.steadyproxy.testing.SlowClients.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.SlowClients;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients slow or silent before and between requests (the head and keep-alive timeouts), over raw
 * sockets, with 2 s timeouts and a client cap of 64. Each is cut off by its own timeout and none
 * stops another client from being served. Bodies and responses: {@link SlowBodyTest}.
 */
class ClientTimeoutTest {
  private static final int CLIENT_CAP = 64;
  private static RawUpstream upstream;
  private static SteadyProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    upstream = RawUpstream.keepAlive("ok");
    proxy = TestProxies.start(SlowClients.flags(upstream.url().toString(), 4, CLIENT_CAP));
  }

  @AfterAll
  static void stop() throws IOException {
    proxy.close();
    upstream.close();
  }

  // nginx client_header_timeout (60 s default; nginx closes, HAProxy's timeout http-request
  // answers 408 as we do): a connection that sends nothing, and one whose head stops half way, are
  // both answered 408 and closed. Helidon alone holds them forever: the reads would time out.
  @Test
  void aSilentConnectionAndAHalfSentHeadGet408AfterTheHeaderTimeout() throws IOException {
    double before = timeouts(proxy, "header");
    try (Socket silent = connect(proxy);
        Socket half = connect(proxy)) {
      write(half, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      expect408ThenClose(silent, "client_header_timeout");
      expect408ThenClose(half, "client_header_timeout");
    }
    assertThat(timeouts(proxy, "header"), greaterThanOrEqualTo(before + 2));
  }

  // nginx client_header_timeout bounds the whole head, not the gap between its bytes: a head
  // trickled a byte every 200 ms (slowloris) is cut off too.
  @Test
  void aTrickledHeadIsCutOffByTheHeaderTimeout() throws Exception {
    try (Socket s = connect(proxy)) {
      write(s, "GET / HTTP/1.1\r\nHost: x\r\n");
      Thread trickler = SlowClients.trickle(s, "X", 200, 75); // 15 s at most
      expect408ThenClose(s, "client_header_timeout");
      trickler.join(TimeUnit.SECONDS.toMillis(20));
    }
  }

  // nginx keepalive_timeout (75 s default): an idle kept-alive connection is closed without an
  // answer (there is no request to answer). Before: held until Helidon's 5 minute idle timer.
  @Test
  void anIdleKeptAliveConnectionIsClosed() throws Exception {
    double before = timeouts(proxy, "keepalive");
    // after a proxied request, after the proxy's own /health, after Helidon's observe routes
    List<String> paths = List.of("/one", "/health", "/observe/health");
    List<Socket> sockets = new ArrayList<>();
    try {
      for (String path : paths) {
        Socket s = connect(proxy);
        sockets.add(s);
        write(s, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(path, RawHttp.readResponse(s.getInputStream(), false).status() / 100, is(2));
      }
      for (int i = 0; i < paths.size(); i++) {
        assertThat(paths.get(i), sockets.get(i).getInputStream().read(), is(-1));
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    assertThat(timeouts(proxy, "keepalive"), greaterThanOrEqualTo(before + 3));
  }

  // nginx keepalive_timeout counts idle time only: requests in a row on one connection, each
  // within the timeout but together longer than it, are all served on that connection.
  @Test
  void aBusyKeptAliveConnectionStaysOpen() throws Exception {
    try (Socket s = connect(proxy)) {
      for (int i = 0; i < 3; i++) {
        write(s, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Response res = RawHttp.readResponse(s.getInputStream(), false);
        assertThat(res.status(), is(200));
        assertThat(res.head().header("connection"), not(is("close")));
        Thread.sleep(800); // idle for less than the 2 s keep-alive timeout: pacing, not a wait
      }
    }
  }

  // A flood of silent and half-sent connections fills the client cap (nginx: worker_connections,
  // cleared by client_header_timeout); a new client is served once the header timeout has cleared
  // it. Before: the cap stayed full and the new client was never accepted.
  @Test
  void aFloodThatFillsTheClientCapIsClearedByTheHeaderTimeout() throws Exception {
    List<Socket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENT_CAP; i++) {
        Socket s = connect(proxy);
        if (i % 2 == 1) {
          write(s, "GET / HTTP/1.1\r\nHost: x\r\nX-Half: ");
        }
        flood.add(s);
      }
      CompletableFuture<RawHttp.Response> late =
          RawHttp.exchangeAsync(proxy.port(), "GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(late.get(30, TimeUnit.SECONDS).status(), is(200));
      for (Socket s : flood) {
        expectClosed(s); // every flooding connection was closed by the proxy
      }
    } finally {
      for (Socket s : flood) {
        s.close();
      }
    }
  }
}
