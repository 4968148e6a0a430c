package io.steadyproxy.proxy;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Shutdown, uploads that stop half-way, and writes the upstream does not take. */
class LifecycleTest {
  /** A whole JVM starting while other tests load the machine. */
  private static final Duration CHILD_JVM_START = Duration.ofSeconds(60);

  @Test
  void shutdownLetsInFlightRequestsFinishThenRefusesNewOnes() throws Exception {
    CountDownLatch requestArrived = new CountDownLatch(1);
    try (RawUpstream upstream =
        RawUpstream.answering(
            "done",
            () -> {
              requestArrived.countDown();
              Thread.sleep(700);
            })) {
      SteadyProxy proxy =
          TestProxies.start(
              "--upstream", upstream.url().toString(), "--shutdown-grace-period", "10");
      int port = proxy.port();
      CompletableFuture<RawHttp.Response> inFlight =
          RawHttp.exchangeAsync(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(requestArrived.await(10, TimeUnit.SECONDS), is(true));
      proxy.close();
      assertThat(
          "the request in flight at shutdown completes",
          inFlight.get(10, TimeUnit.SECONDS).text(),
          is("done"));
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
      assertThat(proxy.pool().open(), is(0));
    }
  }

  @Test
  void duringTheShutdownDelayReadinessIsDownAndRequestsAreStillServed() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok")) {
      SteadyProxy proxy =
          TestProxies.start("--upstream", upstream.url().toString(), "--shutdown-delay", "1.5");
      int port = proxy.port();
      assertThat(
          RawHttp.exchange(port, "GET /observe/health/ready HTTP/1.1\r\nHost: x\r\n\r\n").status(),
          is(200));
      CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
      eventually(
          "readiness goes DOWN",
          () -> {
            try {
              return RawHttp.exchange(port, "GET /observe/health/ready HTTP/1.1\r\nHost: x\r\n\r\n")
                      .status()
                  == 503;
            } catch (IOException e) {
              return false;
            }
          });
      assertThat(
          "still serving while load balancers catch up",
          RawHttp.exchange(port, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n").text(),
          is("ok"));
      closing.get(30, TimeUnit.SECONDS);
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }
  }

  @Test
  void clientConnectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--max-client-connections", "2")) {
      Socket first = new Socket("127.0.0.1", proxy.port());
      Socket second = new Socket("127.0.0.1", proxy.port());
      for (Socket s : List.of(first, second)) {
        s.setSoTimeout(10_000);
        s.getOutputStream()
            .write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readResponse(s.getInputStream(), false).status(), is(200));
      }
      CompletableFuture<RawHttp.Response> third =
          RawHttp.exchangeAsync(proxy.port(), "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread.sleep(500); // the third connection waits in the accept queue; nothing may answer it
      assertThat(third.isDone(), is(false));
      first.close();
      assertThat(third.get(10, TimeUnit.SECONDS).status(), is(200));
      second.close();
    }
  }

  @Test
  void sigtermStopsTheRealProcessGracefully() throws Exception {
    CountDownLatch requestArrived = new CountDownLatch(1);
    try (RawUpstream upstream =
        RawUpstream.answering(
            "done",
            () -> {
              requestArrived.countDown();
              Thread.sleep(700);
            })) {
      int port;
      try (var s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process p =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-cp",
                      System.getProperty("java.class.path"),
                      "io.steadyproxy.Main",
                      "--host",
                      "127.0.0.1",
                      "--port",
                      Integer.toString(port),
                      "--upstream",
                      upstream.url().toString(),
                      "--log-file",
                      ""))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        int finalPort = port;
        eventually(
            "the proxy listens",
            CHILD_JVM_START,
            () -> {
              try (Socket s = new Socket("127.0.0.1", finalPort)) {
                return true;
              } catch (IOException e) {
                return false;
              }
            });
        CompletableFuture<RawHttp.Response> inFlight =
            RawHttp.exchangeAsync(finalPort, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(requestArrived.await(10, TimeUnit.SECONDS), is(true));
        p.destroy(); // SIGTERM
        assertThat(inFlight.get(15, TimeUnit.SECONDS).text(), is("done"));
        assertThat(p.waitFor(15, TimeUnit.SECONDS), is(true));
        assertThat("exit status after SIGTERM", p.exitValue(), is(143));
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void clientAbortDuringUploadClosesTheUpstreamConnection() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      try (Socket client = new Socket("127.0.0.1", proxy.port())) {
        OutputStream out = client.getOutputStream();
        out.write(
            "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[256 * 1024]);
        out.flush();
        eventually("the upload reached the upstream", () -> upstream.accepted() == 1);
        client.setSoLinger(true, 0);
      }
      eventually("the upstream sees its connection closed", () -> upstream.closedByPeer() == 1);
      eventually("the slot is free", () -> proxy.pool().inUse() == 0);
      assertThat(proxy.pool().open(), is(0));
      eventually("the abort is logged", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getLast(), containsString("error=client_abort"));
      assertThat(
          Observed.metrics(proxy).value("steadyproxy_errors_total", "class", "client_abort"),
          is(1.0));
      assertThat(observed.newThreads(), empty());
    }
  }

  @Test
  void aWriteTheUpstreamDoesNotTakeIsAbandonedAfterTheWriteTimeout() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead(); // reads the head, then never reads the body: its buffers fill up
                  done.await(30, TimeUnit.SECONDS);
                });
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--write-timeout", "0.5");
        Observed observed = Observed.start();
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      OutputStream out = client.getOutputStream();
      long size = 64L * 1024 * 1024;
      out.write(
          ("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<RawHttp.Response> answer =
          RawHttp.readResponseAsync(client.getInputStream());
      byte[] block = new byte[64 * 1024];
      try {
        for (long sent = 0; sent < size && !answer.isDone(); sent += block.length) {
          out.write(block);
        }
      } catch (IOException closedByProxy) {
        // the proxy may close the client connection once it has answered
      }
      RawHttp.Response res = answer.get(30, TimeUnit.SECONDS);
      assertThat(res.status(), is(504));
      assertThat(res.text(), containsString("\"error\":\"write_timeout\""));
      eventually("the slot is free", () -> proxy.pool().inUse() == 0);
      eventually("the timeout is logged", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getLast(), containsString("error=write_timeout"));
      assertThat(
          Observed.metrics(proxy).value("steadyproxy_errors_total", "class", "write_timeout"),
          is(1.0));
      client.close(); // an open client connection rightly keeps its connection thread
      assertThat(observed.newThreads(), empty());
    } finally {
      done.countDown();
    }
  }
}
