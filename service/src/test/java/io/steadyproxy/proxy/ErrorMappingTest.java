package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * Each upstream failure class, with the status and JSON body a client gets, and the pool left
 * clean.
 */
class ErrorMappingTest {
  private static final String GET = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";

  private static void assertError(SteadyProxy proxy, int status, String code) throws Exception {
    try (Observed observed = Observed.start()) {
      assertErrorAnswer(proxy, status, code);
      eventually("the request is logged", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getLast(), containsString("status=" + status));
      assertThat(observed.accessLines().getLast(), containsString("error=" + code));
      assertThat(Observed.metrics(proxy).value("steadyproxy_errors_total", "class", code), is(1.0));
      assertThat("no thread outlives the request", observed.newThreads(), empty());
    }
  }

  private static void assertErrorAnswer(SteadyProxy proxy, int status, String code)
      throws IOException {
    var res = RawHttp.exchange(proxy.port(), GET);
    assertThat(res.text(), res.status(), is(status));
    assertThat(res.head().header("Content-Type"), containsString("application/json"));
    assertThat(res.text(), containsString("\"error\":\"" + code + "\""));
    assertThat(res.text(), containsString("\"upstream\":\"http://"));
    assertThat(res.text(), containsString("\"detail\":"));
    assertThat("no slot may leak", proxy.pool().inUse(), is(0));
    assertThat("no socket may leak", proxy.pool().open(), is(0));
  }

  @Test
  void refusedConnectionIs502() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (SteadyProxy proxy = TestProxies.start("--upstream", "http://127.0.0.1:" + port)) {
      assertError(proxy, 502, "connect_refused");
    }
  }

  @Test
  void unknownHostIs502() throws Exception {
    // surefire points jdk.net.hosts.file at a test hosts file, so this never leaves the machine
    try (SteadyProxy proxy =
        TestProxies.start("--upstream", "http://no-such-upstream.invalid:8080")) {
      assertError(proxy, 502, "unknown_host");
    }
  }

  @Test
  void connectTimeoutIs504() throws Exception {
    // A listener that never accepts and whose backlog is full drops SYNs, so connecting hangs.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 50; i++) {
          Socket s = new Socket();
          fillers.add(s);
          try {
            s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
          } catch (SocketTimeoutException e) {
            break; // the backlog is full now
          }
        }
        try (SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                "http://127.0.0.1:" + full.getLocalPort(),
                "--connect-timeout",
                "0.3")) {
          assertError(proxy, 504, "connect_timeout");
        }
      } finally {
        for (Socket s : fillers) {
          s.close();
        }
      }
    }
  }

  @Test
  void silentUpstreamIs504AfterTheReadTimeout() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--read-timeout", "0.3")) {
      assertError(proxy, 504, "read_timeout");
    }
  }

  @Test
  void resetBeforeTheHeadIs502() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.socket().setSoLinger(true, 0); // close with RST
                  conn.socket().close();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      assertError(proxy, 502, "upstream_reset");
    }
  }

  @Test
  void malformedStatusLineIs502() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 abc Nope\r\n\r\n");
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      assertError(proxy, 502, "bad_upstream_response");
    }
  }

  @Test
  void malformedHeadersAre502() throws Exception {
    for (String bad :
        List.of(
            "Bad Header: x\r\n",
            " folded\r\n",
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length: -1\r\n",
            "X: a\u0001b\r\n")) {
      try (RawUpstream upstream =
              RawUpstream.start(
                  conn -> {
                    conn.readHead();
                    conn.write("HTTP/1.1 200 OK\r\nX-First: 1\r\n" + bad + "\r\nhello");
                    conn.awaitPeerClose();
                  });
          SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
        assertError(proxy, 502, "bad_upstream_response");
      }
    }
  }

  @Test
  void resetAfterTheHeadClosesTheClientConnectionAndTheBodyIsNotComplete() throws Exception {
    for (String framing : List.of("Content-Length: 100000\r\n", "Transfer-Encoding: chunked\r\n")) {
      try (RawUpstream upstream =
              RawUpstream.start(
                  conn -> {
                    conn.readHead();
                    conn.write(
                        "HTTP/1.1 200 OK\r\n"
                            + framing
                            + "\r\n"
                            + (framing.contains("chunked") ? "a\r\n0123456789\r\n" : "0123456789"));
                    Thread.sleep(100);
                    conn.socket().setSoLinger(true, 0);
                    conn.socket().close();
                  });
          SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
          Observed observed = Observed.start()) {
        // The status may or may not have reached the client (small first writes are buffered);
        // either way the connection closes and no complete response is presented.
        try {
          var res = RawHttp.exchange(proxy.port(), GET);
          assertThat(res.status(), is(200));
          assertThat(
              "a truncated body must never look complete (" + framing.trim() + ")",
              res.complete(),
              is(false));
          assertThat(res.body().length, lessThan(100000));
        } catch (IOException closedWithoutResponse) {
          assertThat(closedWithoutResponse.getMessage(), containsString("without a response"));
        }
        eventually("0 upstream connections in use", () -> proxy.pool().inUse() == 0);
        assertThat(proxy.pool().open(), is(0));
        eventually("the request is logged", () -> !observed.accessLines().isEmpty());
        assertThat(observed.accessLines().getLast(), containsString("error=upstream_reset"));
        assertThat(
            Observed.metrics(proxy).value("steadyproxy_errors_total", "class", "upstream_reset"),
            is(1.0));
        assertThat(observed.newThreads(), empty());
      }
    }
  }

  @Test
  void aSmallBodyCutShortIsStillA502BecauseNothingWasCommitted() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-From-Upstream: 1\r\n\r\n0123456789");
                  Thread.sleep(50);
                  conn.socket().setSoLinger(true, 0);
                  conn.socket().close();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      var res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("\"error\":\"upstream_reset\""));
      assertThat(
          "no upstream header leaks into the error answer",
          res.head().header("X-From-Upstream"),
          Matchers.nullValue());
    }
  }
}
