package io.steadyproxy.observe;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The connection storm at small scale: a proxy in its own JVM with a tiny heap and the client
 * connection cap lifted far above what that heap holds. Without connection admission it dies of
 * {@code OutOfMemoryError} (the launcher's {@code -XX:+ExitOnOutOfMemoryError} ends it) and drops
 * every connection; with it, it stops accepting when the heap after a GC crosses the admission
 * mark, keeps serving the connections it holds, answers a clear 503 (or lets the connection wait)
 * and serves again once the storm is over. Envoy's overload manager ({@code
 * stop_accepting_connections} on a heap threshold) is the behaviour matched; nginx and HAProxy have
 * no heap to fill and cap with {@code worker_connections} / {@code maxconn} instead.
 */
class ConnectionStormTest {
  private static final String GET = "GET /storm HTTP/1.1\r\nHost: storm\r\n\r\n";
  // bounds: the heap below holds a few hundred idle connections; the loop may never open more
  private static final int MAX_CONNECTIONS = 3000;
  private static final long OPEN_BOUND_MS = 20_000;

  @Test
  void aStormOfIdleConnectionsStopsAdmissionInsteadOfKillingTheProxy() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok")) {
      int port = freePort();
      int admin = freePort();
      Path log = Files.createTempFile(Path.of("target"), "storm-proxy", ".log");
      Process p =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      // the launcher's flags, with a heap a few hundred connections fill
                      "-Xms32m",
                      "-Xmx32m",
                      "-XX:+UseSerialGC",
                      "-XX:+ExitOnOutOfMemoryError",
                      "-cp",
                      System.getProperty("java.class.path"),
                      "io.steadyproxy.Main",
                      "--host",
                      "127.0.0.1",
                      "--port",
                      Integer.toString(port),
                      "--admin-port",
                      Integer.toString(admin),
                      "--upstream",
                      upstream.url().toString(),
                      "--max-connections",
                      "4",
                      "--max-client-connections",
                      "5000",
                      "--log-file",
                      ""))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      List<Socket> held = new ArrayList<>();
      try {
        // Helidon binds its listeners in parallel: the admin port alone says nothing of the other
        eventually(
            "the proxy listens on both ports",
            Duration.ofSeconds(60), // a whole JVM starting while other tests load the machine
            () -> listens(admin) && listens(port));
        assertThat(
            "the sizing rule warned at start",
            Files.readString(log),
            containsString("max_client_connections=5000 is more than this heap can hold"));

        // the storm: connections that each send one request and then stay idle, until one is
        // held back (it waited, then got 503) or the bounds are reached
        RawHttp.Response refused = null;
        long deadline = System.currentTimeMillis() + OPEN_BOUND_MS;
        while (held.size() < MAX_CONNECTIONS && System.currentTimeMillis() < deadline) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
          s.setSoTimeout(10_000);
          s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
          RawHttp.Response r;
          try {
            r = RawHttp.readResponse(s.getInputStream(), false);
          } catch (IOException e) {
            s.close();
            assertThat("the proxy is alive when a connection fails: " + e, p.isAlive(), is(true));
            continue; // closed at once: refused before the request arrived
          }
          if (r.status() != 200) {
            refused = r;
            s.close();
            break;
          }
          held.add(s);
        }
        assertThat("the proxy survived the storm", p.isAlive(), is(true));
        String during = get(admin, "/health");
        assertThat("admission stopped at least once: " + during, stops(during), greaterThan(0L));
        if (refused != null) {
          assertThat(refused.status(), is(503));
          assertThat(refused.text(), containsString("\"error\":\"overloaded\""));
          assertThat(refused.head().header("Retry-After"), is("1"));
        }

        // a new connection during the storm: served, or a clear 503 after waiting
        RawHttp.Response fresh = RawHttp.exchange(port, GET);
        assertThat(fresh.status(), anyOf(is(200), is(503)));
        if (fresh.status() == 503) {
          assertThat(fresh.text(), containsString("overloaded"));
        }
        // the connections held keep being served
        Socket old = held.get(held.size() / 2);
        old.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readResponse(old.getInputStream(), false).text(), is("ok"));

        // the storm ends: new connections are served again
        for (Socket s : held) {
          s.close();
        }
        held.clear();
        eventually("a new connection is served after the storm", () -> served(port));
        String after = get(admin, "/health");
        assertThat(after, containsString("\"admission\":{\"accepting\":true"));
        PrometheusText metrics = PrometheusText.parse(get(admin, "/observe/metrics"));
        assertThat(metrics.value("steadyproxy_admission_accepting"), is(1.0));
        assertThat(
            metrics.value("steadyproxy_admission_transitions_total"), greaterThanOrEqualTo(2.0));
        assertThat(metrics.value("steadyproxy_connections_deferred_total"), greaterThan(0.0));
        assertThat("still alive", p.isAlive(), is(true));
      } finally {
        for (Socket s : held) {
          s.close();
        }
        p.destroyForcibly();
        p.waitFor();
        if (!Files.readString(log).contains("OutOfMemoryError")) {
          Files.delete(log);
        }
      }
    }
  }

  @Test
  void aHeapThatCannotHoldTheRequestsInFlightIsRefusedAtStartWithExitCode2() throws Exception {
    // 16 MiB: the admission mark (80 %) is under the proxy's own 16 MiB, before any connection
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx16m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.steadyproxy.Main",
                    "--port",
                    "0",
                    "--log-file",
                    ""))
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(err, p.exitValue(), is(2));
    assertThat(err, err.lines().count(), is(1L));
    assertThat(
        err,
        containsString(
            "steadyproxy: invalid setting 'max_client_connections' from the JVM heap limit ("));
  }

  private static long stops(String health) {
    Matcher m = Pattern.compile("\"stops\":(\\d+)").matcher(health);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static boolean served(int port) {
    try {
      return RawHttp.exchange(port, GET).status() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean listens(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String get(int port, String path) throws IOException {
    return RawHttp.exchange(
            port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .text();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
