package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What crosses the proxy: request-targets, methods, headers and bodies, byte for byte. */
class ForwardingTest {

  /** An upstream that records the last request head and body and answers 200 "ok". */
  private static RawUpstream recording(
      AtomicReference<RawHttp.Head> head, AtomicReference<String> body) throws Exception {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head h;
          while ((h = conn.readHead()) != null) {
            var bytes = new ByteArrayOutputStream();
            RawHttp.copyBody(conn.in(), h, bytes);
            head.set(h);
            body.set(bytes.toString(StandardCharsets.ISO_8859_1));
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          }
        });
  }

  @Test
  void rawPathAndQueryArePreservedByteForByte() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      String target = "/a%2Fb/c;v=1/%7Euser?q=a+b&r=%20%2f&empty=&&z=%E2%82%AC";
      var res = RawHttp.exchange(proxy.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(200));
      assertThat(head.get().target(), is(target));
    }
  }

  @Test
  void aClientThatAsksForCloseIsClosedAfterItsAnswerEvenWithItsBodyUnread() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy = TestProxies.start("--route", "/api=" + upstream.url());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      var out = client.getOutputStream();
      var in = client.getInputStream();
      out.write("GET /api/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
      RawHttp.Response proxied = RawHttp.readResponse(in, false);
      assertThat(proxied.text(), is("ok"));
      assertThat(proxied.head().header("Connection"), is("close"));
      assertThat("the proxy closes; it does not wait for the client to", in.read(), is(-1));

      // no route answers before the body is read; the body is read off before the close
      try (Socket second = new Socket("127.0.0.1", proxy.port())) {
        second.setSoTimeout(30_000);
        second
            .getOutputStream()
            .write(
                ("POST /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Length: 4194304\r\n\r\n")
                    .getBytes());
        var in2 = second.getInputStream();
        RawHttp.Head notFound = RawHttp.readHead(in2);
        assertThat(notFound.status(), is(404));
        second.getOutputStream().write(new byte[4 * 1024 * 1024]); // no reset meets these writes
        assertThat(new String(RawHttp.readResponseBody(in2, notFound)), containsString("no_route"));
        assertThat(in2.read(), is(-1));
      }
    }
  }

  @Test
  void hopByHopHeadersAreRemovedAndForwardingHeadersAdded() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      var res =
          RawHttp.exchange(
              proxy.port(),
              "GET /h HTTP/1.1\r\n"
                  + "Host: public.example:8080\r\n"
                  + "Connection: keep-alive, X-Conn-Scoped\r\n"
                  + "X-Conn-Scoped: secret\r\n"
                  + "Keep-Alive: timeout=5\r\n"
                  + "Proxy-Connection: keep-alive\r\n"
                  + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                  + "TE: deflate\r\n" // TE: trailers alone goes on, see TrailersTest
                  + "Upgrade: h2c\r\n"
                  + "X-Forwarded-For: 203.0.113.7\r\n"
                  + "Via: 1.0 edge\r\n"
                  + "X-End-To-End: kept\r\n"
                  + "\r\n");
      assertThat(res.status(), is(200));
      RawHttp.Head seen = head.get();
      for (String hop :
          List.of(
              "Connection",
              "X-Conn-Scoped",
              "Keep-Alive",
              "Proxy-Connection",
              "Proxy-Authorization",
              "TE",
              "Upgrade",
              "Transfer-Encoding")) {
        assertThat(hop + " must not be forwarded", seen.header(hop), nullValue());
      }
      assertThat(seen.header("X-End-To-End"), is("kept"));
      assertThat(seen.header("Host"), is("127.0.0.1:" + upstream.port()));
      assertThat(seen.header("X-Forwarded-For"), is("203.0.113.7, 127.0.0.1"));
      assertThat(seen.header("X-Forwarded-Proto"), is("http"));
      assertThat(seen.header("X-Forwarded-Host"), is("public.example:8080"));
      assertThat(seen.header("Via"), is("1.0 edge, 1.1 steadyproxy"));
    }
  }

  @Test
  void hostIsPreservedWhenAsked() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--preserve-host", "true")) {
      RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: public.example\r\n\r\n");
      assertThat(head.get().header("Host"), is("public.example"));
    }
  }

  @Test
  void responseHopByHopHeadersAreRemovedAndRepeatedHeadersKept() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 201 Created Here\r\n"
                          + "Connection: X-Upstream-Hop\r\n"
                          + "X-Upstream-Hop: 1\r\n"
                          + "Keep-Alive: timeout=3\r\n"
                          + "Proxy-Authenticate: Basic\r\n"
                          + "Set-Cookie: a=1\r\n"
                          + "Set-Cookie: b=2\r\n"
                          + "Content-Encoding: gzip\r\n"
                          + "Content-Length: 4\r\n\r\n\u001f\u008b\u0008\u0000");
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      var res = RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(201));
      assertThat(res.head().line(), containsString("201 Created Here"));
      assertThat(res.head().header("X-Upstream-Hop"), nullValue());
      assertThat(res.head().header("Keep-Alive"), nullValue());
      assertThat(res.head().header("Proxy-Authenticate"), nullValue());
      assertThat(res.head().all("Set-Cookie"), contains("a=1", "b=2"));
      // Bytes pass undecoded: the proxy never touches Content-Encoding.
      assertThat(res.head().header("Content-Encoding"), is("gzip"));
      assertThat(res.body(), is(new byte[] {0x1f, (byte) 0x8b, 0x08, 0x00}));
    }
  }

  @Test
  void everyMethodAndBodyFramingIsForwarded() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      for (String method : List.of("GET", "DELETE", "OPTIONS", "PURGE")) {
        var res = RawHttp.exchange(proxy.port(), method + " /m HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(res.status(), is(200));
        assertThat(head.get().line(), is(method + " /m HTTP/1.1"));
        assertThat(head.get().contentLength(), is(-1L));
      }
      for (String method : List.of("POST", "PUT", "PATCH")) {
        RawHttp.exchange(
            proxy.port(), method + " /m HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(head.get().line(), is(method + " /m HTTP/1.1"));
        assertThat(head.get().contentLength(), is(5L));
        assertThat(body.get(), is("hello"));
      }
      RawHttp.exchange(
          proxy.port(),
          "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
      // a small chunked body is read whole first and goes up with its length, as nginx sends it
      // (proxy_request_buffering); longer ones stream chunked (StreamingTest)
      assertThat(head.get().chunked(), is(false));
      assertThat(head.get().contentLength(), is(7L));
      assertThat(body.get(), is("abcdefg"));
      var res = RawHttp.exchange(proxy.port(), "HEAD /m HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(200));
      assertThat(head.get().line(), is("HEAD /m HTTP/1.1"));
      assertThat(head.get().header("Expect"), nullValue());
    }
  }

  /**
   * A client that sends {@code Expect: 100-continue} waits for the interim 100 before its body, as
   * curl does for large uploads. nginx sends the 100 itself when it starts reading the body and
   * never forwards Expect; so does SteadyProxy. The body is sent only after the 100 has arrived, so
   * a proxy that never sends one fails here instead of passing on curl's one-second fallback.
   */
  @Test
  void clientExpectContinueIsAnsweredByTheProxyAndNotForwarded() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream upstream = recording(head, body);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(5_000);
      var out = client.getOutputStream();
      var in = client.getInputStream();
      out.write(
          "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RawHttp.Head interim = RawHttp.readHead(in); // bounded by the 5 s read timeout
      assertThat(interim.status(), is(100));
      assertThat(
          "no body reached the upstream before the client sent one", body.get(), nullValue());
      out.write("abc".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      RawHttp.Response res = RawHttp.readResponse(in, false);
      assertThat(res.status(), is(200));
      assertThat(body.get(), is("abc"));
      assertThat(head.get().header("Expect"), nullValue());
    }
  }

  @Test
  void longestPrefixWinsOnSegmentBoundariesAndPrefixesCanBeStripped() throws Exception {
    var headA = new AtomicReference<RawHttp.Head>();
    var headB = new AtomicReference<RawHttp.Head>();
    var headD = new AtomicReference<RawHttp.Head>();
    var body = new AtomicReference<String>();
    try (RawUpstream a = recording(headA, body);
        RawUpstream b = recording(headB, body);
        RawUpstream d = recording(headD, body);
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", d.url().toString(),
                "--route", "/api=" + a.url() + "/v1",
                "--route", "/api/admin=" + b.url() + ";strip")) {
      RawHttp.exchange(proxy.port(), "GET /api/users?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(headA.get().target(), is("/v1/api/users?x=1"));
      RawHttp.exchange(proxy.port(), "GET /api/admin/keys HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(headB.get().target(), is("/keys"));
      RawHttp.exchange(proxy.port(), "GET /apix HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(headD.get().target(), is("/apix"));
      RawHttp.exchange(proxy.port(), "GET /api%2Fadmin/keys HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(
          "an encoded slash is not a segment boundary",
          headD.get().target(),
          is("/api%2Fadmin/keys"));
    }
  }

  @Test
  void noMatchingRouteIs404Json() throws Exception {
    try (RawUpstream a = RawUpstream.keepAlive("a");
        SteadyProxy proxy = TestProxies.start("--route", "/only=" + a.url())) {
      assertThat(
          RawHttp.exchange(proxy.port(), "GET /only/x HTTP/1.1\r\nHost: x\r\n\r\n").status(),
          is(200));
      var res = RawHttp.exchange(proxy.port(), "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(404));
      assertThat(res.head().header("Content-Type"), containsString("application/json"));
      assertThat(res.text(), containsString("\"error\":\"no_route\""));
    }
  }
}
