package io.steadyproxy.tls;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigException;
import io.steadyproxy.testing.Eventually;
import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.TestCerts;
import io.steadyproxy.testing.TestProxies;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the proxy port with real clients on loopback: protocol versions, client certificates,
 * certificate rotation, and files that cannot serve.
 */
class ListenerTlsTest {
  @TempDir static Path dir;
  private static TestCerts ca;
  private static TestCerts otherCa;
  private static TestCerts.Leaf server;
  private static TestCerts.Leaf rotated;
  private static TestCerts.Leaf client;
  private static TestCerts.Leaf stranger;
  private static HttpServer upstream;
  private static final AtomicReference<String> upstreamSaw = new AtomicReference<>();

  @BeforeAll
  static void certificatesAndUpstream() throws Exception {
    ca = TestCerts.authority(dir, "test-ca");
    otherCa = TestCerts.authority(dir, "other-ca");
    server = ca.issue("proxy", false);
    rotated = ca.issue("rotated", true);
    client = ca.issue("client", false);
    stranger = otherCa.issue("stranger", false);
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    upstream.createContext(
        "/",
        exchange -> {
          upstreamSaw.set(
              exchange.getProtocol()
                  + " host="
                  + exchange.getRequestHeaders().getFirst("Host")
                  + " proto="
                  + exchange.getRequestHeaders().getFirst("X-Forwarded-Proto"));
          byte[] body = ("hello " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.start();
  }

  @AfterAll
  static void stop() {
    upstream.stop(0);
  }

  private static String upstreamUrl() {
    return "http://127.0.0.1:" + upstream.getAddress().getPort();
  }

  /** A copy of a leaf's files the proxy serves, so a test can rotate them. */
  private static Path[] servedCopy(String name, TestCerts.Leaf leaf) throws Exception {
    Path cert = dir.resolve(name + "-served.crt");
    Path key = dir.resolve(name + "-served.key");
    Files.copy(leaf.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(leaf.key(), key, StandardCopyOption.REPLACE_EXISTING);
    return new Path[] {cert, key};
  }

  private static SteadyProxy tlsProxy(Path cert, Path key, String... more) {
    List<String> flags =
        new java.util.ArrayList<>(
            List.of(
                "--upstream",
                upstreamUrl(),
                "--tls-cert-file",
                cert.toString(),
                "--tls-key-file",
                key.toString()));
    flags.addAll(List.of(more));
    return TestProxies.start(flags.toArray(String[]::new));
  }

  /**
   * The subject of the certificate a fresh handshake sees, its ALPN protocol and TLS version, after
   * one HTTP/1.1 request (TLS 1.3 reports a refused client certificate only on the first read).
   */
  private static String[] handshake(SteadyProxy proxy, SSLContext context, String... tlsVersions)
      throws Exception {
    try (SSLSocket s =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
      var p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"http/1.1"});
      if (tlsVersions.length > 0) {
        p.setProtocols(tlsVersions);
      }
      s.setSSLParameters(p);
      s.setSoTimeout(10_000);
      s.startHandshake();
      // TLS 1.3 reports a client-certificate refusal after the handshake: a read shows it
      s.getOutputStream()
          .write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] buf = new byte[64];
      int n = s.getInputStream().read(buf);
      if (n < 0) {
        throw new SSLHandshakeException("closed after the handshake");
      }
      X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
      return new String[] {
        leaf.getSubjectX500Principal().getName(),
        s.getApplicationProtocol(),
        s.getSession().getProtocol()
      };
    }
  }

  @Test
  void h2ByAlpnReachesTheHttp11UpstreamWithHostFromAuthority() throws Exception {
    try (SteadyProxy proxy = tlsProxy(server.cert(), server.key());
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(ca.trusting())
                .connectTimeout(Duration.ofSeconds(10))
                .build()) {
      assertThat(proxy.url().getScheme(), is("https"));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(proxy.url() + "/a?b=1")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode(), is(200));
      assertThat(r.version(), is(HttpClient.Version.HTTP_2));
      assertThat(r.body(), is("hello /a?b=1"));
      assertThat(
          upstreamSaw.get(),
          is("HTTP/1.1 host=127.0.0.1:" + upstream.getAddress().getPort() + " proto=https"));
    }
  }

  @Test
  void onlyTls12AndTls13AreOffered() throws Exception {
    try (SteadyProxy proxy = tlsProxy(server.cert(), server.key())) {
      SSLContext trusting = ca.trusting();
      assertThat(handshake(proxy, trusting, "TLSv1.2")[2], is("TLSv1.2"));
      assertThat(handshake(proxy, trusting, "TLSv1.3")[2], is("TLSv1.3"));
      assertThat(handshake(proxy, trusting)[1], is("http/1.1"));
      // TLS 1.1 is disabled in the JDK's client too; enabling it there must still not get through
      assertThrows(Exception.class, () -> handshake(proxy, trusting, "TLSv1.1"));
    }
  }

  @Test
  void aClientCaFileRequiresAClientCertificateItIssued() throws Exception {
    try (SteadyProxy proxy =
        tlsProxy(server.cert(), server.key(), "--tls-client-ca-file", ca.caCert().toString())) {
      assertThat(handshake(proxy, ca.presenting(client))[0], is("CN=proxy"));
      for (String v : List.of("TLSv1.2", "TLSv1.3")) {
        assertThrows(Exception.class, () -> handshake(proxy, ca.trusting(), v), v + ", no cert");
        // a certificate from another CA is refused as well
        SSLContext foreign = otherCa.presenting(stranger);
        assertThrows(
            Exception.class,
            () -> handshake(proxy, withTrust(foreign), v),
            v + ", a foreign certificate");
      }
    }
  }

  /** A context presenting the stranger's certificate while trusting the proxy's CA. */
  private static SSLContext withTrust(SSLContext ignored) throws Exception {
    return TestCerts.presentingWithTrust(stranger, ca);
  }

  @Test
  void rotatedFilesAreServedToNewConnectionsAndABadRotationKeepsTheOldCertificate()
      throws Exception {
    Path[] files = servedCopy("rotation", server);
    try (SteadyProxy proxy = tlsProxy(files[0], files[1])) {
      assertThat(handshake(proxy, ca.trusting())[0], is("CN=proxy"));
      // a key that belongs to another certificate: refused, the old pair goes on serving
      Files.copy(rotated.key(), files[1], StandardCopyOption.REPLACE_EXISTING);
      Eventually.eventually(
          "the failed reload is counted",
          () ->
              metrics(proxy).valueOrZero("steadyproxy_tls_reloads_total", "result", "failed") == 1);
      assertThat(handshake(proxy, ca.trusting())[0], is("CN=proxy"));
      // the certificate follows: the pair is whole again and served
      Files.copy(rotated.cert(), files[0], StandardCopyOption.REPLACE_EXISTING);
      Eventually.eventually(
          "a new connection sees the rotated certificate",
          () -> "CN=rotated".equals(handshake(proxy, ca.trusting())[0]));
      assertThat(metrics(proxy).value("steadyproxy_tls_reloads_total", "result", "ok"), is(1.0));
      long notAfter =
          TestCerts.certificates(rotated.cert())
              .getFirst()
              .getNotAfter()
              .toInstant()
              .getEpochSecond();
      assertThat(
          metrics(proxy).value("steadyproxy_tls_certificate_not_after_seconds"),
          is((double) notAfter));
    }
  }

  private static PrometheusText metrics(SteadyProxy proxy) throws Exception {
    try (HttpClient http = HttpClient.newBuilder().sslContext(ca.trusting()).build()) {
      return PrometheusText.parse(
          http.send(
                  HttpRequest.newBuilder(URI.create(proxy.url() + "/observe/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
    }
  }

  @Test
  void filesThatCannotServeStopTheStartNamingTheirSetting() throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a pem file\n");
    Path ecSec1 = dir.resolve("sec1.key");
    Files.writeString(
        ecSec1, "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
    record Case(List<String> flags, String key, String says) {}
    List<Case> cases =
        List.of(
            new Case(
                List.of("--tls-cert-file", server.cert().toString()),
                "tls_cert_file",
                "needs tls_key_file as well"),
            new Case(
                List.of("--tls-key-file", server.key().toString()),
                "tls_key_file",
                "needs tls_cert_file as well"),
            new Case(
                List.of("--tls-client-ca-file", ca.caCert().toString()),
                "tls_client_ca_file",
                "needs tls_cert_file and tls_key_file"),
            new Case(
                List.of(
                    "--tls-cert-file",
                    garbage.toString(),
                    "--tls-key-file",
                    server.key().toString()),
                "tls_cert_file",
                "not a PEM file of certificates: " + garbage),
            new Case(
                List.of(
                    "--tls-cert-file",
                    server.cert().toString(),
                    "--tls-key-file",
                    garbage.toString()),
                "tls_key_file",
                "not a PEM private key: " + garbage),
            new Case(
                List.of(
                    "--tls-cert-file",
                    server.cert().toString(),
                    "--tls-key-file",
                    rotated.key().toString()),
                "tls_key_file",
                "does not belong to the first certificate"),
            new Case(
                List.of(
                    "--tls-cert-file",
                    server.cert().toString(),
                    "--tls-key-file",
                    ecSec1.toString()),
                "tls_key_file",
                "privateKey.encoding: PKCS8"),
            new Case(
                List.of(
                    "--tls-cert-file",
                    server.cert().toString(),
                    "--tls-key-file",
                    dir.resolve("missing.key").toString()),
                "tls_key_file",
                "cannot read " + dir.resolve("missing.key")),
            new Case(
                List.of(
                    "--tls-cert-file",
                    server.cert().toString(),
                    "--tls-key-file",
                    server.key().toString(),
                    "--tls-client-ca-file",
                    garbage.toString()),
                "tls_client_ca_file",
                "not a PEM file of certificates: " + garbage));
    for (Case c : cases) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> TestProxies.start(c.flags().toArray(String[]::new)).close(),
              c.toString());
      assertThat(e.getMessage(), containsString(c.key()));
      assertThat(e.getMessage(), containsString("--" + c.key().replace('_', '-')));
      assertThat(e.getMessage(), containsString(c.says()));
    }
  }

  /**
   * A client that connects and never starts its handshake is closed after client_header_timeout,
   * with no plain-text 408 written into what should be a TLS session.
   */
  @Test
  void aSilentConnectionIsClosedWithoutPlainTextBytes() throws Exception {
    try (SteadyProxy proxy = tlsProxy(server.cert(), server.key(), "--client-header-timeout", "1");
        java.net.Socket raw = new java.net.Socket("127.0.0.1", proxy.port())) {
      raw.setSoTimeout(20_000);
      byte[] got = raw.getInputStream().readAllBytes(); // until the proxy closes it
      assertThat(new String(got, StandardCharsets.ISO_8859_1), is(""));
    }
  }

  @Test
  void theAdminSocketStaysPlainHttp() throws Exception {
    try (SteadyProxy proxy = tlsProxy(server.cert(), server.key(), "--admin-port", "0");
        HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + proxy.adminPort() + "/observe/health"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode(), is(200));
      assertThat(List.of(health.version()), hasItem(HttpClient.Version.HTTP_1_1));
    }
  }
}
