package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.Eventually;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.TcpTable;
import io.steadyproxy.testing.TestCerts;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC through the proxy with grpc-java on both sides (Netty server upstream, Netty client with
 * prior-knowledge h2c to the proxy), methods built by hand (no protoc): unary, server-streaming,
 * client-streaming and bidirectional calls, a 1 MiB message, statuses and trailers relayed, and the
 * proxy's own failures as gRPC statuses: upstream down, deadline, pool exhausted, a client that
 * cancels, an upstream that breaks the connection or speaks no HTTP/2.
 */
class GrpcTest {
  private static final String SERVICE = "test.Echo";
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> HELLO = method("Hello", MethodType.UNARY);
  private static final MethodDescriptor<byte[], byte[]> MANY =
      method("Many", MethodType.SERVER_STREAMING);
  private static final MethodDescriptor<byte[], byte[]> COLLECT =
      method("Collect", MethodType.CLIENT_STREAMING);
  private static final MethodDescriptor<byte[], byte[]> CHAT =
      method("Chat", MethodType.BIDI_STREAMING);
  private static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodType.UNARY);
  private static final MethodDescriptor<byte[], byte[]> SLOW = method("Slow", MethodType.UNARY);
  private static final Metadata.Key<String> DETAIL =
      Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> BINARY =
      Metadata.Key.of("x-blob-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private final CountDownLatch slowStarted = new CountDownLatch(1);
  private final CountDownLatch slowCancelled = new CountDownLatch(1);
  private final CountDownLatch chatCancelled = new CountDownLatch(1);
  private final AtomicReference<Metadata> seenHeaders = new AtomicReference<>();
  private Server upstream;
  private SteadyProxy proxy;
  private ManagedChannel channel;

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            HELLO,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  out.onNext(utf8("hello " + text(req)));
                  out.onCompleted();
                }))
        .addMethod(
            MANY,
            ServerCalls.asyncServerStreamingCall(
                (req, out) -> {
                  int n = Integer.parseInt(text(req));
                  for (int i = 0; i < n; i++) {
                    out.onNext(utf8("m" + i));
                  }
                  out.onCompleted();
                }))
        .addMethod(
            COLLECT,
            ServerCalls.asyncClientStreamingCall(
                out ->
                    new StreamObserver<>() {
                      private int count;
                      private long bytes;

                      @Override
                      public void onNext(byte[] value) {
                        count++;
                        bytes += value.length;
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(utf8(count + ":" + bytes));
                        out.onCompleted();
                      }
                    }))
        .addMethod(
            CHAT,
            ServerCalls.asyncBidiStreamingCall(
                out -> {
                  ((ServerCallStreamObserver<byte[]>) out)
                      .setOnCancelHandler(chatCancelled::countDown);
                  return new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                      out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                      out.onCompleted();
                    }
                  };
                }))
        .addMethod(
            FAIL,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  Metadata trailers = new Metadata();
                  trailers.put(DETAIL, "abc");
                  trailers.put(BINARY, new byte[] {0, 1, 2, (byte) 0xFF});
                  out.onError(
                      Status.NOT_FOUND
                          .withDescription("no such thing: é 100%")
                          .asRuntimeException(trailers));
                }))
        .addMethod(
            SLOW,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  ((ServerCallStreamObserver<byte[]>) out)
                      .setOnCancelHandler(slowCancelled::countDown);
                  slowStarted.countDown(); // and never answers
                }))
        .build();
  }

  @BeforeEach
  void start() throws IOException {
    upstream =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service())
            .intercept(
                new io.grpc.ServerInterceptor() {
                  @Override
                  public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                      io.grpc.ServerCall<Q, R> call,
                      Metadata headers,
                      io.grpc.ServerCallHandler<Q, R> next) {
                    seenHeaders.set(headers);
                    return next.startCall(call, headers);
                  }
                })
            .build()
            .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close();
    }
    upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private void proxyTo(int port, String... flags) {
    String[] all = Arrays.copyOf(flags, flags.length + 2);
    all[flags.length] = "--route";
    all[flags.length + 1] = "/test.Echo=http://127.0.0.1:" + port + ";grpc";
    proxy = TestProxies.start(all);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
  }

  private void proxyToUpstream(String... flags) {
    proxyTo(upstream.getPort(), flags);
  }

  private byte[] unary(MethodDescriptor<byte[], byte[]> m, byte[] req, CallOptions options) {
    return ClientCalls.blockingUnaryCall(channel, m, options, req);
  }

  /** A Hello call that must fail: its status, for the test to check. */
  private StatusRuntimeException failedHello() {
    return assertThrows(
        StatusRuntimeException.class, () -> unary(HELLO, utf8("x"), CallOptions.DEFAULT));
  }

  private void poolDrained() throws InterruptedException {
    Eventually.eventually("every upstream slot back", () -> proxy.pool().inUse() == 0);
    assertThat(proxy.pool().open(), is(0)); // an HTTP/2 upstream connection carries one call
  }

  // ---- hostile peers and broken upstreams first ----

  @Test
  void upstreamDownIsUnavailable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    proxyTo(closed);
    StatusRuntimeException e = failedHello();
    assertThat(e.getStatus().getCode(), is(Status.Code.UNAVAILABLE));
    assertThat(e.getStatus().getDescription(), startsWith("connect_refused"));
    poolDrained();
  }

  @Test
  void deadlineShorterThanTheUpstreamIsDeadlineExceededAndTheUpstreamSeesTheCancel()
      throws Exception {
    // A raw HTTP/2 upstream that takes the call and never answers. Unlike a grpc-java server it
    // keeps no deadline of its own from grpc-timeout, and a unary call's request has ended, so the
    // client's own RST_STREAM never reaches it through Helidon 4.5.0 (see architecture.md): only
    // the proxy's deadline can cancel it.
    CountDownLatch upstreamSawCancel = new CountDownLatch(1);
    try (ServerSocket raw = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = raw.accept()) {
                      DataInputStream in = new DataInputStream(s.getInputStream());
                      in.readFully(new byte[24]); // the preface
                      s.getOutputStream().write(frame(4, 0, 0, new byte[0])); // SETTINGS
                      byte[] head = new byte[9];
                      while (true) {
                        in.readFully(head);
                        int length =
                            ((head[0] & 0xFF) << 16) | ((head[1] & 0xFF) << 8) | (head[2] & 0xFF);
                        in.readFully(new byte[length]);
                        if (head[3] == 3 && head[8] == 1) { // RST_STREAM on the call's stream
                          upstreamSawCancel.countDown();
                          return;
                        }
                      }
                    } catch (IOException ignored) {
                      // closed without RST_STREAM: the latch stays up and the test fails
                    }
                  });
      proxyTo(raw.getLocalPort());
      Observed observed = Observed.start();
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  unary(
                      HELLO,
                      utf8("x"),
                      CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS)));
      assertThat(e.getStatus().getCode(), is(Status.Code.DEADLINE_EXCEEDED));
      assertThat(upstreamSawCancel.await(10, TimeUnit.SECONDS), is(true));
      server.join(5_000);
      poolDrained();
      assertThat(
          RawHttp.exchange(proxy.port(), "GET /observe/metrics HTTP/1.1\r\nHost: x\r\n\r\n").text(),
          containsString("class=\"deadline_exceeded\""));
      Eventually.eventually("the access line", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getFirst(), containsString("error=deadline_exceeded"));
      assertThat(observed.accessLines().getFirst(), containsString("grpc_status=4"));
      observed.close();
    }
  }

  @Test
  void aGrpcUpstreamPastTheDeadlineIsCancelled() throws Exception {
    proxyToUpstream();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                unary(
                    SLOW,
                    utf8("x"),
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS)));
    assertThat(e.getStatus().getCode(), is(Status.Code.DEADLINE_EXCEEDED));
    assertThat(slowCancelled.await(10, TimeUnit.SECONDS), is(true));
    poolDrained();
  }

  @Test
  void aClientThatCancelsMidStreamCancelsTheUpstreamAndFreesTheSlot() throws Exception {
    proxyToUpstream();
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    ClientCall<byte[], byte[]> call = channel.newCall(CHAT, CallOptions.DEFAULT);
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(call, collecting(replies, new CountDownLatch(1)));
    requests.onNext(utf8("one"));
    assertThat(text(replies.poll(10, TimeUnit.SECONDS)), is("one"));
    assertThat(proxy.pool().inUse(), is(1));
    call.cancel("client changed its mind", null);
    assertThat(chatCancelled.await(10, TimeUnit.SECONDS), is(true));
    poolDrained();
  }

  @Test
  void poolExhaustedIsResourceExhausted() throws Exception {
    proxyToUpstream("--max-connections", "1", "--pool-timeout", "0.2");
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    ClientCall<byte[], byte[]> held = channel.newCall(CHAT, CallOptions.DEFAULT);
    ClientCalls.asyncBidiStreamingCall(held, collecting(replies, null)).onNext(utf8("hold"));
    assertThat(text(replies.poll(10, TimeUnit.SECONDS)), is("hold")); // it holds the one slot
    StatusRuntimeException e = failedHello();
    assertThat(e.getStatus().getCode(), is(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(e.getStatus().getDescription(), startsWith("pool_exhausted"));
    held.cancel("done", null);
    assertThat(chatCancelled.await(10, TimeUnit.SECONDS), is(true));
    poolDrained();
    assertThat(text(unary(HELLO, utf8("again"), CallOptions.DEFAULT)), is("hello again"));
  }

  @Test
  void sheddingLoadIsResourceExhausted() throws Exception {
    FakeMemory memory = new FakeMemory();
    proxy =
        SteadyProxy.start(
            TestProxies.settings(
                "--route", "/test.Echo=http://127.0.0.1:" + upstream.getPort() + ";grpc"),
            memory);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    memory.rssMb(900); // above max_memory_usage (500) even after the cleanup
    proxy.monitor().check();
    assertThat(proxy.monitor().shedding(), is(true));
    StatusRuntimeException e = failedHello();
    assertThat(e.getStatus().getCode(), is(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(e.getStatus().getDescription(), startsWith("overloaded"));
    assertThat(seenHeaders.get(), is((Metadata) null)); // nothing reached the upstream
  }

  @Test
  void anUpstreamThatClosesTheConnectionMidStreamIsUnavailableAfterWhatCame() throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = raw.accept()) {
                      DataInputStream in = new DataInputStream(s.getInputStream());
                      in.readFully(new byte[24]); // the preface
                      readUntilEndOfStream(in);
                      OutputStream out = s.getOutputStream();
                      out.write(frame(4, 0, 0, new byte[0])); // SETTINGS
                      byte[] type = utf8("application/grpc");
                      byte[] block = new byte[4 + type.length];
                      block[0] = (byte) 0x88; // :status 200, indexed
                      block[1] = 0x0F; // content-type (index 15 + 16), literal value, not indexed
                      block[2] = 0x10;
                      block[3] = (byte) type.length; // the value's length, no Huffman code
                      System.arraycopy(type, 0, block, 4, type.length);
                      out.write(frame(1, 0x4, 1, block));
                      out.write(frame(0, 0, 1, grpcMessage(utf8("first"))));
                      out.flush();
                      // and the connection is gone: no trailers, no END_STREAM
                    } catch (IOException ignored) {
                      // the test's assertions tell
                    }
                  });
      proxyTo(raw.getLocalPort());
      Observed observed = Observed.start();
      Iterator<byte[]> it =
          ClientCalls.blockingServerStreamingCall(channel, MANY, CallOptions.DEFAULT, utf8("3"));
      assertThat(text(it.next()), is("first"));
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, it::hasNext);
      assertThat(e.getStatus().getCode(), is(Status.Code.UNAVAILABLE));
      assertThat(e.getStatus().getDescription(), startsWith("upstream_reset"));
      server.join(5_000);
      poolDrained();
      Eventually.eventually("the access line", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().getFirst(), containsString("error=upstream_reset"));
      assertThat(observed.accessLines().getFirst(), containsString("grpc_status=14"));
      observed.close();
    }
  }

  @Test
  void anUpstreamThatSpeaksNoHttp2IsInternal() throws Exception {
    try (ServerSocket raw = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = raw.accept()) {
                      s.getInputStream().read(new byte[1024]);
                      s.getOutputStream()
                          .write(
                              utf8(
                                  "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                      + "Connection: close\r\n\r\n"));
                    } catch (IOException ignored) {
                      // the test's assertions tell
                    }
                  });
      proxyTo(raw.getLocalPort());
      StatusRuntimeException e = failedHello();
      assertThat(e.getStatus().getCode(), is(Status.Code.INTERNAL));
      assertThat(e.getStatus().getDescription(), startsWith("bad_upstream_response"));
      server.join(5_000);
      poolDrained();
    }
  }

  @Test
  void anHttp1ClientOnAGrpcRouteIsToldItNeedsHttp2() throws Exception {
    proxyToUpstream();
    RawHttp.Response r =
        RawHttp.exchange(
            proxy.port(),
            "POST /test.Echo/Hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\n"
                + "Content-Length: 0\r\n\r\n");
    assertThat(r.status(), is(505));
    assertThat(r.text(), containsString("\"error\":\"http2_required\""));
  }

  // ---- the calls that work ----

  /**
   * One upstream connection per call must not leave one TIME_WAIT socket per call behind: at
   * Linux's 28,232 ephemeral ports and 60 s of TIME_WAIT, that would cap a busy gRPC route at about
   * 470 calls a second to one upstream address before connects fail.
   */
  @Test
  void finishedCallsLeaveNoTimeWaitSocketsToTheUpstream() throws Exception {
    proxyToUpstream();
    for (int i = 0; i < 40; i++) {
      assertThat(text(unary(HELLO, utf8("n" + i), CallOptions.DEFAULT)), is("hello n" + i));
    }
    poolDrained();
    assertThat(
        "TIME_WAIT sockets from the proxy to the upstream",
        TcpTable.timeWaitTo(upstream.getPort()),
        is(0L));
  }

  @Test
  void unaryHelloThroughTheProxy() throws Exception {
    proxyToUpstream();
    assertThat(text(unary(HELLO, utf8("world"), CallOptions.DEFAULT)), is("hello world"));
    Metadata seen = seenHeaders.get();
    assertThat(
        seen.get(Metadata.Key.of("via", Metadata.ASCII_STRING_MARSHALLER)),
        containsString("steadyproxy"));
    poolDrained();
  }

  @Test
  void serverStreamingOfManyMessages() throws Exception {
    proxyToUpstream();
    Iterator<byte[]> it =
        ClientCalls.blockingServerStreamingCall(channel, MANY, CallOptions.DEFAULT, utf8("5000"));
    int i = 0;
    while (it.hasNext()) {
      assertThat(text(it.next()), is("m" + i++));
    }
    assertThat(i, is(5000));
    poolDrained();
  }

  @Test
  void clientStreaming() throws Exception {
    proxyToUpstream();
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<byte[]> requests =
        ClientCalls.asyncClientStreamingCall(
            channel.newCall(COLLECT, CallOptions.DEFAULT), collecting(replies, done));
    for (int i = 0; i < 1000; i++) {
      requests.onNext(new byte[100]);
    }
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS), is(true));
    assertThat(text(replies.poll()), is("1000:100000"));
    poolDrained();
  }

  @Test
  void bidiStreamsEachMessageWithoutWaitingForTheRest() throws Exception {
    proxyToUpstream();
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(CHAT, CallOptions.DEFAULT), collecting(replies, done));
    for (int i = 0; i < 200; i++) {
      requests.onNext(utf8("ping " + i));
      // the reply must come while the request stream is still open
      assertThat(text(replies.poll(10, TimeUnit.SECONDS)), is("ping " + i));
    }
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS), is(true));
    poolDrained();
  }

  @Test
  void aOneMebibyteMessageBothWays() throws Exception {
    proxyToUpstream();
    byte[] big = new byte[1024 * 1024];
    new java.util.Random(7).nextBytes(big);
    BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(CHAT, CallOptions.DEFAULT.withMaxInboundMessageSize(2 << 20)),
            collecting(replies, done));
    requests.onNext(big);
    requests.onNext(big);
    requests.onCompleted();
    assertThat(done.await(20, TimeUnit.SECONDS), is(true));
    assertThat(replies.size(), is(2));
    for (byte[] r : replies) {
      assertThat(Arrays.equals(r, big), is(true));
    }
    poolDrained();
  }

  @Test
  void aNonOkStatusWithItsMessageAndCustomTrailersIsRelayedIntact() throws Exception {
    proxyToUpstream();
    Observed observed = Observed.start();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> unary(FAIL, utf8("x"), CallOptions.DEFAULT));
    assertThat(e.getStatus().getCode(), is(Status.Code.NOT_FOUND));
    assertThat(e.getStatus().getDescription(), is("no such thing: é 100%"));
    Metadata trailers = e.getTrailers();
    assertThat(trailers.get(DETAIL), is("abc"));
    assertThat(Arrays.equals(trailers.get(BINARY), new byte[] {0, 1, 2, (byte) 0xFF}), is(true));
    poolDrained();
    // the access line records the call's outcome as the client saw it
    Eventually.eventually("the access line", () -> !observed.accessLines().isEmpty());
    assertThat(observed.accessLines().getFirst(), containsString("status=200"));
    assertThat(observed.accessLines().getFirst(), containsString("grpc_status=5"));
    observed.close();
  }

  @Test
  void anHttpsUpstreamIsSpokenToInH2ChosenByAlpn(@TempDir Path dir) throws Exception {
    TestCerts ca = TestCerts.authority(dir, "grpc-ca");
    TestCerts.Leaf leaf = ca.issue("grpc-upstream", false);
    Server tls =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .useTransportSecurity(leaf.cert().toFile(), leaf.key().toFile())
            .addService(service())
            .build()
            .start();
    try {
      proxy =
          TestProxies.start(
              "--upstream-ca-file",
              ca.caCert().toString(),
              "--route",
              "/test.Echo=https://127.0.0.1:" + tls.getPort() + ";grpc");
      channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
      assertThat(text(unary(HELLO, utf8("tls"), CallOptions.DEFAULT)), is("hello tls"));
      poolDrained();
    } finally {
      tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anHttpsUpstreamWithoutAlpnIsInternal(@TempDir Path dir) throws Exception {
    TestCerts ca = TestCerts.authority(dir, "h1-ca");
    TestCerts.Leaf leaf = ca.issue("h1-upstream", false);
    javax.net.ssl.SSLServerSocketFactory factory = ca.presenting(leaf).getServerSocketFactory();
    try (javax.net.ssl.SSLServerSocket raw =
        (javax.net.ssl.SSLServerSocket)
            factory.createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      // a TLS server that knows no ALPN: the handshake succeeds and chooses no protocol
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = raw.accept()) {
                      s.getInputStream().read(); // the handshake, then whatever comes
                    } catch (IOException ignored) {
                      // the proxy closes after the handshake
                    }
                  });
      proxy =
          TestProxies.start(
              "--upstream-ca-file",
              ca.caCert().toString(),
              "--route",
              "/test.Echo=https://127.0.0.1:" + raw.getLocalPort() + ";grpc");
      channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
      StatusRuntimeException e = failedHello();
      assertThat(e.getStatus().getCode(), is(Status.Code.INTERNAL));
      assertThat(e.getStatus().getDescription(), containsString("did not choose h2 by ALPN"));
      server.join(5_000);
      poolDrained();
    }
  }

  @Test
  void anH2cRouteTakesHttp1ClientsAndRelaysTrailersToThoseThatAcceptThem() throws Exception {
    proxy =
        TestProxies.start("--route", "/test.Echo=http://127.0.0.1:" + upstream.getPort() + ";h2c");
    byte[] message = grpcMessage(utf8("h1"));
    String request =
        "POST /test.Echo/Hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\n"
            + "TE: trailers\r\nConnection: close\r\nContent-Length: "
            + message.length
            + "\r\n\r\n"
            + new String(message, StandardCharsets.ISO_8859_1);
    String response;
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    assertThat(response, startsWith("HTTP/1.1 200 "));
    assertThat(response, containsString("Transfer-Encoding: chunked"));
    assertThat(
        response,
        containsString(new String(grpcMessage(utf8("hello h1")), StandardCharsets.ISO_8859_1)));
    // the upstream's trailers, after the last chunk
    String trailers = response.substring(response.lastIndexOf("\r\n0\r\n"));
    assertThat(trailers, containsString("grpc-status: 0"));
    poolDrained();
  }

  // ---- helpers ----

  private static StreamObserver<byte[]> collecting(
      BlockingQueue<byte[]> into, CountDownLatch done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        if (done != null) {
          done.countDown();
        }
      }

      @Override
      public void onCompleted() {
        if (done != null) {
          done.countDown();
        }
      }
    };
  }

  private static byte[] grpcMessage(byte[] payload) {
    byte[] m = new byte[5 + payload.length];
    m[1] = (byte) (payload.length >>> 24);
    m[2] = (byte) (payload.length >>> 16);
    m[3] = (byte) (payload.length >>> 8);
    m[4] = (byte) payload.length;
    System.arraycopy(payload, 0, m, 5, payload.length);
    return m;
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[8] = (byte) stream;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** Reads frames until one on stream 1 ends it (the request is whole). */
  private static void readUntilEndOfStream(DataInputStream in) throws IOException {
    byte[] head = new byte[9];
    while (true) {
      in.readFully(head);
      int length = ((head[0] & 0xFF) << 16) | ((head[1] & 0xFF) << 8) | (head[2] & 0xFF);
      in.readFully(new byte[length]);
      boolean stream1 = head[8] == 1;
      int type = head[3];
      if (stream1 && (type == 0 || type == 1) && (head[4] & 0x1) != 0) {
        return;
      }
    }
  }
}
