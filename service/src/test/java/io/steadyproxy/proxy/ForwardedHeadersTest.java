package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding headers are believed only from trusted peers. Like Envoy at the edge ({@code
 * use_remote_address: true}, {@code xff_num_trusted_hops: 0}), which overwrites X-Forwarded-Proto
 * with its own view, and nginx with {@code proxy_set_header X-Forwarded-Proto $scheme}: a client
 * cannot claim https or another host. X-Forwarded-For is appended to, as both do. The {@code Proxy}
 * header is always removed (httpoxy, CVE-2016-5385), as nginx's hardening guide and Envoy do.
 */
class ForwardedHeadersTest {
  @TempDir Path dir;

  private static final String SPOOFING =
      "GET /f HTTP/1.1\r\n"
          + "Host: public.example\r\n"
          + "X-Forwarded-For: 203.0.113.7\r\n"
          + "X-Forwarded-Proto: https\r\n"
          + "X-Forwarded-Host: bank.example\r\n"
          + "X-Forwarded-Port: 443\r\n"
          + "X-Forwarded-Prefix: /admin\r\n"
          + "X-Real-IP: 10.0.0.1\r\n"
          + "Forwarded: for=10.0.0.1;proto=https;host=bank.example\r\n"
          + "Proxy: http://evil.example:8080\r\n"
          + "\r\n";

  private static RawUpstream recording(AtomicReference<RawHttp.Head> head) throws Exception {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head h;
          while ((h = conn.readHead()) != null) {
            RawHttp.drainBody(conn.in(), h);
            head.set(h);
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          }
        });
  }

  private static void assertReplaced(RawHttp.Head seen) {
    assertThat(seen.all("X-Forwarded-Proto"), contains("http"));
    assertThat(seen.all("X-Forwarded-Host"), contains("public.example"));
    assertThat(seen.all("X-Forwarded-For"), contains("203.0.113.7, 127.0.0.1"));
    for (String dropped :
        List.of("Forwarded", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP", "Proxy")) {
      assertThat(dropped, seen.all(dropped), empty());
    }
  }

  private static void assertKept(RawHttp.Head seen) {
    assertThat(seen.all("X-Forwarded-Proto"), contains("https"));
    assertThat(seen.all("X-Forwarded-Host"), contains("bank.example"));
    assertThat(seen.all("X-Forwarded-Port"), contains("443"));
    assertThat(seen.all("X-Real-IP"), contains("10.0.0.1"));
    assertThat(seen.all("Forwarded"), contains("for=10.0.0.1;proto=https;host=bank.example"));
    assertThat(seen.all("X-Forwarded-For"), contains("203.0.113.7, 127.0.0.1"));
    assertThat("httpoxy: never forwarded, trusted or not", seen.all("Proxy"), empty());
  }

  @Test
  void aRequestIdReachesTheUpstreamAndComesBackAndAJunkOneIsReplaced() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    try (RawUpstream upstream = recording(head);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      var given =
          RawHttp.exchange(
              proxy.port(), "GET /r HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");
      assertThat(head.get().all("X-Request-Id"), contains("abc-123"));
      assertThat(given.head().all("X-Request-Id"), contains("abc-123"));

      var made = RawHttp.exchange(proxy.port(), "GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
      String id = made.head().header("X-Request-Id");
      assertThat(id.matches("[0-9a-f]{32}"), is(true));
      assertThat(head.get().all("X-Request-Id"), contains(id));

      // a value with a quote (or spaces, or 300 characters) could break log lines: replaced
      var junk =
          RawHttp.exchange(
              proxy.port(), "GET /r HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\"b\r\n\r\n");
      assertThat(junk.head().header("X-Request-Id").matches("[0-9a-f]{32}"), is(true));
      assertThat(head.get().all("X-Request-Id"), contains(junk.head().header("X-Request-Id")));

      // an error answered by the proxy itself carries it too
      try (SteadyProxy down = TestProxies.start("--upstream", "http://127.0.0.1:9")) {
        var failed =
            RawHttp.exchange(
                down.port(), "GET /r HTTP/1.1\r\nHost: x\r\nX-Request-Id: e-1\r\n\r\n");
        assertThat(failed.status(), is(502));
        assertThat(failed.head().all("X-Request-Id"), contains("e-1"));
      }
    }
  }

  @Test
  void anUntrustedPeerCannotClaimHttpsOrAnotherHost() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    try (RawUpstream upstream = recording(head);
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--trusted-proxies", "10.0.0.0/8,::1")) {
      assertThat(RawHttp.exchange(proxy.port(), SPOOFING).status(), is(200));
      assertReplaced(head.get());
    }
  }

  @Test
  void aTrustedPeersHeadersAreKeptAndTheListChangesLive() throws Exception {
    var head = new AtomicReference<RawHttp.Head>();
    try (RawUpstream upstream = recording(head)) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(
          file,
          "{\"upstream_url\": \"" + upstream.url() + "\", \"trusted_proxies\": \"127.0.0.0/8\"}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        assertThat(RawHttp.exchange(proxy.port(), SPOOFING).status(), is(200));
        assertKept(head.get());

        Files.writeString(
            file,
            "{\"upstream_url\": \"" + upstream.url() + "\", \"trusted_proxies\": \"10.1.0.0/16\"}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(true));
        assertThat(RawHttp.exchange(proxy.port(), SPOOFING).status(), is(200));
        assertReplaced(head.get());
      }
    }
  }
}
