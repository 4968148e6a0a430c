package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Upstreams and clients that misbehave under load; the pool always returns to zero in use. */
class FaultTest {
  private static final String GET = "GET /f HTTP/1.1\r\nHost: x\r\n\r\n";

  @Test
  void anUpstreamStallingMidBodyPastTheReadTimeoutClosesTheClientConnection() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(100_000));
                  conn.awaitPeerClose(); // then silence
                });
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--read-timeout", "0.3");
        Observed observed = Observed.start()) {
      try {
        var res = RawHttp.exchange(proxy.port(), GET);
        assertThat("a stalled body is never presented as complete", res.complete(), is(false));
      } catch (IOException closedBeforeTheHead) {
        // also acceptable: what had arrived was still buffered when the connection closed
      }
      eventually("the upstream socket is closed", () -> upstream.openNow() == 0);
      eventually("the slot is free", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().open(), is(0));
      eventually("the request is logged", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getLast(), containsString("error=read_timeout"));
      assertThat(
          Observed.metrics(proxy).value("steadyproxy_errors_total", "class", "read_timeout"),
          is(1.0));
      assertThat(observed.newThreads(), empty());
    }
  }

  @Test
  void aSmallBodyStallingPastTheReadTimeoutIsStillA504() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--read-timeout", "0.3")) {
      var res = RawHttp.exchange(proxy.port(), GET);
      assertThat(res.status(), is(504));
      assertThat(res.text(), containsString("\"error\":\"read_timeout\""));
      eventually("the slot is free", () -> proxy.pool().inUse() == 0);
    }
  }

  @Test
  void aSlowReadingClientHoldsMemoryFlatThroughBackpressure() throws Exception {
    AtomicLong written = new AtomicLong();
    long size = 512L * 1024 * 1024;
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
                  byte[] block = new byte[64 * 1024];
                  OutputStream out = conn.out();
                  for (long left = size; left > 0; left -= block.length) {
                    out.write(block);
                    written.addAndGet(block.length);
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket()) {
      client.setReceiveBufferSize(64 * 1024);
      client.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
      client.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.status(), is(200));
      // the client stops reading: the upstream may fill the socket buffers on the way, no more
      eventually(
          "the upstream is blocked by backpressure",
          () -> {
            long before = written.get();
            try {
              Thread.sleep(300);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return written.get() == before;
          });
      assertThat(
          "bytes in flight are bounded by socket buffers, not held by the proxy",
          written.get(),
          lessThan(64L * 1024 * 1024));
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      assertThat(heap, lessThan(256L * 1024 * 1024));
      // then it reads everything: the transfer completes
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while (total < size && (n = in.read(buf)) > 0) {
        total += n;
      }
      assertThat(total, is(size));
    }
  }

  @Test
  void aThousandConcurrentRequestsNeverOpenMoreThanMaxConnections() throws Exception {
    try (RawUpstream upstream = RawUpstream.answering("ok", () -> Thread.sleep(20));
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                upstream.url().toString(),
                "--max-connections",
                "100",
                "--pool-timeout",
                "0.5");
        Observed observed = Observed.start();
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<RawHttp.Response>> all = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        all.add(clients.submit(() -> RawHttp.exchange(proxy.port(), GET)));
      }
      int ok = 0;
      int busy = 0;
      for (Future<RawHttp.Response> f : all) {
        int status = f.get(120, TimeUnit.SECONDS).status();
        assertThat(status, anyOf(is(200), is(503)));
        if (status == 200) {
          ok++;
        } else {
          busy++;
        }
      }
      assertThat(ok + busy, is(1000));
      assertThat(ok, greaterThan(100));
      assertThat(
          "never more than max_connections upstream sockets",
          upstream.maxOpen(),
          lessThanOrEqualTo(100));
      eventually("every slot returns", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().open(), lessThanOrEqualTo(100));
      int rejected = busy;
      var metrics = Observed.metrics(proxy);
      // the counter itself, read whatever busy is: an absent series reads 0 and must then match
      assertThat(
          "every 503 is counted as pool_exhausted",
          metrics.valueOrZero("steadyproxy_errors_total", "class", "pool_exhausted"),
          is((double) busy));
      eventually("every request is logged", () -> observed.accessLines().size() == 1000);
      assertThat(
          observed.accessLines().stream().filter(l -> l.contains("error=pool_exhausted")).count(),
          is((long) rejected));
      assertThat(observed.newThreads(), empty());
    }
  }

  @Test
  void anUpstreamRestartDuringLoadRecoversWithNoStuckSlots() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    RestartableUpstream upstream = new RestartableUpstream(port);
    upstream.start();
    try (SteadyProxy proxy =
            TestProxies.start("--upstream", "http://127.0.0.1:" + port, "--connect-timeout", "1");
        Observed observed = Observed.start();
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicBoolean restarted = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong okAfterRestart = new AtomicLong();
      List<Future<?>> load = new ArrayList<>();
      for (int c = 0; c < 20; c++) {
        load.add(
            clients.submit(
                () -> {
                  // bounded: at most 1000 requests per client, and the test's own deadlines
                  for (int i = 0; i < 1000 && !done.get(); i++) {
                    sent.incrementAndGet();
                    try {
                      int status = RawHttp.exchange(proxy.port(), GET).status();
                      if (status == 200) {
                        if (restarted.get()) {
                          okAfterRestart.incrementAndGet();
                        }
                      } else {
                        failed.incrementAndGet();
                        assertThat(status, anyOf(is(502), is(503), is(504)));
                      }
                    } catch (IOException e) {
                      failed.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      eventually("the load is running", () -> upstream.served() >= 100);
      // Hold the next answers at the upstream, so requests are provably in flight when it stops.
      upstream.holdAnswers();
      eventually("requests are in flight at the upstream", () -> proxy.pool().inUse() >= 5);
      long failedBeforeStop = failed.get();
      upstream.stop();
      eventually("the in-flight requests fail", () -> failed.get() > failedBeforeStop);
      upstream.start();
      restarted.set(true);
      eventually("the load goes on against the new upstream", () -> okAfterRestart.get() >= 100);
      assertThat("clients were still sending when the upstream came back", done.get(), is(false));
      done.set(true);
      for (Future<?> f : load) {
        f.get(60, TimeUnit.SECONDS);
      }
      eventually("every slot returns", () -> proxy.pool().inUse() == 0);
      long total = sent.get();
      eventually("every request is logged", () -> observed.accessLines().size() == total);
      assertThat(
          "each failure the clients saw is logged with its class",
          observed.accessLines().stream().filter(l -> !l.contains("error=-")).count(),
          greaterThanOrEqualTo(failed.get()));
      assertThat(observed.newThreads(), empty());
      for (int i = 0; i < 20; i++) {
        assertThat(
            "after the restart every request succeeds",
            RawHttp.exchange(proxy.port(), GET).status(),
            is(200));
      }
    } finally {
      upstream.stop();
    }
  }

  /**
   * A keep-alive upstream on a fixed port that can be stopped (closing every socket) and started
   * again.
   */
  private static final class RestartableUpstream {
    private final int port;
    private RawUpstream current;

    RestartableUpstream(int port) {
      this.port = port;
    }

    private final AtomicLong served = new AtomicLong();
    private volatile CountDownLatch hold;

    void start() throws IOException {
      hold = null;
      current =
          RawUpstream.startOn(
              port,
              conn -> {
                RawHttp.Head head;
                while ((head = conn.readHead()) != null) {
                  CountDownLatch gate = hold;
                  if (gate != null) {
                    gate.await(10, TimeUnit.SECONDS); // released by stop(): the socket closes
                  }
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                  served.incrementAndGet();
                }
              });
    }

    /** From now on, requests are read but not answered until {@link #stop()}. */
    void holdAnswers() {
      hold = new CountDownLatch(1);
    }

    long served() {
      return served.get();
    }

    void stop() throws IOException {
      if (current != null) {
        current.close();
      }
      CountDownLatch gate = hold;
      if (gate != null) {
        gate.countDown();
      }
    }
  }
}
