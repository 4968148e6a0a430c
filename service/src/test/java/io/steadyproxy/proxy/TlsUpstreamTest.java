package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigException;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.TestProxies;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** https upstreams: a verified handshake works, an untrusted certificate is a 502 tls_failure. */
class TlsUpstreamTest {
  @TempDir static Path dir;
  private static HttpsServer server;
  private static SSLContext trusting;
  private static SSLContext serverContext;

  @BeforeAll
  static void startHttpsUpstream() throws Exception {
    Path keystore = dir.resolve("upstream.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "upstream",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(keystore.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);

    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    server.createContext(
        "/",
        exchange -> {
          byte[] body = ("secure " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
          // which TCP connection carried the request, as the upstream sees it
          exchange
              .getResponseHeaders()
              .add("X-Peer-Port", String.valueOf(exchange.getRemoteAddress().getPort()));
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  /** Runs the JDK's keytool and checks it succeeded. */
  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(output, keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, is(true));
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @Test
  void aTrustedHttpsUpstreamIsReachedThroughThePool() {
    UpstreamPool pool =
        new UpstreamPool(
            new UpstreamPool.Limits(
                2,
                2,
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5)),
            InstantSource.system(),
            trusting.getSocketFactory());
    try (pool) {
      var endpoint =
          UpstreamEndpoint.of(URI.create("https://localhost:" + server.getAddress().getPort()));
      List<UpstreamConnection> lent = new ArrayList<>();
      List<String> peerPorts = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        UpstreamConnection c = pool.acquire(endpoint, false);
        lent.add(c);
        byte[] head =
            ("GET /tls?x=" + i + " HTTP/1.1\r\nHost: " + endpoint.authority() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        c.write(head, 0, head.length);
        ResponseHead response = ResponseHead.read(c);
        UpstreamBody body = UpstreamBody.of(c, response, "GET");
        byte[] buf = new byte[1024];
        int n = body.read(buf, 0, buf.length);
        assertThat(response.status(), is(200));
        assertThat(new String(buf, 0, n, StandardCharsets.UTF_8), is("secure /tls?x=" + i));
        assertThat(body.read(buf, 0, buf.length), is(-1));
        for (int h = 0; h < response.names().size(); h++) {
          if (response.names().get(h).lowerCase().equals("x-peer-port")) {
            peerPorts.add(response.values().get(h));
          }
        }
        pool.release(c, body.complete() && !response.close());
      }
      // The same connection, and the upstream saw one client port: a socket closed and replaced
      // (which also leaves open() at 1) would show a new port. This also proves the reuse probe
      // leaves a healthy TLS connection usable.
      assertThat("the TLS connection was reused", lent.get(1), is(sameInstance(lent.get(0))));
      assertThat(
          "the upstream saw both requests on one TCP connection",
          peerPorts,
          is(List.of(peerPorts.get(0), peerPorts.get(0))));
      assertThat(peerPorts.get(0), is(String.valueOf(lent.get(0).localPort())));
      assertThat(pool.stats().open(), is(1));
    }
  }

  @Test
  void anUpstreamCaFileIsTrustedInsteadOfTheJvmDefaults() throws Exception {
    Path pem = dir.resolve("upstream-ca.pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "upstream",
        "-keystore",
        dir.resolve("upstream.p12").toString(),
        "-storepass",
        "changeit",
        "-file",
        pem.toString());
    String upstream = "https://localhost:" + server.getAddress().getPort();
    try (SteadyProxy proxy =
        TestProxies.start("--upstream", upstream, "--upstream-ca-file", pem.toString())) {
      var res = RawHttp.exchange(proxy.port(), "GET /through?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(200));
      assertThat(res.text(), is("secure /through?q=1"));
    }
  }

  @Test
  void aBadUpstreamCaFileIsAConfigErrorNamingTheKeyWhenThePoolIsBuilt() throws Exception {
    Path notPem = dir.resolve("not.pem");
    Files.writeString(notPem, "hello\n");
    // reading the settings only names the file; the pool that trusts it reads it, at start
    TestProxies.settings("--upstream-ca-file", notPem.toString());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> TestProxies.start("--upstream-ca-file", notPem.toString()).close());
    assertThat(
        e.getMessage(),
        containsString("invalid setting 'upstream_ca_file' from flag --upstream-ca-file: "));
    assertThat(e.getMessage(), containsString("not a PEM file of certificates"));
    ConfigException missing =
        assertThrows(
            ConfigException.class,
            () ->
                TestProxies.start("--upstream-ca-file", dir.resolve("nope.pem").toString())
                    .close());
    assertThat(missing.getMessage(), containsString("cannot read"));
  }

  @Test
  void anUntrustedCertificateIs502TlsFailure() throws Exception {
    try (SteadyProxy proxy =
        TestProxies.start("--upstream", "https://localhost:" + server.getAddress().getPort())) {
      var res = RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(res.status(), is(502));
      assertThat(res.text(), containsString("\"error\":\"tls_failure\""));
      assertThat(proxy.pool().open(), is(0));
    }
  }

  /** One GET over a pooled connection; returns the connection it used, after handing it back. */
  private static UpstreamConnection get(UpstreamPool pool, UpstreamEndpoint endpoint) {
    UpstreamConnection c = pool.acquire(endpoint, false);
    boolean clean = false;
    try {
      byte[] head =
          ("GET /idle HTTP/1.1\r\nHost: " + endpoint.authority() + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      c.write(head, 0, head.length);
      ResponseHead response = ResponseHead.read(c);
      UpstreamBody body = UpstreamBody.of(c, response, "GET");
      byte[] buf = new byte[64];
      int n = body.read(buf, 0, buf.length);
      assertThat(response.status(), is(200));
      assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII), is("ok"));
      assertThat(body.read(buf, 0, buf.length), is(-1));
      clean = body.complete() && !response.close();
      return c;
    } finally {
      if (clean) {
        pool.release(c, true);
      } else {
        pool.discard(c);
      }
    }
  }

  // nginx's keepalive close handler watches idle TLS upstream connections too: a close_notify (or
  // a FIN) while idle closes the cached connection. The probe reads the TCP connection under TLS,
  // so the close_notify record counts as "the upstream wrote", and the connection is not reused.
  @Test
  void aTlsConnectionTheUpstreamClosedWhileIdleIsNotReused() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    CountDownLatch firstClosed = new CountDownLatch(1);
    ServerSocket tlsServer =
        serverContext
            .getServerSocketFactory()
            .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!tlsServer.isClosed()) {
                try {
                  Socket s = tlsServer.accept();
                  int n = accepted.incrementAndGet();
                  Thread.ofVirtual()
                      .start(
                          () -> {
                            try (s) {
                              s.setSoTimeout(10_000);
                              while (RawHttp.readHead(s.getInputStream()) != null) {
                                s.getOutputStream()
                                    .write(
                                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                            .getBytes(StandardCharsets.US_ASCII));
                                s.getOutputStream().flush();
                                if (n == 1) {
                                  break; // then close (close_notify and FIN) while the proxy idles
                                }
                              }
                            } catch (IOException ignored) {
                              // the pool closed its side
                            }
                            if (n == 1) {
                              firstClosed.countDown();
                            }
                          });
                } catch (IOException e) {
                  return;
                }
              }
            });
    UpstreamPool pool =
        new UpstreamPool(
            new UpstreamPool.Limits(
                2,
                2,
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2)),
            InstantSource.system(),
            trusting.getSocketFactory());
    try (pool;
        tlsServer) {
      var endpoint =
          UpstreamEndpoint.of(URI.create("https://localhost:" + tlsServer.getLocalPort()));
      UpstreamConnection first = get(pool, endpoint);
      assertThat(firstClosed.await(10, TimeUnit.SECONDS), is(true));
      UpstreamConnection second = get(pool, endpoint);
      assertThat(second, is(Matchers.not(sameInstance(first))));
      assertThat("a new TLS connection carried the second request", accepted.get(), is(2));
      assertThat(pool.stats().inUse(), is(0));
      assertThat(pool.stats().open(), is(1));
    }
  }
}
