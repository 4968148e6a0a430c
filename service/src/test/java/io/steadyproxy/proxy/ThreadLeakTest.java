package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The proxy's own virtual threads (an upload streaming a large body, a linger reading off an unread
 * body) end with their request: Observed counts virtual threads, not only platform ones, so a
 * leaked one fails here. nginx and Envoy hold no per-request thread at all; a thread per request is
 * affordable only if none outlives it.
 */
class ThreadLeakTest {

  @Test
  void uploadAndLingerThreadsEndWithTheirRequests() throws Exception {
    byte[] body = new byte[512 * 1024]; // above the inline limit: streamed on an upload thread
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head h;
                  while ((h = conn.readHead()) != null) {
                    if (h.target().startsWith("/early")) {
                      // answers before reading the body: the proxy lingers to read the rest off
                      conn.write("HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n");
                      return;
                    }
                    RawHttp.drainBody(conn.in(), h);
                    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      for (String target : new String[] {"/up", "/up", "/early"}) {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          out.write(
              ("POST "
                      + target
                      + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          Thread writer =
              Thread.ofVirtual()
                  .start(
                      () -> {
                        try {
                          out.write(body);
                        } catch (IOException ignored) {
                          // the proxy may close after an early answer
                        }
                      });
          InputStream in = s.getInputStream();
          int status = RawHttp.readResponse(in, false).status();
          assertThat(target, status, is(target.equals("/early") ? 413 : 200));
          writer.join(10_000);
        }
      }
      assertThat(observed.newThreads(), empty());
    }
  }
}
