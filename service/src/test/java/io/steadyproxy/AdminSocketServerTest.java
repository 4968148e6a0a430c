package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.Socket;
import io.steadyproxy.testing.RoutingParts;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The routing of {@link ProxyRouting} on real loopback sockets, for what needs a real peer: with no
 * token, the admin socket answers a loopback client (an in-memory peer has no address), and the
 * proxy socket, with the admin routes moved off it, proxies {@code /health} like any other path.
 */
@ServerTest
class AdminSocketServerTest {
  private static final RoutingParts PARTS = RoutingParts.of("--route", "/api=http://127.0.0.1:9");

  private final Http1Client proxy;
  private final Http1Client admin;

  AdminSocketServerTest(Http1Client proxy, @Socket("admin") Http1Client admin) {
    this.proxy = proxy;
    this.admin = admin;
  }

  @SetUpRoute
  static void proxySocket(HttpRouting.Builder rules) {
    ProxyRouting.routing(rules, Optional.empty(), Optional.of(PARTS.proxying()));
  }

  @SetUpRoute("admin")
  static void adminSocket(HttpRouting.Builder rules) {
    ProxyRouting.routing(rules, Optional.of(PARTS.endpoints()), Optional.empty());
  }

  @AfterAll
  static void close() {
    PARTS.close();
  }

  @Test
  void theAdminSocketRunsACleanupForALoopbackClientWithoutAToken() {
    try (Http1ClientResponse res = admin.post("/admin/cleanup").request()) {
      assertThat(res.status().code(), is(200));
      assertThat(res.as(String.class), containsString("\"kind\":\"full\""));
    }
    try (Http1ClientResponse res = admin.get("/health").request()) {
      assertThat(res.status().code(), is(200));
    }
  }

  @Test
  void theProxySocketHasNoAdminRoutesOnceTheyHaveTheirOwnSocket() {
    for (String path : new String[] {"/health", "/admin/cleanup"}) {
      try (Http1ClientResponse res = proxy.get(path).request()) {
        assertThat(path, res.status().code(), is(404));
        assertThat(path, res.as(String.class), containsString("\"error\":\"no_route\""));
      }
    }
  }
}
