package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Bodies cross the proxy unchanged whatever their Content-Encoding, both ways. nginx, HAProxy and
 * Envoy (without a compressor/decompressor filter) never decode or encode a proxied body: a
 * Prometheus remote-write (snappy), an OTLP export (gzip) or a zstd bulk upload reaches the
 * upstream as sent, and a gzip answer reaches the client as gzip, whatever Accept-Encoding says.
 */
class ContentEncodingTest {

  /** A request as the upstream saw it: its head and exact body bytes. */
  private record Seen(RawHttp.Head head, byte[] body) {}

  /** Records each request and answers with {@code answerHeaders} and {@code answerBody}. */
  private static RawUpstream recording(
      AtomicReference<Seen> seen, String answerHeaders, byte[] answerBody) throws Exception {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head h;
          while ((h = conn.readHead()) != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            RawHttp.copyBody(conn.in(), h, bytes);
            seen.set(new Seen(h, bytes.toByteArray()));
            conn.write(
                "HTTP/1.1 200 OK\r\n"
                    + answerHeaders
                    + "Content-Length: "
                    + answerBody.length
                    + "\r\n\r\n");
            conn.out().write(answerBody);
            conn.out().flush();
          }
        });
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.repeat(200).getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  /** Sends a POST with a body and reads the answer on a fresh connection. */
  private static RawHttp.Response post(int port, String headers, byte[] body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /ingest HTTP/1.1\r\nHost: x\r\n"
                  + headers
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      return RawHttp.readResponse(in, false);
    }
  }

  @Test
  void requestBodiesWithAnyContentEncodingReachTheUpstreamByteForByte() throws Exception {
    var seen = new AtomicReference<Seen>();
    byte[] gz = gzip("remote-write sample ");
    try (RawUpstream upstream = recording(seen, "", "ok".getBytes());
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      for (String encoding :
          List.of("gzip", "deflate", "br", "zstd", "snappy", "x-unknown", "gzip, br", "GZIP")) {
        seen.set(null);
        RawHttp.Response res = post(proxy.port(), "Content-Encoding: " + encoding + "\r\n", gz);
        assertThat(encoding + ": " + res.text(), res.status(), is(200));
        assertThat(encoding, seen.get().head().header("Content-Encoding"), is(encoding));
        assertThat(encoding, seen.get().body(), is(gz));
      }
    }
  }

  @Test
  void encodedResponsesReachTheClientUnchangedAndPlainOnesAreNotCompressed() throws Exception {
    var seen = new AtomicReference<Seen>();
    byte[] gz = gzip("metrics page ");
    try (RawUpstream upstream = recording(seen, "Content-Encoding: gzip\r\n", gz);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res =
          RawHttp.exchange(
              proxy.port(),
              "GET /m HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n");
      assertThat(res.status(), is(200));
      assertThat(res.head().header("Content-Encoding"), is("gzip"));
      assertThat(res.body(), is(gz));
      assertThat(seen.get().head().header("Accept-Encoding"), is("identity"));
    }
    byte[] plain = "plain text, not to be compressed by the proxy ".repeat(100).getBytes();
    try (RawUpstream upstream = recording(seen, "Content-Type: text/plain\r\n", plain);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res =
          RawHttp.exchange(
              proxy.port(),
              "GET /p HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate, br\r\n"
                  + "Connection: close\r\n\r\n");
      assertThat(res.status(), is(200));
      assertThat(res.head().header("Content-Encoding"), nullValue());
      assertThat(res.body(), is(plain));
    }
  }
}
