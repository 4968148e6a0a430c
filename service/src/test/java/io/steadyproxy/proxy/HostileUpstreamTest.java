package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static io.steadyproxy.testing.HostileUpstream.LEAKED;
import static io.steadyproxy.testing.HostileUpstream.MINE;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.HostileUpstream;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Upstreams that break the keep-alive contract. In every case a second client, sent on after the
 * hostile exchange, must get its own answer ({@link HostileUpstream#MINE}), never bytes of another
 * exchange ({@link HostileUpstream#LEAKED}), and the pool must come back to zero in use.
 */
class HostileUpstreamTest {
  private static final String GET = "GET /h HTTP/1.1\r\nHost: x\r\n\r\n";

  private static SteadyProxy proxy(RawUpstream upstream, String... more) {
    String[] flags = new String[more.length + 10];
    System.arraycopy(
        new String[] {
          "--upstream",
          upstream.url().toString(),
          "--read-timeout",
          "2",
          "--write-timeout",
          "2",
          "--max-connections",
          "4",
          "--pool-timeout",
          "2"
        },
        0,
        flags,
        0,
        10);
    System.arraycopy(more, 0, flags, 10, more.length);
    return TestProxies.start(flags);
  }

  /** The second client's request gets its own answer, and the pool is back to 0 in use. */
  private static void nextClientGetsItsOwnAnswer(SteadyProxy proxy) throws Exception {
    eventually("the first exchange handed its connection back", () -> proxy.pool().inUse() == 0);
    RawHttp.Response second = RawHttp.exchange(proxy.port(), GET);
    assertThat(second.text(), not(containsString(LEAKED)));
    assertThat(second.status(), is(200));
    assertThat(second.text(), is(MINE));
    eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
  }

  // nginx's upstream keepalive module watches idle cached connections and closes one as soon as
  // the upstream closes it (ngx_http_upstream_keepalive_close_handler), so a POST never meets it.
  @Test
  void aPostAfterTheUpstreamClosedTheIdleConnectionSucceeds() throws Exception {
    try (RawUpstream upstream = HostileUpstream.closingIdleAfter(Duration.ofMillis(1000));
        SteadyProxy proxy = proxy(upstream)) {
      String post = "POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
      assertThat(RawHttp.exchange(proxy.port(), post).status(), is(200));
      eventually("the upstream closed the idle connection", () -> upstream.openNow() == 0);
      RawHttp.Response after = RawHttp.exchange(proxy.port(), post);
      assertThat(after.text(), after.status(), is(200));
      assertThat(after.text(), is(MINE));
      assertThat("a new connection carried the POST", upstream.accepted(), is(2));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
    }
  }

  // Same nginx close handler: an idle connection the upstream closed is not idle capacity, and its
  // socket does not wait in CLOSE_WAIT for keepalive_timeout.
  @Test
  void theSweeperClosesIdleConnectionsTheUpstreamClosed() throws Exception {
    try (RawUpstream upstream = HostileUpstream.closingIdleAfter(Duration.ofMillis(1000));
        SteadyProxy proxy = proxy(upstream, "--keepalive-expiry", "30")) {
      assertThat(RawHttp.exchange(proxy.port(), GET).status(), is(200));
      eventually("the connection is idle in the pool", () -> proxy.pool().idle() == 1);
      eventually("the upstream closed it", () -> upstream.openNow() == 0);
      eventually("the pool noticed and closed its side", () -> proxy.pool().open() == 0);
      assertThat(proxy.pool().idle(), is(0));
      assertThat(Observed.metrics(proxy).value("steadyproxy_pool_stale_closed_total"), is(1.0));
    }
  }

  // A body after a HEAD, 204 or 304 answer is forbidden (RFC 9110 9.3.2, 15.3.5, 15.4.5). nginx
  // closes a cached upstream connection on which bytes arrive while it is idle (its keepalive
  // close handler reads, and any data means close).
  @ParameterizedTest
  @CsvSource({
    "HEAD, 200, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n'",
    "GET, 200, 'HTTP/1.1 204 No Content\r\n\r\n'",
    "GET, 200, 'HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n'",
    // bytes past the end of a Content-Length body: nginx warns "upstream sent more data than
    // specified in Content-Length header" and does not keep the connection
    "GET, 200, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'",
    // the same with no pause: the extra bytes may come with the answer, or just after it
    "HEAD, 0, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n'",
    "GET, 0, 'HTTP/1.1 204 No Content\r\n\r\n'",
    "GET, 0, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'"
  })
  void lateBytesAfterAResponseAreNeverReadAsTheNextClientsResponse(
      String method, int pauseMs, String answer) throws Exception {
    CountDownLatch lateSent = new CountDownLatch(1);
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.thenLateBytes(answer, Duration.ofMillis(pauseMs), lateSent), null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response first =
          RawHttp.exchange(proxy.port(), method + " /h HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(first.text(), not(containsString(LEAKED)));
      HostileUpstream.await(lateSent, 10);
      nextClientGetsItsOwnAnswer(proxy);
      assertThat("the second request went on a new connection", upstream.accepted(), is(2));
      if (pauseMs > 0) {
        // (with no pause the bytes may already be buffered when the response ends: then the
        // connection is not even pooled, and nothing is counted)
        assertThat(
            "the probe or the sweeper closed the written-to idle socket",
            Observed.metrics(proxy).value("steadyproxy_pool_stale_closed_total"),
            is(1.0));
      }
    }
  }

  // nginx keeps an upstream connection only if the whole request body was sent
  // (ngx_http_upstream_free_keepalive_peer: !u->request_body_sent -> invalid): an upstream that
  // answered first may still be reading, or skipping, the rest of the body.
  @Test
  void anAnswerBeforeTheRequestBodyWasSentNeverReturnsToThePool() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.beforeTheBody("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly"),
                null);
        SteadyProxy proxy = proxy(upstream);
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(20_000);
      // more than the socket buffers hold, so the upload ends only after the upstream has answered
      // and drained it; streamed by the uploader, not sent before the answer is read
      long size = 16L * 1024 * 1024;
      OutputStream out = client.getOutputStream();
      out.write(
          ("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<RawHttp.Response> answer =
          RawHttp.readResponseAsync(client.getInputStream());
      byte[] block = new byte[64 * 1024];
      for (long sent = 0; sent < size; sent += block.length) {
        out.write(block);
      }
      out.flush();
      RawHttp.Response first = answer.get(20, TimeUnit.SECONDS);
      assertThat(first.status(), is(200));
      assertThat(first.text(), is("early"));
      nextClientGetsItsOwnAnswer(proxy);
      assertThat("the second request went on a new connection", upstream.accepted(), is(2));
    }
  }

  // nginx enters a tunnel on 101 only for a request that asked for an Upgrade. An Upgrade field
  // that Connection does not name is not a request to switch (RFC 9110 7.8): the proxy strips it,
  // so this 101 is one nobody asked for, and relaying it would turn the client's connection into a
  // raw pipe. (UpgradeTest covers requests that do ask.)
  @Test
  void anUnsolicited101Is502AndItsConnectionIsClosed() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.just(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n\r\n"
                        + HostileUpstream.UNSOLICITED),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res =
          RawHttp.exchange(
              proxy.port(), "GET /h HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("\"error\":\"bad_upstream_response\""));
      assertThat(res.head().header("Upgrade"), is(nullValue()));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
      assertThat("the switched connection is not kept", proxy.pool().open(), is(0));
      nextClientGetsItsOwnAnswer(proxy);
    }
  }

  // nginx fails a status line with a CR not followed by LF ("upstream sent invalid header", 502);
  // a bare CR relayed in the reason phrase reads as a line end to lenient clients.
  @Test
  void aReasonPhraseWithControlCharactersIs502() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.just(
                    "HTTP/1.1 200 OK\rSet-Cookie: injected=1\r\nContent-Length: 2\r\n\r\nok"),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("\"error\":\"bad_upstream_response\""));
      assertThat(res.head().line(), not(containsString("injected")));
      assertThat(res.head().header("Set-Cookie"), is(nullValue()));
      nextClientGetsItsOwnAnswer(proxy);
    }
  }

  // A bare CR at the end of a field value is a line end to lenient clients, as in the reason
  // phrase above; nginx answers 502 ("upstream sent invalid header"). Only SP and HTAB around a
  // value are optional whitespace (RFC 9110 5.5).
  @Test
  void aFieldValueEndingInABareCrIs502() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.just("HTTP/1.1 200 OK\r\nX-A: 1\r\r\nContent-Length: 2\r\n\r\nok"),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("\"error\":\"bad_upstream_response\""));
      nextClientGetsItsOwnAnswer(proxy);
    }
  }

  // nginx 1.29 bounds the early hints it accepts by proxy_buffer_size; here at most
  // ResponseHead.MAX_INTERIM interim answers are accepted before the final one.
  @Test
  void aFloodOfInterimAnswersIs502() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.interims("HTTP/1.1 100 Continue\r\n\r\n", 50, Duration.ZERO),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("more than " + ResponseHead.MAX_INTERIM + " interim"));
      nextClientGetsItsOwnAnswer(proxy);
    }
  }

  // A few interim answers are normal (one 100 Continue, some 103 Early Hints, as nginx 1.29
  // relays) and the final answer after them is served.
  @Test
  void aFewInterimAnswersAreSkipped() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.interims(
                    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n",
                    3,
                    Duration.ZERO),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(200));
      assertThat(res.text(), is("ok"));
      nextClientGetsItsOwnAnswer(proxy);
      assertThat("a clean exchange keeps its connection", upstream.accepted(), is(1));
    }
  }

  // nginx's proxy_read_timeout is per read; HAProxy's "timeout server" likewise. Here read_timeout
  // also bounds the whole head, so interim answers sent just inside it cannot hold a request:
  // 6 interims 700 ms apart (each read well inside the 2 s timeout) take 4.2 s.
  @Test
  void slowInterimAnswersCannotStretchTheHeadPastTheReadTimeout() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                HostileUpstream.interims(
                    "HTTP/1.1 103 Early Hints\r\n\r\n", 6, Duration.ofMillis(700)),
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(504));
      assertThat(res.text(), containsString("\"error\":\"read_timeout\""));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().open(), is(0));
    }
  }

  // Same bound for one head dripped a byte at a time: each read is well inside the 2 s timeout,
  // the whole status line takes 17 x 300 ms. (nginx's proxy_read_timeout, per read, would wait.)
  @Test
  void aHeadDrippedByteByByteCannotStretchPastTheReadTimeout() throws Exception {
    try (RawUpstream upstream =
            HostileUpstream.start(
                (conn, head) -> {
                  for (char ch : "HTTP/1.1 200 OK\r\n".toCharArray()) {
                    conn.write(String.valueOf(ch));
                    Thread.sleep(300);
                  }
                  conn.write("Content-Length: 2\r\n\r\nok");
                },
                null);
        SteadyProxy proxy = proxy(upstream)) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(504));
      assertThat(res.text(), containsString("no complete response head within the read timeout"));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
      nextClientGetsItsOwnAnswer(proxy);
    }
  }
}
