package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Trailers on chunked responses (RFC 9112 7.1.2): relayed to a client that sent {@code TE:
 * trailers}, dropped for any other, and in both cases the body ends with a clean last chunk and the
 * upstream connection goes back to the pool. Real sockets on both sides, so the exact framing the
 * client gets is what is checked.
 */
class TrailersTest {
  private static final String ANSWER =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Count\r\n\r\n"
          + "5\r\nhello\r\n"
          + "6;ext=\"a b\"\r\n world\r\n" // a chunk extension: ignored, the data relayed
          + "0\r\nX-Checksum: abc\r\nX-Count: 2\r\n\r\n";

  /** What the upstream saw of each request's TE and Connection fields. */
  private final List<String> seenTe = new CopyOnWriteArrayList<>();

  private RawUpstream upstream(String answer) throws IOException {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head h;
          while ((h = conn.readHead()) != null) {
            seenTe.add(h.header("TE") + " / " + h.header("Connection"));
            conn.write(answer);
          }
        });
  }

  private static SteadyProxy proxy(RawUpstream upstream) {
    return TestProxies.start("--upstream", upstream.url().toString(), "--read-timeout", "5");
  }

  /** A response read to the end of its trailer section, with that section's lines. */
  record Chunked(RawHttp.Head head, String body, List<String> trailers) {}

  /** Reads one chunked response from {@code in}, keeping the trailer lines. */
  static Chunked readChunked(InputStream in) throws IOException {
    RawHttp.Head head = RawHttp.readHead(in);
    assertThat(head.line(), head.chunked(), is(true));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      int n = Integer.parseInt(size.split(";")[0].strip(), 16);
      if (n == 0) {
        break;
      }
      body.write(in.readNBytes(n));
      assertThat("CRLF after chunk data", line(in), is(""));
    }
    List<String> trailers = new ArrayList<>();
    String t;
    while (!(t = line(in)).isEmpty()) {
      trailers.add(t);
    }
    return new Chunked(head, body.toString(StandardCharsets.UTF_8), trailers);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed inside a chunked response");
      }
      b.write(c);
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    assertThat("line ends with CRLF: " + s, s.endsWith("\r"), is(true));
    return s.substring(0, s.length() - 1);
  }

  private static Socket client(SteadyProxy proxy) throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static void send(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  @Test
  void aClientThatTakesTrailersGetsTheUpstreamsTrailers() throws Exception {
    try (RawUpstream upstream = upstream(ANSWER);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: TE\r\n\r\n");
      Chunked r = readChunked(c.getInputStream());
      assertThat(r.body(), is("hello world"));
      // field order in a section carries no meaning (RFC 9110 5.3); Helidon's trailer map keeps
      // none
      assertThat(r.trailers(), containsInAnyOrder("X-Checksum: abc", "X-Count: 2"));
      assertThat(r.head().header("Trailer"), containsString("X-Checksum, X-Count"));
      assertThat("TE: trailers went upstream", seenTe, contains("trailers / TE"));
      // the same client connection goes on: the trailer section ended where it should
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
      assertThat(readChunked(c.getInputStream()).body(), is("hello world"));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
      assertThat("one upstream connection carried both", upstream.accepted(), is(1));
    }
  }

  @Test
  void aClientWithoutTeGetsTheBodyEndedCleanlyAndNoTrailers() throws Exception {
    try (RawUpstream upstream = upstream(ANSWER);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\n\r\n");
      Chunked r = readChunked(c.getInputStream());
      assertThat(r.body(), is("hello world"));
      assertThat(r.trailers(), is(empty()));
      assertThat("no Trailer declared", r.head().header("Trailer"), nullValue());
      // a TE without trailers (a transfer coding the proxy does not apply) is not forwarded
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: gzip\r\n\r\n");
      assertThat(readChunked(c.getInputStream()).trailers(), is(empty()));
      assertThat(seenTe, contains("null / null", "null / null"));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
      assertThat("the connection was reused after dropped trailers", upstream.accepted(), is(1));
    }
  }

  @Test
  void teWithOtherCodingsAndParametersStillMeansTrailers() throws Exception {
    try (RawUpstream upstream = upstream(ANSWER);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: gzip;q=0.5, Trailers\r\n\r\n");
      assertThat(readChunked(c.getInputStream()).trailers(), hasItem("X-Checksum: abc"));
      assertThat(seenTe, contains("trailers / TE"));
    }
  }

  @Test
  void fieldsThatMustNotBeTrailersAreNeverRelayed() throws Exception {
    String answer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length, X-Ok\r\n\r\n"
            + "2\r\nok\r\n0\r\n"
            + "Content-Length: 99\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b\r\n"
            + "Host: evil\r\nX-Ok: yes\r\nbad line without colon\r\n\r\n";
    try (RawUpstream upstream = upstream(answer);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
      Chunked r = readChunked(c.getInputStream());
      assertThat(r.body(), is("ok"));
      assertThat(r.trailers(), contains("X-Ok: yes"));
      assertThat(r.head().header("Trailer"), not(containsString("Content-Length")));
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
    }
  }

  @Test
  void twoHundredTrailerFieldsAreRelayed() throws Exception {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < ResponseHead.MAX_FIELDS; i++) {
      many.append("X-T").append(i).append(": ").append(i).append("\r\n");
    }
    String answer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + many + "\r\n";
    try (RawUpstream upstream = upstream(answer);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
      Chunked r = readChunked(c.getInputStream());
      assertThat(r.trailers().size(), is(ResponseHead.MAX_FIELDS));
      assertThat(r.trailers(), hasItem("X-T199: 199"));
    }
  }

  // An upstream whose trailer section passes the limits of a head is broken or hostile; the body
  // went out already, so the client's connection is closed without the last chunk (its response
  // is visibly incomplete), the upstream connection is closed, and the error is logged.
  @Test
  void anOversizedTrailerSectionEndsTheResponseVisiblyIncomplete() throws Exception {
    String huge = "X-Big: " + "a".repeat(8000) + "\r\n";
    String answer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
            + huge.repeat(10)
            + "\r\n";
    String tooMany =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
            + "X: y\r\n".repeat(ResponseHead.MAX_FIELDS + 1)
            + "\r\n";
    for (String a : List.of(answer, tooMany)) {
      for (String te : List.of("TE: trailers\r\n", "")) {
        try (RawUpstream upstream = upstream(a);
            SteadyProxy proxy = proxy(upstream);
            Observed observed = Observed.start()) {
          RawHttp.Response r =
              RawHttp.exchange(proxy.port(), "GET /t HTTP/1.1\r\nHost: x\r\n" + te + "\r\n");
          assertThat(r.status(), is(200));
          assertThat("no last chunk: the client sees a truncated body", r.complete(), is(false));
          eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
          assertThat(proxy.pool().idle(), is(0));
          eventually(
              "the access log names the upstream's fault",
              () ->
                  observed.accessLines().stream()
                      .anyMatch(l -> l.contains("bad_upstream_response")));
        }
      }
    }
  }

  // Helidon 4.5.0 frames a streamed answer that ends before its first byte with Content-Length: 0,
  // and for a client that sent TE: trailers still writes a trailer section after it: bytes the
  // client reads as the start of the next response.
  @Test
  void anEmptyChunkedBodyToATrailersClientLeavesTheConnectionClean() throws Exception {
    String answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 0\r\n\r\n";
    try (RawUpstream upstream = upstream(answer);
        SteadyProxy proxy = proxy(upstream);
        Socket c = client(proxy)) {
      for (int i = 0; i < 2; i++) {
        send(c, "GET /t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
        RawHttp.Response r = RawHttp.readResponse(c.getInputStream(), false);
        assertThat(r.head().line(), is("HTTP/1.1 200 OK"));
        assertThat(r.body().length, is(0));
      }
      eventually("the pool is back to 0 in use", () -> proxy.pool().inUse() == 0);
    }
  }
}
