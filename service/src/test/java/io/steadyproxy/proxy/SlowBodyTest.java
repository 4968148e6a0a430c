package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static io.steadyproxy.testing.SlowClients.connect;
import static io.steadyproxy.testing.SlowClients.expect408ThenClose;
import static io.steadyproxy.testing.SlowClients.timeouts;
import static io.steadyproxy.testing.SlowClients.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.SlowClients;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients slow with their request bodies or with reading responses, over raw sockets, with 2 s
 * timeouts and a pool of 4: each is cut off by its own timeout, holds no upstream slot it does not
 * use, and a broken body never yields the upstream's success.
 */
class SlowBodyTest {
  private static final int POOL = 4;
  private static final long BIG = 256L * 1024 * 1024;
  private static final AtomicInteger SEEN = new AtomicInteger();
  private static final AtomicInteger EARLY_SEEN = new AtomicInteger();
  private static RawUpstream upstream;
  private static SteadyProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    upstream =
        RawUpstream.start(
            conn -> {
              RawHttp.Head head;
              while ((head = conn.readHead()) != null) {
                SEEN.incrementAndGet();
                if (head.target().startsWith("/early")) {
                  // answers before reading the body, as upstreams do for errors, then only drains
                  EARLY_SEEN.incrementAndGet();
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                  conn.awaitPeerClose();
                  return;
                }
                RawHttp.drainBody(conn.in(), head);
                if (head.target().startsWith("/big")) {
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n");
                  byte[] piece = new byte[64 * 1024];
                  for (long sent = 0; sent < BIG; sent += piece.length) {
                    conn.out().write(piece);
                  }
                  conn.out().flush();
                } else {
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
              }
            });
    proxy = TestProxies.start(SlowClients.flags(upstream.url().toString(), POOL, 64));
  }

  @AfterAll
  static void stop() throws IOException {
    proxy.close();
    upstream.close();
  }

  private static void assertServed() throws IOException {
    RawHttp.Response res = RawHttp.exchange(proxy.port(), "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(res.status(), is(200));
    assertThat(res.text(), is("ok"));
  }

  // nginx client_body_timeout (60 s default; 408): a small body that stops is answered 408, and
  // the upstream never sees the request (the body is read whole before any upstream contact).
  // Before: no timeout at all, and the upstream held the head of a request that never completed.
  @Test
  void aStalledSmallBodyGets408AndNeverReachesTheUpstream() throws IOException {
    int seen = SEEN.get();
    double before = timeouts(proxy, "body");
    try (Socket s = connect(proxy)) {
      write(s, "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
      expect408ThenClose(s, "client_body_timeout");
    }

    assertThat(SEEN.get(), is(seen));
    assertThat(timeouts(proxy, "body"), greaterThanOrEqualTo(before + 1));
  }

  // nginx client_body_timeout: a large (streamed) body that stops is answered 408 too, and its
  // upstream connection is given back.
  @Test
  void aStalledLargeBodyGets408AndFreesItsSlot() throws Exception {
    try (Socket s = connect(proxy)) {
      write(s, "POST /large HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
      s.getOutputStream().write(new byte[200 * 1024]);
      s.getOutputStream().flush();
      expect408ThenClose(s, "client_body_timeout");
    }
    eventually("the upstream slot given back", () -> proxy.pool().inUse() == 0);
  }

  // nginx send_timeout (60 s default; the connection is closed): a client that stops reading a
  // large response is dropped and its upstream slot freed. Before: the write blocked forever and
  // held the slot.
  @Test
  void aClientThatStopsReadingIsDroppedAndItsSlotFreed() throws Exception {
    double before = timeouts(proxy, "send");
    try (Socket s = connect(proxy)) {
      s.setReceiveBufferSize(4096);
      write(s, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.readHead(s.getInputStream()).status(), is(200));
      // read nothing more
      eventually("the upstream slot freed by send_timeout", () -> proxy.pool().inUse() == 0);
    }
    assertThat(timeouts(proxy, "send"), greaterThanOrEqualTo(before + 1));
  }

  // nginx reads small bodies before it connects upstream (proxy_request_buffering on): with a
  // pool of 4, 4 clients trickling small bodies hold no slot, and a 5th client is served. Before:
  // the 4 held every slot and the 5th got 503 pool_exhausted after pool_timeout.
  @Test
  void tricklingSmallBodiesHoldNoUpstreamSlot() throws Exception {
    List<Socket> slow = new ArrayList<>();
    List<Thread> trickling = new ArrayList<>();
    try {
      for (int i = 0; i < POOL; i++) {
        Socket s = connect(proxy);
        slow.add(s);
        write(s, "POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
        // a byte every 300 ms, within client_body_timeout: these clients are slow, not stalled
        trickling.add(SlowClients.trickle(s, "x", 300, 50));
      }
      for (int i = 0; i < 3; i++) {
        assertServed();
      }
    } finally {
      for (Socket s : slow) {
        s.close();
      }
      for (Thread t : trickling) {
        t.interrupt();
        t.join(5000);
      }
    }
  }

  // A malformed chunked body read whole is refused with 400 before any upstream contact (nginx
  // reads and checks it first too). Before: it went up, the early-answering upstream's 200 was
  // relayed, and the upstream got a truncated request.
  @Test
  void aMalformedSmallChunkedBodyGets400AndTheUpstreamSeesNothing() throws IOException {
    int early = EARLY_SEEN.get();
    RawHttp.Response res =
        RawHttp.exchange(
            proxy.port(),
            "POST /early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nZZ\r\nbroken\r\n0\r\n\r\n");
    assertThat(res.status(), is(400));
    assertThat(res.text(), containsString("bad_request_body"));
    assertThat(EARLY_SEEN.get(), is(early));
  }

  // A client that half-closes in the middle of a small chunked body (or one of known length) sent
  // no complete request: nothing reaches the upstream and nothing answers 2xx (nginx: 400 for a
  // truncated body, the connection closed).
  @Test
  void aSmallBodyCutShortByTheClientNeverReachesTheUpstream() throws IOException {
    int early = EARLY_SEEN.get();
    for (String body :
        List.of(
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            "Content-Length: 10\r\n\r\nhello")) {
      try (Socket s = connect(proxy)) {
        write(s, "POST /early HTTP/1.1\r\nHost: x\r\n" + body);
        s.shutdownOutput();
        RawHttp.Response res;
        try {
          res = RawHttp.readResponse(s.getInputStream(), false);
        } catch (IOException closed) {
          continue; // closed without an answer: not a success either
        }
        assertThat(body, res.status() / 100 == 2, is(false));
      }
    }
    assertThat(EARLY_SEEN.get(), is(early));
  }

  // A chunked body longer than client_body_buffer_size streams; when it breaks after the upstream
  // answered, the client never gets that answer as a complete success.
  @Test
  void aLongChunkedBodyThatBreaksAfterTheAnswerNeverYieldsA200() throws IOException {
    try (Socket s = connect(proxy)) {
      OutputStream out = s.getOutputStream();
      write(s, "POST /early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      byte[] piece = new byte[16 * 1024];
      for (int i = 0; i < 6; i++) { // 96 KiB: more than the 64 KiB read whole
        write(s, Integer.toHexString(piece.length) + "\r\n");
        out.write(piece);
        write(s, "\r\n");
      }
      write(s, "ZZ\r\nbroken\r\n0\r\n\r\n");
      RawHttp.Response res;
      try {
        res = RawHttp.readResponse(s.getInputStream(), false);
      } catch (IOException closed) {
        return; // closed without an answer: not a success either
      }
      assertThat(
          res.status() + " complete=" + res.complete(),
          res.status() / 100 == 2 && res.complete(),
          is(false));
    }
  }

  // When the proxy answers (here 502: the upstream took 100 KiB of a 1 MiB body and hung up) while
  // its upload thread is still blocked reading the client's body, the connection is closed after
  // the answer (nginx closes after an error answer to a request whose body it has not read), so
  // no second reader drains the body alongside the upload thread. Before: the 502 said nothing of
  // closing and the connection stayed open with two readers on one stream.
  @Test
  void anAnswerWhileTheUploadStillReadsClosesTheConnection() throws Exception {
    int taken = 100 * 1024;
    try (RawUpstream hangsUp =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.in().readNBytes(taken);
                  conn.socket().close(); // no answer
                });
        // a body timeout far above the upload's 1 s grace: the 502 must come from the hang-up
        SteadyProxy patient =
            TestProxies.start(
                "--upstream",
                hangsUp.url().toString(),
                "--client-body-timeout",
                "20",
                "--client-header-timeout",
                "20");
        Socket s = connect(patient)) {
      write(s, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
      s.getOutputStream().write(new byte[taken]);
      s.getOutputStream().flush();
      RawHttp.Response res = RawHttp.readResponse(s.getInputStream(), false);
      assertThat(res.status(), is(502));
      assertThat(res.head().header("connection"), is("close"));
      SlowClients.expectClosed(s);
    }
  }
}
