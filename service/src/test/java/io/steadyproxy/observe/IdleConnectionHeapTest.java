package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * What an idle client connection holds, from class histograms of this JVM (the same reading as
 * {@code jcmd PID GC.class_histogram}, each after a full GC) before and after a few hundred
 * kept-alive connections that each made one request. Only {@code byte[]} is asserted: it does not
 * depend on how warm the code is (the parked virtual thread's stack does, so
 * src-docs/performance.md reports that from bench/idle_cost.py). With Helidon 4.5.0's own {@code
 * PlainSocket} each idle connection held an 8 KiB read buffer (8.2 KiB of {@code byte[]} each); the
 * patched one waits with 256 bytes (about 1.1 KiB of {@code byte[]} a connection here, with the
 * test's own client sockets, ids and names).
 */
class IdleConnectionHeapTest {
  private static final int CONNECTIONS = 300;
  private static final String GET = "GET /idle HTTP/1.1\r\nHost: idle\r\n\r\n";

  @Test
  void anIdleKeptAliveConnectionHoldsNoReadBufferOfItsOwn() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--max-client-connections", "2000")) {
      RawHttp.exchange(proxy.port(), GET); // the proxy's first request sets up what is shared
      Map<String, Long> before = histogram();
      for (int i = 0; i < CONNECTIONS; i++) {
        Socket s = new Socket();
        held.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readResponse(s.getInputStream(), false).text(), is("ok"));
      }
      Map<String, Long> after = histogram();
      long byteArrays = (after.get("[B") - before.get("[B")) / CONNECTIONS;
      long total = (after.get("Total") - before.get("Total")) / CONNECTIONS;
      assertThat(
          "byte[] per idle connection (all live heap per connection: " + total + " bytes)",
          byteArrays,
          lessThan(4096L));
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  /** Bytes by class name ({@code [B} for byte[]), and "Total", after a full GC. */
  private static Map<String, Long> histogram() throws Exception {
    String text =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {null},
                    new String[] {String[].class.getName()});
    Map<String, Long> bytes = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)").matcher(text);
    while (m.find()) {
      bytes.put(m.group(2), Long.parseLong(m.group(1)));
    }
    Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(text);
    if (total.find()) {
      bytes.put("Total", Long.parseLong(total.group(1)));
    }
    return bytes;
  }
}
