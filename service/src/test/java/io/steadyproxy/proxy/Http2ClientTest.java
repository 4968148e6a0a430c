package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Eventually;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestCerts;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 from clients (h2 over TLS by ALPN, h2c by prior knowledge and by Upgrade) to HTTP/1.1
 * upstreams, with the JDK's HttpClient and curl: the upstream gets a valid HTTP/1.1 request, bodies
 * stream both ways, a stream the client resets frees its upstream connection, and the connection's
 * timeouts see streams, not requests.
 */
class Http2ClientTest {
  @TempDir static Path dir;
  private static TestCerts ca;
  private static TestCerts.Leaf server;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestCerts.authority(dir, "h2-ca");
    server = ca.issue("h2-proxy", false);
  }

  /** An upstream that records each request head and answers with the request line. */
  private static RawUpstream recording(List<RawHttp.Head> heads) throws IOException {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head head;
          while ((head = conn.readHead()) != null) {
            heads.add(head);
            long n = RawHttp.drainBody(conn.in(), head);
            String body = head.line() + " body=" + n;
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
          }
        });
  }

  /** An upstream that echoes each request body back, chunked, as it reads it. */
  private static RawUpstream echo() throws IOException {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head head;
          while ((head = conn.readHead()) != null) {
            OutputStream out = conn.out();
            out.write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            RawHttp.copyBody(
                conn.in(),
                head,
                new OutputStream() {
                  @Override
                  public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                  }

                  @Override
                  public void write(byte[] b, int off, int len) throws IOException {
                    out.write(
                        (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(b, off, len);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                  }
                });
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
        });
  }

  private static SteadyProxy tls(RawUpstream upstream, String... more) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--upstream",
                upstream.url().toString(),
                "--tls-cert-file",
                server.cert().toString(),
                "--tls-key-file",
                server.key().toString()));
    flags.addAll(List.of(more));
    return TestProxies.start(flags.toArray(String[]::new));
  }

  private static HttpClient h2(boolean tls) throws Exception {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .connectTimeout(Duration.ofSeconds(10));
    if (tls) {
      b.sslContext(ca.trusting());
    }
    return b.build();
  }

  @Test
  void h2cByUpgradeSendsAValidHttp11RequestUpstream() throws Exception {
    List<RawHttp.Head> heads = new CopyOnWriteArrayList<>();
    try (RawUpstream upstream = recording(heads);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start();
        HttpClient http = h2(false)) {
      // the JDK client asks for h2c with Upgrade on its first request, then speaks h2
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(proxy.url() + "/up/" + i))
                    .header("X-Custom", "kept")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode(), is(200));
        assertThat(r.version(), is(HttpClient.Version.HTTP_2));
        assertThat(r.body(), is("GET /up/" + i + " HTTP/1.1 body=0"));
      }
      for (RawHttp.Head h : heads) {
        assertThat(h.header("Host"), is("127.0.0.1:" + upstream.port()));
        assertThat(h.header("X-Custom"), is("kept"));
        for (String[] field : h.headers()) {
          String name = field[0].toLowerCase(Locale.ROOT);
          // nothing of the client's connection, and no pseudo-header, reaches the upstream
          assertThat(
              name,
              not(
                  org.hamcrest.Matchers.oneOf(
                      "upgrade", "http2-settings", "connection", "te", "keep-alive")));
          assertThat(name, not(org.hamcrest.Matchers.startsWith(":")));
        }
      }
      Eventually.eventually("three access lines", () -> observed.accessLines().size() == 3);
      assertThat(observed.accessLines(), everyItem(containsString("proto=HTTP/2.0")));
    }
  }

  @Test
  void curlWithPriorKnowledgeAndOverTlsGetsHttp2() throws Exception {
    assumeTrue(curlHasHttp2(), "curl with HTTP/2 support is not installed");
    List<RawHttp.Head> heads = new CopyOnWriteArrayList<>();
    try (RawUpstream upstream = recording(heads);
        SteadyProxy plain = TestProxies.start("--upstream", upstream.url().toString());
        SteadyProxy secure = tls(upstream)) {
      String h2c =
          curl(
              "--http2-prior-knowledge",
              "-d",
              "hello",
              "-w",
              "\n%{http_version}",
              plain.url() + "/prior");
      assertThat(h2c, is("POST /prior HTTP/1.1 body=5\n2"));
      String h2 =
          curl(
              "--http2",
              "--cacert",
              ca.caCert().toString(),
              "-w",
              "\n%{http_version}",
              secure.url() + "/alpn");
      assertThat(h2, is("GET /alpn HTTP/1.1 body=0\n2"));
      // curl's POST over h2 has a Content-Length; the upstream gets it as sent
      assertThat(heads.getFirst().header("Content-Length"), is("5"));
    }
  }

  /**
   * Load shedding answers 503 with {@code Connection: close} on HTTP/1.1; on HTTP/2 that field is
   * malformed (curl fails the stream), so it must not be sent, and the connection stays usable.
   */
  @Test
  void aShedAnswerOverH2CarriesNoConnectionField() throws Exception {
    assumeTrue(curlHasHttp2(), "curl with HTTP/2 support is not installed");
    FakeMemory memory = new FakeMemory();
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings("--upstream", upstream.url().toString()), memory)) {
      memory.rssMb(900); // above max_memory_usage (500) even after the cleanup
      proxy.monitor().check();
      assertThat(proxy.monitor().shedding(), is(true));
      String out =
          curl(
              "--http2-prior-knowledge",
              "-D",
              "-",
              "-o",
              "/dev/null",
              "-w",
              "%{http_version} %{http_code}",
              // one URL: curl 7.88's second request on a reused h2c connection fails against any
              // server, nginx included (curl issue 10634)
              proxy.url() + "/a");
      assertThat(out, containsString("2 503"));
      assertThat(out.toLowerCase(Locale.ROOT), not(containsString("connection:")));
      assertThat(out.toLowerCase(Locale.ROOT), containsString("retry-after: 5"));
    }
  }

  @Test
  void http2OffLeavesHttp11Only() throws Exception {
    List<RawHttp.Head> heads = new CopyOnWriteArrayList<>();
    try (RawUpstream upstream = recording(heads);
        SteadyProxy secure = tls(upstream, "--http2", "false");
        HttpClient http = h2(true)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(secure.url() + "/x")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode(), is(200));
      assertThat(r.version(), is(HttpClient.Version.HTTP_1_1)); // ALPN found no h2
      if (curlHasHttp2()) {
        try (SteadyProxy plain =
            TestProxies.start("--upstream", upstream.url().toString(), "--http2", "false")) {
          Process p =
              new ProcessBuilder(
                      "curl",
                      "-sS",
                      "--max-time",
                      "10",
                      "--http2-prior-knowledge",
                      plain.url() + "/")
                  .redirectErrorStream(true)
                  .start();
          p.getInputStream().readAllBytes();
          assertThat(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() != 0, is(true));
        }
      }
    }
  }

  /**
   * A large upload and a large download over h2, each digested on both ends. (Not one echo: the JDK
   * client reads no response before its request body is sent, so a full-duplex echo larger than its
   * stream window would wait on itself.)
   */
  @Test
  void largeBodiesStreamBothWaysOverH2() throws Exception {
    long size = 48L * 1024 * 1024;
    try (RawUpstream upstream = digesting(size);
        SteadyProxy proxy = tls(upstream);
        HttpClient http = h2(true)) {
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      // no Content-Length: HTTP/2 frames the body, the proxy sends it upstream chunked
      InputStream source = pattern(size, sent);
      HttpResponse<String> up =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/upload"))
                  .POST(HttpRequest.BodyPublishers.ofInputStream(() -> source))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(up.version(), is(HttpClient.Version.HTTP_2));
      assertThat(up.body(), is("chunked " + size + " " + HexFormat.of().formatHex(sent.digest())));

      HttpResponse<InputStream> down =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/download")).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest got = MessageDigest.getInstance("SHA-256");
      long n = 0;
      try (InputStream in = down.body()) {
        byte[] buf = new byte[64 * 1024];
        int k;
        while ((k = in.read(buf)) >= 0) {
          got.update(buf, 0, k);
          n += k;
        }
      }
      MessageDigest expected = MessageDigest.getInstance("SHA-256");
      pattern(size, expected).transferTo(OutputStream.nullOutputStream());
      assertThat(n, is(size));
      assertThat(
          HexFormat.of().formatHex(got.digest()), is(HexFormat.of().formatHex(expected.digest())));
    }
  }

  /**
   * An upstream that answers an upload with its framing, length and digest, and a download with
   * {@code size} bytes of {@link #pattern}.
   */
  private static RawUpstream digesting(long size) throws IOException {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head head;
          while ((head = conn.readHead()) != null) {
            if (head.line().startsWith("POST")) {
              MessageDigest d = MessageDigest.getInstance("SHA-256");
              long n =
                  RawHttp.copyBody(
                      conn.in(),
                      head,
                      new OutputStream() {
                        @Override
                        public void write(int b) {
                          d.update((byte) b);
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                          d.update(b, off, len);
                        }
                      });
              String body =
                  (head.chunked() ? "chunked " : "length ")
                      + n
                      + " "
                      + HexFormat.of().formatHex(d.digest());
              conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            } else {
              conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
              pattern(size, MessageDigest.getInstance("SHA-256")).transferTo(conn.out());
              conn.out().flush();
            }
          }
        });
  }

  /** {@code size} bytes of a repeating pattern, digested as they are read. */
  private static InputStream pattern(long size, MessageDigest digest) {
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) ((size - left + i) * 31);
        }
        digest.update(b, off, n);
        left -= n;
        return n;
      }
    };
  }

  @Test
  void aStreamTheClientResetsMidBodyClosesItsUpstreamConnection() throws Exception {
    byte[] block = new byte[64 * 1024];
    AtomicLong written = new AtomicLong();
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head = conn.readHead();
                  if (head == null) {
                    return;
                  }
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + (1L << 34) + "\r\n\r\n");
                  try {
                    for (long i = 0; i < (1L << 34) / block.length; i++) {
                      conn.out().write(block);
                      written.addAndGet(block.length);
                    }
                  } catch (IOException e) {
                    conn.awaitPeerClose(); // the proxy closed it: counted
                  }
                });
        // Helidon 4.5.0 tells a handler nothing of a RST_STREAM: the next write waits for a window
        // that never opens, for send_timeout (HTTP/2's flow-control wait)
        SteadyProxy proxy = tls(upstream, "--send-timeout", "2");
        HttpClient http = h2(true)) {
      HttpResponse<InputStream> r =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/endless")).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.version(), is(HttpClient.Version.HTTP_2));
      try (InputStream in = r.body()) {
        in.readNBytes(2 * 1024 * 1024);
      } // closing the body mid-stream resets the stream (RST_STREAM CANCEL)
      Eventually.eventually(
          "the upstream connection is closed, not pooled",
          () -> upstream.closedByPeer() == 1 && proxy.pool().open() == 0);
      assertThat(proxy.pool().inUse(), is(0));
      // the client's connection is still good for another stream
      HttpResponse<String> next =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/after"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(next.statusCode(), is(200));
    }
  }

  @Test
  void aStreamTheClientResetsMidUploadClosesItsUpstreamConnectionAtOnce() throws Exception {
    CountDownLatch upstreamHasBody = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  if (conn.readHead() == null) {
                    return;
                  }
                  conn.in().readNBytes(64 * 1024); // the streamed body has begun to arrive
                  upstreamHasBody.countDown();
                  conn.awaitPeerClose();
                });
        // Both client timeouts far above Eventually's bound: only the reset can end it in time.
        SteadyProxy proxy = tls(upstream, "--client-body-timeout", "120", "--send-timeout", "120");
        HttpClient http = h2(true)) {
      // 256 KiB, more than client_body_buffer_size so it streams, then the client gives up: the
      // JDK's client then resets the stream (RST_STREAM CANCEL)
      Flow.Publisher<ByteBuffer> upload =
          subscriber ->
              subscriber.onSubscribe(
                  new Flow.Subscription() {
                    private boolean done;

                    @Override
                    public void request(long n) {
                      if (done) {
                        return;
                      }
                      done = true;
                      Thread.ofVirtual()
                          .start(
                              () -> {
                                for (int i = 0; i < 4; i++) {
                                  subscriber.onNext(ByteBuffer.wrap(new byte[64 * 1024]));
                                }
                                try {
                                  upstreamHasBody.await(15, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                  Thread.currentThread().interrupt();
                                }
                                subscriber.onError(new IOException("the client gives up"));
                              });
                    }

                    @Override
                    public void cancel() {
                      done = true;
                    }
                  });
      CompletableFuture<HttpResponse<String>> sent =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/upload"))
                  .POST(HttpRequest.BodyPublishers.fromPublisher(upload))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(
          "the upstream got the start of the body",
          upstreamHasBody.await(15, TimeUnit.SECONDS),
          is(true));
      // Helidon ends a reset stream's body with "Stream is closed." at the next read: the proxy's
      // upload fails and its upstream connection is closed, not pooled, long before any timeout
      Eventually.eventually(
          "the upstream connection is closed, not pooled",
          () -> upstream.closedByPeer() == 1 && proxy.pool().open() == 0);
      assertThat(proxy.pool().inUse(), is(0));
      assertThat(sent.handle((r, e) -> e != null).get(15, TimeUnit.SECONDS), is(true));
    }
  }

  @Test
  void concurrentStreamsOnOneConnectionEachReachTheUpstream() throws Exception {
    List<RawHttp.Head> heads = new CopyOnWriteArrayList<>();
    try (RawUpstream upstream = recording(heads);
        SteadyProxy proxy = tls(upstream);
        HttpClient http = h2(true)) {
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        all.add(
            http.sendAsync(
                HttpRequest.newBuilder(URI.create(proxy.url() + "/s/" + i)).build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      List<String> bodies = new ArrayList<>();
      for (var f : all) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.version(), is(HttpClient.Version.HTTP_2));
        bodies.add(r.body());
      }
      for (int i = 0; i < 64; i++) {
        assertThat(bodies, hasItem("GET /s/" + i + " HTTP/1.1 body=0"));
      }
      Eventually.eventually("every upstream slot back", () -> proxy.pool().inUse() == 0);
    }
  }

  /**
   * On HTTP/2 the header and keep-alive timeouts apply to the connection, and a connection with an
   * open stream is not idle: a response slower than both arrives, then the idle connection closes.
   */
  @Test
  void aSlowStreamIsNotIdleAndAnIdleH2ConnectionCloses() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.answering(
                "slow", () -> Thread.sleep(2500)); // longer than both client timeouts below
        SteadyProxy proxy =
            tls(
                upstream,
                "--admin-port",
                "0",
                "--client-header-timeout",
                "1",
                "--client-keepalive-timeout",
                "1");
        HttpClient http = h2(true)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/slow")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.version(), is(HttpClient.Version.HTTP_2));
      assertThat(r.body(), is("slow"));
      Eventually.eventually(
          "the idle h2 connection is closed for client_keepalive_timeout",
          () ->
              Observed.metrics(proxy)
                      .valueOrZero("steadyproxy_client_timeouts_total", "phase", "keepalive")
                  == 1);
      assertThat(
          Observed.metrics(proxy)
              .valueOrZero("steadyproxy_client_timeouts_total", "phase", "header"),
          is(0.0));
    }
  }

  private static boolean curlHasHttp2() {
    try {
      Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains("HTTP2");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(err, p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, is(true));
    return out;
  }
}
