package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static io.steadyproxy.testing.SlowClients.connect;
import static io.steadyproxy.testing.SlowClients.expect408ThenClose;
import static io.steadyproxy.testing.SlowClients.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.SlowClients;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The memory of request bodies read whole is bounded by client_body_buffers_max and shown on
 * /health and in a gauge. One proxy only in this class: the process has one meter registry, so the
 * gauge is that of the proxy alive.
 */
class BodyBudgetTest {
  private static final Pattern USED =
      Pattern.compile("\"client_body_buffers\":\\{\"used_bytes\":(\\d+),\"max_bytes\":1500\\}");
  private static RawUpstream upstream;
  private static SteadyProxy proxy;

  @BeforeAll
  static void start() throws IOException {
    upstream = RawUpstream.keepAlive("ok");
    List<String> flags =
        new ArrayList<>(List.of(SlowClients.flags(upstream.url().toString(), 4, 64)));
    flags.addAll(List.of("--client-body-buffers-max", "1500"));
    proxy = TestProxies.start(flags.toArray(String[]::new));
  }

  @AfterAll
  static void stop() throws IOException {
    proxy.close();
    upstream.close();
  }

  private static long healthUsed() {
    try {
      String health =
          RawHttp.exchange(proxy.port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").text();
      Matcher m = USED.matcher(health);
      assertThat(health, m.find(), is(true));
      return Long.parseLong(m.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double gauge() {
    try {
      return Observed.metrics(proxy).value("steadyproxy_client_body_buffer_bytes");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // nginx bounds each body by client_body_buffer_size and spills the rest to disk; we stream it
  // instead, and bound the sum. With room for one 1000-byte body, a first stalled body is held in
  // memory (on /health and in the gauge) and holds no upstream slot; a second one does not fit,
  // streams, and so holds a slot; client_body_timeout frees both. Before: nothing was buffered,
  // the first body held a slot at once, and /health had no such field.
  @Test
  void bufferedBodiesStayWithinTheirBudgetAndAreShown() throws Exception {
    try (Socket first = connect(proxy);
        Socket second = connect(proxy)) {
      String head = "POST /budget HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789";
      write(first, head);
      eventually("the first body held in memory", () -> healthUsed() == 1000);
      assertThat(gauge(), is(1000.0));
      assertThat(proxy.pool().inUse(), is(0));
      write(second, head);
      eventually("the second body streaming on a slot", () -> proxy.pool().inUse() == 1);
      assertThat(healthUsed(), is(1000L));
      expect408ThenClose(first, "client_body_timeout");
      expect408ThenClose(second, "client_body_timeout");
      eventually("the buffer given back", () -> healthUsed() == 0);
      assertThat(gauge(), is(0.0));
      eventually("the slot given back", () -> proxy.pool().inUse() == 0);
    }
  }
}
