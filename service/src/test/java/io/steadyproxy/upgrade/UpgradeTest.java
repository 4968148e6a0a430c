package io.steadyproxy.upgrade;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import io.steadyproxy.testing.WebSocketUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket (and any Upgrade) through the proxy, with the JDK's {@link WebSocket} client against a
 * real RFC 6455 server, and raw sockets where a client or upstream must misbehave.
 */
class UpgradeTest {
  private static final long WAIT_SECONDS = 15;
  private static HttpClient http;
  @TempDir Path dir;

  @BeforeAll
  static void client() {
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void closeClient() {
    http.close();
  }

  @Test
  void aMessageIsEchoedAndTheHandshakeCarriesTheUpgradeFields() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      Events events = new Events();
      WebSocket ws = connect(proxy, "/chat?room=1", events);
      ws.sendText("hello", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(events.next(), is("hello"));
      RawHttp.Head seen = upstream.lastHandshake();
      assertThat(seen.line(), is("GET /chat?room=1 HTTP/1.1"));
      assertThat(seen.header("Upgrade"), is("websocket"));
      assertThat(seen.header("Connection"), is("upgrade"));
      assertThat(seen.header("Sec-WebSocket-Key"), is(notNullValue()));
      assertThat(seen.header("X-Forwarded-For"), is("127.0.0.1"));
      assertThat(proxy.upgraded().active(), is(1));
      assertThat("the upgraded connection is not the pool's", proxy.pool().open(), is(0));

      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat("the server's close reaches the client", events.next(), is("close 1000"));
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      eventually("the upgraded connection is counted out", () -> proxy.upgraded().active() == 0);
      assertThat(proxy.upgraded().total(), is(1L));
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      String line = observed.accessLines().get(0);
      assertThat(line, containsString("status=101"));
      assertThat(line, containsString("path=/chat"));
      assertThat(line, containsString("upstream=" + upstream.url()));
    }
  }

  @Test
  void theServerPushesRightAfterItsHandshakeAndLater() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      Events events = new Events();
      WebSocket ws = connect(proxy, "/welcome", events);
      // sent in the same write as the 101: read past the head by the proxy, then relayed
      assertThat(events.next(), is("welcome"));
      ws.sendText("push 50", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      for (int i = 1; i <= 50; i++) {
        assertThat(events.next(), is("pushed " + i));
      }
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(events.next(), is("close 1000"));
    }
  }

  @Test
  void aMessageOfOneMebibyteComesBackWhole() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      byte[] big = new byte[1024 * 1024];
      new Random(14).nextBytes(big);
      Events events = new Events();
      WebSocket ws = connect(proxy, "/", events);
      ws.sendBinary(ByteBuffer.wrap(big), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      Object echoed = events.next();
      assertThat(echoed instanceof byte[] b && Arrays.equals(b, big), is(true));
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(events.next(), is("close 1000"));
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      String line = observed.accessLines().get(0);
      // the frames' bytes each way: the payload and its framing (a masked frame up, plain down)
      assertThat(line, containsString("bytes_in=" + (big.length + 14 + closeFrameUp(0))));
      assertThat(line, containsString("bytes_out=" + (big.length + 10 + 4)));
    }
  }

  /** A client's close frame: 2 + 4 (mask) + the status code's 2 bytes and the reason. */
  private static int closeFrameUp(int reasonLength) {
    return 2 + 4 + 2 + reasonLength;
  }

  @Test
  void aClientThatVanishesHasItsUpstreamConnectionClosed() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      Socket client = rawHandshake(proxy);
      assertThat(upstream.openNow(), is(1));
      client.setSoLinger(true, 0); // gone without a close frame or a FIN: a reset
      client.close();
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      eventually("the upgraded connection is counted out", () -> proxy.upgraded().active() == 0);
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().get(0), containsString("status=101"));
    }
  }

  @Test
  void anUpstreamThatVanishesClosesTheClient() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Observed observed = Observed.start()) {
      Events events = new Events();
      WebSocket ws = connect(proxy, "/", events);
      ws.sendText("vanish", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      Object end = events.next();
      assertThat(
          "closed abnormally: " + end, end.equals("close " + WebSocket.NORMAL_CLOSURE), is(false));
      assertThat(String.valueOf(end), startsWith(end instanceof String ? "close" : "error"));
      eventually("the upgraded connection is counted out", () -> proxy.upgraded().active() == 0);
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().get(0), containsString("error=upstream_reset"));
    }
  }

  @Test
  void theLimitAnswers503WithJsonAndTheRestStillWork() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--max-upgraded-connections", "1")) {
      Events events = new Events();
      WebSocket first = connect(proxy, "/", events);
      RawHttp.Response refused = RawHttp.exchange(proxy.port(), upgradeRequest("/second"));
      assertThat(refused.status(), is(503));
      assertThat(refused.head().header("Content-Type"), is("application/json"));
      assertThat(refused.head().header("Retry-After"), is("1"));
      assertThat(refused.text(), containsString("\"error\":\"upgrades_exhausted\""));
      assertThat(
          refused.text(),
          containsString("max_upgraded_connections (1) upgraded connections are open already"));
      assertThat("no upstream connection was opened for it", upstream.accepted(), is(1));
      ExecutionException e =
          Assertions.assertThrows(
              ExecutionException.class,
              () -> connect(proxy, "/third", new Events()),
              "the JDK client sees the refusal too");
      assertThat(
          e.getCause() instanceof WebSocketHandshakeException h ? h.getResponse().statusCode() : 0,
          is(503));
      assertThat(proxy.upgraded().refused(), is(2L));
      PrometheusText metrics = Observed.metrics(proxy);
      assertThat(metrics.value("steadyproxy_upgraded_connections"), is(1.0));
      assertThat(metrics.value("steadyproxy_upgraded_connections_max"), is(1.0));
      assertThat(metrics.value("steadyproxy_upgraded_connections_refused_total"), is(2.0));
      assertThat(metrics.value("steadyproxy_upgraded_connections_established_total"), is(1.0));
      assertThat(metrics.value("steadyproxy_errors_total", "class", "upgrades_exhausted"), is(2.0));

      first.sendText("still here", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(events.next(), is("still here"));
      first.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(events.next(), is("close 1000"));
      eventually("the place is free again", () -> proxy.upgraded().active() == 0);
      Events again = new Events();
      WebSocket next = connect(proxy, "/", again);
      next.sendText("again", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(again.next(), is("again"));
      next.abort();
    }
  }

  @Test
  void anIdleUpgradedConnectionIsClosedOnBothSides() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--upgrade-idle-timeout", "300ms");
        Observed observed = Observed.start()) {
      Events events = new Events();
      connect(proxy, "/", events);
      Object end = events.next(); // nothing is sent: the proxy closes it
      assertThat(String.valueOf(end), is(not1000(end)));
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().get(0), containsString("error=upgrade_idle_timeout"));
    }
  }

  private static String not1000(Object end) {
    return String.valueOf(end).equals("close 1000")
        ? "a close other than 1000"
        : String.valueOf(end);
  }

  @Test
  void aNon101AnswerToAnUpgradeIsRelayedAndItsConnectionClosed() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: keep-alive\r\n"
                          + "\r\nno way");
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), upgradeRequest("/"));
      assertThat(res.status(), is(403));
      assertThat(res.text(), is("no way"));
      eventually("the proxy closed the upstream connection", () -> upstream.closedByPeer() == 1);
      assertThat("it never was the pool's", proxy.pool().open(), is(0));
      eventually("the place is given back", () -> proxy.upgraded().active() == 0);
    }
  }

  @Test
  void aPlainRequestAnswered101Is502() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head = conn.readHead();
                  // what the proxy sent: no Upgrade for a request that did not ask
                  String upgrade = head.header("Upgrade") == null ? "none" : "sent";
                  conn.write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          + "Connection: Upgrade\r\nX-Upgrade-Seen: "
                          + upgrade
                          + "\r\n\r\n");
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res =
          RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("unsolicited 101"));
      assertThat(res.head().header("Upgrade"), is(nullValue()));
      assertThat(proxy.upgraded().total(), is(0L));
    }
  }

  @Test
  void aHalfCloseIsPassedOnAndTheOtherDirectionKeepsFlowing() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade"
                          + "\r\n\r\n");
                  byte[] got = conn.in().readAllBytes(); // until the client's half-close arrives
                  conn.write("got " + got.length + " bytes, bye");
                  conn.socket().shutdownOutput();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      client
          .getOutputStream()
          .write(
              "GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.status(), is(101));
      assertThat(head.header("Upgrade"), is("raw"));
      client.getOutputStream().write("12345".getBytes(StandardCharsets.ISO_8859_1));
      client.shutdownOutput();
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      in.transferTo(rest); // ends at the upstream's half-close, relayed
      assertThat(rest.toString(StandardCharsets.ISO_8859_1), is("got 5 bytes, bye"));
      eventually("the upgraded connection is counted out", () -> proxy.upgraded().active() == 0);
    }
  }

  @Test
  void shutdownClosesOpenUpgradedConnectionsAfterTheGracePeriod() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        Observed observed = Observed.start()) {
      SteadyProxy proxy =
          TestProxies.start(
              "--upstream", upstream.url().toString(), "--shutdown-grace-period", "0.2");
      Events events = new Events();
      connect(proxy, "/", events);
      proxy.close();
      Object end = events.next();
      assertThat(String.valueOf(end), is(not1000(end)));
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().get(0), containsString("status=101"));
      assertThat(observed.accessLines().get(0), containsString("error=shutdown"));
    }
  }

  @Test
  void a101WithoutUpgradeIs502() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n");
                  conn.awaitPeerClose();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), upgradeRequest("/"));
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("without an Upgrade field"));
      eventually("the proxy closed the upstream connection", () -> upstream.closedByPeer() == 1);
      eventually("the place is given back", () -> proxy.upgraded().active() == 0);
    }
  }

  // Helidon's own upgraders ignore an upgrade with a body too: its bytes would be read as the new
  // protocol's. It is an ordinary request then, and Upgrade stays hop-by-hop.
  @Test
  void anUpgradeRequestWithABodyIsAnOrdinaryRequest() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head;
                  while ((head = conn.readHead()) != null) {
                    RawHttp.drainBody(conn.in(), head);
                    String seen = head.header("Upgrade") == null ? "no-upgrade" : "upgrade";
                    conn.write(
                        "HTTP/1.1 200 OK\r\nContent-Length: " + seen.length() + "\r\n\r\n" + seen);
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response res =
          RawHttp.exchange(
              proxy.port(),
              "POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                  + "Content-Length: 5\r\n\r\nhello");
      assertThat(res.status(), is(200));
      assertThat(res.text(), is("no-upgrade"));
      assertThat(proxy.upgraded().total(), is(0L));
      assertThat(proxy.upgraded().active(), is(0));
    }
  }

  @Test
  void zeroRefusesEveryUpgradeWithoutContactingTheUpstream() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--max-upgraded-connections", "0")) {
      RawHttp.Response res = RawHttp.exchange(proxy.port(), upgradeRequest("/"));
      assertThat(res.status(), is(503));
      assertThat(res.text(), containsString("\"error\":\"upgrades_exhausted\""));
      assertThat(upstream.accepted(), is(0));
    }
  }

  // A client that keeps sending but never reads: the upstream's bytes pile up until the proxy's
  // write to the client blocks. Bytes still move one way, so only the stuck write tells; like
  // nginx's send_timeout, the connection is closed after upgrade_idle_timeout of no progress.
  @Test
  void aWriteThatMakesNoProgressClosesTheTunnelWhileTheOtherWayStillMoves() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade"
                          + "\r\n\r\n");
                  Thread.ofVirtual()
                      .start(
                          () -> {
                            try {
                              conn.in().transferTo(OutputStream.nullOutputStream());
                            } catch (IOException ignored) {
                              // closed
                            }
                          });
                  byte[] flood = new byte[64 * 1024];
                  while (true) {
                    conn.out().write(flood); // blocks once every buffer on the way is full
                  }
                });
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--upgrade-idle-timeout", "500ms");
        Observed observed = Observed.start();
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setReceiveBufferSize(4096);
      client
          .getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      boolean closed = false;
      while (!closed && System.nanoTime() < deadline) {
        try {
          client.getOutputStream().write('x'); // the other direction keeps moving
          Thread.sleep(20);
        } catch (IOException e) {
          closed = true; // reset by the proxy's close
        }
        closed |= !observed.accessLines().isEmpty();
      }
      assertThat("the proxy closed the tunnel", closed, is(true));
      eventually("the access line is written", () -> !observed.accessLines().isEmpty());
      assertThat(observed.accessLines().get(0), containsString("error=upgrade_idle_timeout"));
      eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
    }
  }

  // Both settings are live: a lower limit refuses new upgrades (open ones are not cut), and a new
  // idle timeout applies to tunnels already open.
  @Test
  void theLimitAndTheIdleTimeoutChangeOnReload() throws Exception {
    try (WebSocketUpstream upstream = WebSocketUpstream.start()) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(
          file,
          "{\"upstream_url\": \""
              + upstream.url()
              + "\", \"max_upgraded_connections\": 5, \"upgrade_idle_timeout\": 600}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        Events events = new Events();
        connect(proxy, "/", events);
        Files.writeString(
            file,
            "{\"upstream_url\": \""
                + upstream.url()
                + "\", \"max_upgraded_connections\": 1, \"upgrade_idle_timeout\": 0.3}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(true));
        assertThat(proxy.upgraded().max(), is(1));
        RawHttp.Response refused = RawHttp.exchange(proxy.port(), upgradeRequest("/"));
        assertThat(refused.status(), is(503));
        // the open one was not cut by the lower limit; the new idle timeout closes it
        Object end = events.next();
        assertThat(String.valueOf(end), is(not1000(end)));
        eventually("the upstream connection is closed", () -> upstream.openNow() == 0);
      }
    }
  }

  // ---- helpers ----

  private static String upgradeRequest(String path) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  }

  /** Opens a WebSocket by hand and reads the 101; the socket is the test's to misuse. */
  private static Socket rawHandshake(SteadyProxy proxy) throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(30_000);
    s.getOutputStream().write(upgradeRequest("/").getBytes(StandardCharsets.ISO_8859_1));
    RawHttp.Head head = RawHttp.readHead(s.getInputStream());
    assertThat(head.status(), is(101));
    assertThat(
        head.header("Sec-WebSocket-Accept"),
        is(WebSocketUpstream.accept("dGhlIHNhbXBsZSBub25jZQ==")));
    return s;
  }

  private static WebSocket connect(SteadyProxy proxy, String path, Events events) throws Exception {
    return http.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + path), events)
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * What a client saw, in order: whole text messages as strings, whole binary ones as byte arrays,
   * then {@code close <code>} or {@code error <exception>}.
   */
  private static final class Events implements WebSocket.Listener {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    Object next() throws InterruptedException {
      Object o = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (o == null) {
        throw new AssertionError("nothing arrived within " + WAIT_SECONDS + " s");
      }
      return o;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        queue.add(text.toString());
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] part = new byte[data.remaining()];
      data.get(part);
      binary.writeBytes(part);
      if (last) {
        queue.add(binary.toByteArray());
        binary.reset();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      queue.add("close " + statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      queue.add("error " + error);
    }
  }
}
