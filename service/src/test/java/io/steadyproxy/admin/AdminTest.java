package io.steadyproxy.admin;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.Observed;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin routes: token rules, loopback-only without a token, and the admin port. */
class AdminTest {
  private static final Optional<byte[]> TOKEN =
      Optional.of("s3cret".getBytes(StandardCharsets.UTF_8));

  private static RawHttp.Response post(int port, String path, String auth) throws Exception {
    return RawHttp.exchange(
        port,
        "POST "
            + path
            + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
            + (auth == null ? "" : "Authorization: " + auth + "\r\n")
            + "\r\n");
  }

  @Test
  void accessRuleCoversEveryCase() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    InetAddress remote =
        InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}); // TEST-NET-1, no traffic
    assertThat(AdminService.check(TOKEN, Optional.empty(), loopback).get().status(), is(401));
    assertThat(
        AdminService.check(TOKEN, Optional.of("Basic czNjcmV0"), loopback).get().status(), is(401));
    assertThat(
        AdminService.check(TOKEN, Optional.of("Bearer wrong"), remote).get().status(), is(403));
    assertThat(
        AdminService.check(TOKEN, Optional.of("Bearer s3cret"), remote), is(Optional.empty()));
    assertThat(
        AdminService.check(TOKEN, Optional.of("bearer s3cret"), loopback), is(Optional.empty()));
    assertThat(
        AdminService.check(Optional.empty(), Optional.empty(), loopback), is(Optional.empty()));
    assertThat(
        AdminService.check(Optional.empty(), Optional.of("Bearer x"), remote).get().status(),
        is(403));
    assertThat(
        AdminService.check(Optional.empty(), Optional.empty(), null).get().status(), is(403));
  }

  // the token's 401/403 and loopback-only without one: ProxyRoutingTest, AdminSocketServerTest
  @Test
  void cleanupClosesIdleUpstreamConnectionsAndReportsWhatItReleased() throws Exception {
    FakeMemory memory = new FakeMemory();
    memory.rssMb(250);
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings(
                    "--upstream", upstream.url().toString(), "--admin-token", "s3cret"),
                memory)) {
      RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      eventually("the connection is idle", () -> proxy.pool().idle() == 1);

      var ok = post(proxy.port(), "/admin/cleanup", "Bearer s3cret");
      assertThat(ok.status(), is(200));
      assertThat(ok.text(), containsString("\"kind\":\"full\""));
      assertThat(ok.text(), containsString("\"before_mb\":250.0"));
      assertThat(ok.text(), containsString("\"after_mb\":250.0"));
      assertThat(ok.text(), containsString("\"connections_closed\":1"));
      assertThat(proxy.pool().idle(), is(0));
    }
  }

  /**
   * A rotated Kubernetes Secret: the kubelet swaps the mounted file, and the next request sees the
   * new token without a restart. An unreadable file refuses everyone rather than opening up.
   */
  @Test
  void aTokenFileIsReadAgainAtEachRequest(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "first\n");
    try (SteadyProxy proxy =
        TestProxies.start(
            "--upstream", "http://127.0.0.1:9", "--admin-token-file", file.toString())) {
      assertThat(post(proxy.port(), "/admin/cleanup", "Bearer first").status(), is(200));

      // Kubernetes writes the new Secret next to the old one and swaps a symlink; a move is the
      // same atomic replacement.
      Path next = dir.resolve("token.next");
      Files.writeString(next, "second");
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      // 10 s between full cleanups: the old token is refused before the rate limit is reached.
      assertThat(post(proxy.port(), "/admin/cleanup", "Bearer first").status(), is(403));

      Files.delete(file);
      var gone = post(proxy.port(), "/admin/cleanup", null);
      assertThat(gone.status(), is(503));
      assertThat(gone.text(), containsString("admin_token_unavailable"));

      Files.writeString(file, "second");
      assertThat(
          "the new token passes the check (then the 10 s cleanup limit answers)",
          post(proxy.port(), "/admin/cleanup", "Bearer second").status(),
          is(429));
    }
  }

  /** Socket x path x expected status, with an admin port: the main socket is a pure proxy. */
  @Test
  void adminPortCarriesHealthAdminAndObserveAndTheMainPortProxiesEverything() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head;
                  while ((head = conn.readHead()) != null) {
                    RawHttp.drainBody(conn.in(), head);
                    conn.write("HTTP/1.1 299 From Upstream\r\nContent-Length: 0\r\n\r\n");
                  }
                });
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream",
                upstream.url().toString(),
                "--admin-port",
                "0",
                "--admin-token",
                "t")) {
      int main = proxy.port();
      int admin = proxy.adminPort();
      assertThat(admin != main, is(true));
      record Case(int port, String method, String path, String auth, int status) {}
      for (Case c :
          List.of(
              new Case(main, "GET", "/health", null, 299),
              new Case(main, "POST", "/admin/cleanup", null, 299),
              new Case(main, "GET", "/observe/health", null, 299),
              new Case(main, "GET", "/observe/metrics", null, 299),
              new Case(admin, "GET", "/health", null, 200),
              new Case(admin, "POST", "/admin/cleanup", null, 401),
              new Case(admin, "POST", "/admin/cleanup", "Bearer x", 403),
              new Case(admin, "POST", "/admin/cleanup", "Bearer t", 200),
              new Case(admin, "GET", "/observe/health", null, 200),
              new Case(admin, "GET", "/observe/health/ready", null, 200),
              new Case(admin, "GET", "/observe/metrics", null, 200),
              new Case(admin, "GET", "/anything-else", null, 404))) {
        var res =
            c.method().equals("POST")
                ? post(c.port(), c.path(), c.auth())
                : RawHttp.exchange(c.port(), "GET " + c.path() + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(
            (c.port() == main ? "main " : "admin ") + c.method() + " " + c.path(),
            res.status(),
            is(c.status()));
      }
    }
  }

  /** A clock the test moves by hand. */
  private static final class ManualClock implements InstantSource {
    private Instant now = Instant.parse("2026-12-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  /**
   * At most one full cleanup per 10 s, like nginx's limit_req with burst 0: a loop (or an attacker
   * with the token) cannot keep the proxy in back-to-back full GCs.
   */
  @Test
  void cleanupLimiterAllowsOnePer10SecondsAndSaysWhenToRetry() {
    ManualClock clock = new ManualClock();
    CleanupLimiter limiter = new CleanupLimiter(clock, Duration.ofSeconds(10));
    assertThat(limiter.tryAcquire(), is(0L));
    assertThat("at once: wait the whole window", limiter.tryAcquire(), is(10L));
    clock.advance(Duration.ofMillis(9_001));
    assertThat("rounded up, never 0 while refused", limiter.tryAcquire(), is(1L));
    clock.advance(Duration.ofMillis(999));
    assertThat("refusals do not extend the window", limiter.tryAcquire(), is(0L));
    assertThat(limiter.tryAcquire(), is(10L));
    clock.advance(Duration.ofSeconds(3600));
    assertThat(limiter.tryAcquire(), is(0L));
  }

  @Test
  void aSecondCleanupWithinTheWindowIs429WithRetryAfter() throws Exception {
    FakeMemory memory = new FakeMemory();
    try (SteadyProxy proxy =
        SteadyProxy.start(TestProxies.settings("--upstream", "http://127.0.0.1:9"), memory)) {
      assertThat(post(proxy.port(), "/admin/cleanup", null).status(), is(200));
      var again = post(proxy.port(), "/admin/cleanup", null);
      assertThat(again.status(), is(429));
      long retry = Long.parseLong(again.head().header("Retry-After"));
      assertThat(retry >= 1 && retry <= 10, is(true));
      assertThat(again.text(), containsString("\"error\":\"too_many_requests\""));
      assertThat(again.head().header("Content-Type"), containsString("application/json"));
      assertThat(
          "the refused request ran no cleanup",
          Observed.metrics(proxy).value("steadyproxy_cleanups_total", "kind", "full"),
          is(1.0));
    }
  }
}
