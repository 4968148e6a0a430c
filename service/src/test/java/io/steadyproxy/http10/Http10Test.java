package io.steadyproxy.http10;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalToIgnoringCase;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.0 clients, served as nginx serves them, over real sockets: keep-alive only when asked,
 * bodies delimited by Content-Length or by the close (never chunked), request bodies by
 * Content-Length, and the upstream still asked in HTTP/1.1. The clients are the ones users meet
 * first: ApacheBench ({@code ab}, with and without {@code -k}) and HAProxy's {@code option
 * httpchk}.
 */
class Http10Test {
  private final List<String> upstreamSaw = new CopyOnWriteArrayList<>();
  private RawUpstream upstream;
  private SteadyProxy proxy;

  @BeforeEach
  void start() throws IOException {
    upstream =
        RawUpstream.start(
            conn -> {
              RawHttp.Head h;
              while ((h = conn.readHead()) != null) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                RawHttp.copyBody(conn.in(), h, body);
                upstreamSaw.add(h.line() + " | Host: " + h.header("Host") + " | " + body);
                if (h.target().startsWith("/chunked")) {
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                          + "Transfer-Encoding: chunked\r\n\r\n"
                          + "6\r\nhello \r\n"
                          + "5;ext=1\r\nworld\r\n"
                          + "0\r\nX-Sum: 1\r\n\r\n");
                } else {
                  String text = h.line().split(" ")[0] + " " + h.target() + " " + body;
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\n\r\n" + text);
                }
              }
            });
    proxy = TestProxies.start("--upstream", upstream.url().toString(), "--read-timeout", "5");
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    upstream.close();
  }

  private Socket client() throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(10_000);
    return s;
  }

  private static void send(Socket s, String request) throws IOException {
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** Everything the server sends until it closes the connection (bounded by the read timeout). */
  private static String untilClose(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  /** Whether the server closed the connection (end of stream) rather than keeping it. */
  private static boolean closedByServer(Socket s) throws IOException {
    s.setSoTimeout(3_000);
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  // ab without -k: "GET /path HTTP/1.0", Host, User-Agent, Accept; reads the body and waits for the
  // close. nginx answers "HTTP/1.1 200 OK", Content-Length, "Connection: close", then closes.
  @Test
  void abWithoutKeepAliveGetsTheBodyThenTheClose() throws Exception {
    try (Socket c = client();
        Observed observed = Observed.start()) {
      send(
          c,
          "GET /ab?n=1 HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: ApacheBench/2.3\r\n"
              + "Accept: */*\r\n\r\n");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 200 OK\r\n"));
      assertThat(all, containsString("\r\nContent-Length: 12\r\n"));
      assertThat(all, containsString("\r\nConnection: close\r\n"));
      assertThat(all, not(containsString("Transfer-Encoding")));
      assertThat(all.substring(all.indexOf("\r\n\r\n") + 4), is("GET /ab?n=1 "));
      assertThat(
          "the upstream is asked in HTTP/1.1",
          upstreamSaw.getFirst(),
          startsWith("GET /ab?n=1 HTTP/1.1 | Host: 127.0.0.1:" + upstream.port()));
      eventually(
          "the access log names the client's version",
          () -> observed.accessLines().stream().anyMatch(l -> l.contains("HTTP/1.0")));
    }
  }

  // ab -k: "Connection: Keep-Alive"; nginx keeps the connection and says so.
  @Test
  void abWithKeepAliveKeepsTheConnection() throws Exception {
    try (Socket c = client()) {
      InputStream in = c.getInputStream();
      for (int i = 0; i < 3; i++) {
        send(c, "GET /k" + i + " HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: x\r\n\r\n");
        RawHttp.Response r = RawHttp.readResponse(in, false);
        assertThat(r.status(), is(200));
        assertThat(r.head().header("Connection"), equalToIgnoringCase("keep-alive"));
        assertThat(r.head().contentLength(), is((long) ("GET /k" + i + " ").length()));
        assertThat(r.text(), is("GET /k" + i + " "));
      }
      assertThat(closedByServer(c), is(false));
    }
    eventually("one upstream connection served all", () -> upstream.accepted() == 1);
  }

  @Test
  void aPostWithContentLengthGoesUpWhole() throws Exception {
    try (Socket c = client()) {
      InputStream in = c.getInputStream();
      send(
          c,
          "POST /p HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 11\r\n"
              + "Content-Type: text/plain\r\n\r\nhello world");
      RawHttp.Response r = RawHttp.readResponse(in, false);
      assertThat(r.text(), is("POST /p hello world"));
      // the body ended where its length said: the next request on the connection is read right
      send(c, "POST /q HTTP/1.0\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
      String all = untilClose(in);
      assertThat(all, containsString("\r\n\r\nPOST /q abc"));
      assertThat(upstreamSaw.get(1), containsString("POST /q HTTP/1.1"));
    }
  }

  // Two requests in one write: the second head is found where the first body ends.
  @Test
  void pipelinedKeepAliveRequestsAreAnsweredInOrder() throws Exception {
    try (Socket c = client()) {
      InputStream in = c.getInputStream();
      send(
          c,
          "POST /one HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc"
              + "GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assertThat(RawHttp.readResponse(in, false).text(), is("POST /one abc"));
      assertThat(RawHttp.readResponse(in, false).text(), is("GET /two "));
      assertThat(closedByServer(c), is(false));
    }
  }

  @Test
  void aLargeBodyGoesUpAndComesBackWhole() throws Exception {
    String big = "x".repeat(300 * 1024);
    try (Socket c = client()) {
      send(c, "PUT /big HTTP/1.0\r\nContent-Length: " + big.length() + "\r\n\r\n" + big);
      String all = untilClose(c.getInputStream());
      assertThat(all.substring(all.indexOf("\r\n\r\n") + 4), is("PUT /big " + big));
    }
  }

  // A 1.0 client cannot read chunked framing: the body goes raw and the close ends it, even when
  // the client asked for keep-alive (nginx does the same: keepalive needs a known length).
  @Test
  void aChunkedUpstreamAnswerIsDelimitedByTheClose() throws Exception {
    for (String connection : List.of("", "Connection: keep-alive\r\n")) {
      try (Socket c = client()) {
        send(c, "GET /chunked HTTP/1.0\r\nHost: x\r\n" + connection + "\r\n");
        String all = untilClose(c.getInputStream());
        String head = all.substring(0, all.indexOf("\r\n\r\n") + 2);
        assertThat(head, startsWith("HTTP/1.1 200 OK\r\n"));
        assertThat(head, not(containsString("Transfer-Encoding")));
        assertThat(head, not(containsString("Content-Length")));
        assertThat(head, containsString("\r\nConnection: close\r\n"));
        assertThat(
            "no chunk framing, no trailers",
            all.substring(all.indexOf("\r\n\r\n") + 4),
            is("hello world"));
      }
    }
  }

  // Trailers need chunked framing: a 1.0 client asking for them gets the body without, and no
  // Trailer declaration (Helidon would add "Trailer: stream-result" for a TE: trailers request).
  @Test
  void a10ClientAskingForTrailersGetsNone() throws Exception {
    try (Socket c = client()) {
      send(c, "GET /chunked HTTP/1.0\r\nHost: x\r\nTE: trailers\r\n\r\n");
      String all = untilClose(c.getInputStream());
      String head = all.substring(0, all.indexOf("\r\n\r\n") + 2);
      assertThat(head, not(containsString("Trailer")));
      assertThat(all.substring(all.indexOf("\r\n\r\n") + 4), is("hello world"));
    }
  }

  // HAProxy's default "option httpchk" sends exactly this: no Host, no other header.
  @Test
  void haproxyHttpchkIsAnswered() throws Exception {
    try (Socket c = client()) {
      send(c, "OPTIONS / HTTP/1.0\r\n\r\n");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 200 OK\r\n"));
      assertThat(all, containsString("\r\n\r\nOPTIONS / "));
      assertThat(upstreamSaw.getFirst(), startsWith("OPTIONS / HTTP/1.1"));
    }
  }

  @Test
  void aHeadToAChunkedAnswerHasNoBodyAndNoTransferCoding() throws Exception {
    try (Socket c = client()) {
      send(c, "HEAD /chunked HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
      RawHttp.Head h = RawHttp.readHead(c.getInputStream());
      assertThat(h.status(), is(200));
      assertThat(h.header("Transfer-Encoding"), nullValue());
      // the connection is still usable, so nothing followed the head
      send(c, "GET /after HTTP/1.0\r\nHost: x\r\n\r\n");
      assertThat(untilClose(c.getInputStream()), containsString("\r\n\r\nGET /after "));
    }
  }

  // nginx: "client sent HTTP/1.0 request with "Transfer-Encoding" header while reading client
  // request headers", 400.
  @Test
  void aChunkedRequestBodyIsRefusedAs400() throws Exception {
    try (Socket c = client()) {
      send(
          c,
          "POST /p HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 400 "));
      assertThat(all, containsString("Transfer-Encoding"));
      assertThat("nothing went upstream", upstreamSaw.isEmpty(), is(true));
    }
  }

  // A server must ignore Expect in an HTTP/1.0 request and never send it a 1xx (RFC 9110 10.1.1).
  @Test
  void expectContinueIsIgnored() throws Exception {
    try (Socket c = client()) {
      send(c, "PUT /e HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 200 OK\r\n"));
      assertThat(all, not(containsString("100 Continue")));
      assertThat(all, containsString("\r\n\r\nPUT /e ok"));
    }
  }

  @Test
  void errorsTheProxyAnswersItselfReachA10Client() throws Exception {
    try (Socket c = client()) {
      send(c, "GET /x/..%2f HTTP/1.0\r\nHost: x\r\n\r\n");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 400 "));
      assertThat(all, containsString("\r\nContent-Length: "));
      assertThat(all, containsString("\"error\""));
    }
  }

  // The health endpoint is where HAProxy and other checkers send their HTTP/1.0 probes.
  @Test
  void healthAnswersA10Probe() throws Exception {
    try (Socket c = new Socket("127.0.0.1", proxy.adminPort())) {
      c.setSoTimeout(10_000);
      send(c, "GET /health HTTP/1.0\r\n\r\n");
      String all = untilClose(c.getInputStream());
      assertThat(all, startsWith("HTTP/1.1 200 "));
      assertThat(all, containsString("\r\nConnection: close\r\n"));
      assertThat(all, not(containsString("Transfer-Encoding")));
      assertThat(all, containsString("\"status\""));
    }
  }

  // The version is chosen per connection, by its first request line.
  @Test
  void a10RequestOnAConnectionThatBeganIn11GetsHelidons505() throws Exception {
    try (Socket c = client()) {
      InputStream in = c.getInputStream();
      send(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.readResponse(in, false).status(), is(200));
      send(c, "GET /second HTTP/1.0\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.readResponse(in, false).status(), is(505));
    }
  }

  @Test
  void http11IsUnaffected() throws Exception {
    try (Socket c = client()) {
      InputStream in = c.getInputStream();
      send(c, "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response r = RawHttp.readResponse(in, false);
      assertThat(r.head().chunked(), is(true));
      assertThat(r.text(), is("hello world"));
      send(c, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.readResponse(in, false).text(), is("GET /again "));
      assertThat(closedByServer(c), is(false));
    }
  }
}
