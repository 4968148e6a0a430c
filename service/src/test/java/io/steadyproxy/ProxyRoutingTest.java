package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.Socket;
import io.steadyproxy.testing.RoutingParts;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The routing of both sockets ({@link ProxyRouting#routing}), run in memory: no socket, no server,
 * no upstream. The default socket is the proxy port with the admin routes on it, behind a token;
 * "admin" is a separate admin socket with no token (loopback only), as {@code admin_port} builds
 * it. Byte-level behaviour (framing, timeouts, hostile peers) is tested over real sockets
 * elsewhere.
 */
@RoutingTest
class ProxyRoutingTest {
  private static final String TOKEN = "s3cret";

  // Only /api is routed, to a port nothing listens on: no test here reaches an upstream.
  private static final RoutingParts SHARED =
      RoutingParts.of("--route", "/api=http://127.0.0.1:9", "--admin-token", TOKEN);
  private static final RoutingParts ADMIN = RoutingParts.of("--route", "/api=http://127.0.0.1:9");

  private final DirectClient proxy;
  private final DirectClient admin;
  private final DirectClient proxyOnly;

  ProxyRoutingTest(
      DirectClient proxy,
      @Socket("admin") DirectClient admin,
      @Socket("proxy-only") DirectClient proxyOnly) {
    this.proxy = proxy;
    this.admin = admin;
    this.proxyOnly = proxyOnly;
  }

  @SetUpRoute
  static void proxySocket(HttpRouting.Builder rules) {
    ProxyRouting.routing(rules, Optional.of(SHARED.endpoints()), Optional.of(SHARED.proxying()));
  }

  @SetUpRoute("admin")
  static void adminSocket(HttpRouting.Builder rules) {
    ProxyRouting.routing(rules, Optional.of(ADMIN.endpoints()), Optional.empty());
  }

  @SetUpRoute("proxy-only")
  static void proxyOnlySocket(HttpRouting.Builder rules) {
    ProxyRouting.routing(rules, Optional.empty(), Optional.of(ADMIN.proxying()));
  }

  @AfterAll
  static void close() {
    SHARED.close();
    ADMIN.close();
  }

  private static JsonObject json(Http1ClientResponse res) {
    return Json.createReader(new StringReader(res.as(String.class))).readObject();
  }

  @Test
  void healthIsJsonWithMemoryPoolAndShedding() {
    SHARED.memory().rssMb(321);
    try (Http1ClientResponse res = proxy.get("/health").request()) {
      assertThat(res.status().code(), is(200));
      assertThat(res.headers().contentType().orElseThrow().text(), containsString("json"));
      assertThat(res.headers().first(HeaderNames.CACHE_CONTROL), is(Optional.of("no-store")));
      JsonObject health = json(res);
      assertThat(health.getString("status"), is("ok"));
      assertThat(health.getInt("memory_usage_mb"), is(321));
      assertThat(health.getBoolean("shedding"), is(false));
      JsonObject pool = health.getJsonObject("pool");
      assertThat(pool.getInt("in_use"), is(0));
      assertThat(pool.getInt("max"), is(100));
    }
  }

  @Test
  void adminRoutesNeedTheTokenWhenOneIsSet() {
    try (Http1ClientResponse none = proxy.post("/admin/cleanup").request()) {
      assertThat(none.status().code(), is(401));
      assertThat(
          none.headers().first(HeaderNames.WWW_AUTHENTICATE),
          is(Optional.of("Bearer realm=\"steadyproxy-admin\"")));
      assertThat(json(none).getString("error"), is("unauthorized"));
    }
    try (Http1ClientResponse wrong =
        proxy.post("/admin/cleanup").header(HeaderNames.AUTHORIZATION, "Bearer nope").request()) {
      assertThat(wrong.status().code(), is(403));
      assertThat(json(wrong).getString("error"), is("forbidden"));
    }
    try (Http1ClientResponse right =
        proxy
            .post("/admin/cleanup")
            .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN)
            .request()) {
      assertThat(right.status().code(), is(200));
      assertThat(json(right).getString("kind"), is("full"));
    }
  }

  // the in-memory peer is an unresolved address: a loopback peer is AdminSocketServerTest's case
  @Test
  void withoutATokenAdminRoutesRefuseARemotePeer() {
    admin.clientHost("192.0.2.7"); // TEST-NET-1
    try (Http1ClientResponse remote = admin.post("/admin/cleanup").request()) {
      assertThat(remote.status().code(), is(403));
      assertThat(json(remote).getString("detail"), containsString("loopback clients only"));
    } finally {
      admin.clientHost("localhost");
    }
  }

  @Test
  void aPathNoRouteMatchesIs404NoRoute() {
    try (Http1ClientResponse res = proxy.get("/other/thing").request()) {
      assertThat(res.status().code(), is(404));
      JsonObject error = json(res);
      assertThat(error.getString("error"), is("no_route"));
      assertThat(error.getString("detail"), is("no route matches /other/thing"));
    }
  }

  @Test
  void theAdminSocketDoesNotProxy() {
    try (Http1ClientResponse res = admin.get("/api/x").request()) {
      assertThat(res.status().code(), is(404));
    }
  }

  @Test
  void dotSegmentsAreRefusedBeforeRouting() {
    // as Helidon's client sends them; encoded forms (%2e) need raw bytes: PathNormalisationTest
    for (String path : new String[] {"/api/../health", "/api/./x", "/health;x=1", "/api//x"}) {
      try (Http1ClientResponse res = proxy.get(path).request()) {
        assertThat(path, res.status().code(), is(400));
        assertThat(path, json(res).getString("error"), is("bad_path"));
      }
    }
  }

  // On the "proxy-only" socket (admin routes elsewhere): in memory, an authority-form target has
  // no decoded path, which the own-endpoint check of a shared socket does not expect (over a real
  // socket it has one: BadInputTest.theProxyIsNeverAnOpenProxy).
  @Test
  void connectIs405MethodNotAllowed() {
    try (Http1ClientResponse res =
        proxyOnly.method(Method.CONNECT).header(HeaderNames.HOST, "evil.example:443").request()) {
      assertThat(res.status().code(), is(405));
      assertThat(res.headers().first(HeaderNames.ALLOW).orElseThrow(), containsString("GET"));
      assertThat(json(res).getString("error"), is("method_not_allowed"));
    }
  }
}
