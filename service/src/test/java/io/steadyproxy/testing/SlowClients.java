package io.steadyproxy.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** Raw-socket clients that are slow on purpose, and what to expect of the proxy facing them. */
public final class SlowClients {
  private SlowClients() {}

  /** The flags of the small settings the slow-client tests use: 2 s timeouts, given caps. */
  public static String[] flags(String upstream, int pool, int clientCap) {
    return new String[] {
      "--upstream", upstream,
      "--client-header-timeout", "2",
      "--client-body-timeout", "2",
      "--send-timeout", "2",
      "--client-keepalive-timeout", "2",
      "--max-connections", String.valueOf(pool),
      "--pool-timeout", "1",
      "--max-client-connections", String.valueOf(clientCap)
    };
  }

  /** A connection whose reads give up only far above the 2 s timeouts: only a hang reaches it. */
  public static Socket connect(SteadyProxy proxy) throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(15_000);
    return s;
  }

  /** Writes and flushes raw bytes. */
  public static void write(Socket s, String raw) throws IOException {
    s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** Reads a 408 answer naming {@code error}, and then the end of the connection. */
  public static void expect408ThenClose(Socket s, String error) throws IOException {
    RawHttp.Response res = RawHttp.readResponse(s.getInputStream(), false);
    assertThat(res.status(), is(408));
    assertThat(res.text(), containsString("\"error\":\"" + error + "\""));
    expectClosed(s);
  }

  /**
   * The proxy closed the connection: reads end (EOF or reset) instead of timing out (which throws).
   */
  public static void expectClosed(Socket s) throws IOException {
    try {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // drain what was sent before the close
      }
    } catch (SocketException e) {
      // a reset is a close too
    }
  }

  /** The count of client connections closed by a timeout in {@code phase}. */
  public static double timeouts(SteadyProxy proxy, String phase) throws IOException {
    return Observed.metrics(proxy).valueOrZero("steadyproxy_client_timeouts_total", "phase", phase);
  }

  /**
   * Writes {@code piece} every {@code periodMs}, {@code times} times at most, on its own thread.
   */
  public static Thread trickle(Socket s, String piece, long periodMs, int times) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                for (int i = 0; i < times; i++) {
                  write(s, piece);
                  Thread.sleep(periodMs);
                }
              } catch (IOException | InterruptedException e) {
                // closed by the proxy or by the test: the trickle is over
              }
            });
  }
}
