package io.steadyproxy;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.steadyproxy.admin.AdminService;
import io.steadyproxy.observe.HealthService;
import io.steadyproxy.observe.MetricsEndpoint;
import io.steadyproxy.proxy.ConnectionCloseFilter;
import io.steadyproxy.proxy.DotSegmentFilter;
import io.steadyproxy.proxy.ErrorResponses;
import io.steadyproxy.proxy.Http2Responses;
import io.steadyproxy.proxy.ProxyHandler;
import io.steadyproxy.proxy.UpstreamException;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP routing of both sockets, in one method: {@link SteadyProxy} builds the proxy socket and
 * the admin socket with it, and the routing tests run the same rules in memory
 * ({@code @RoutingTest}), without a socket. Helidon's own {@code /observe} routes are a feature
 * ({@code ObserveFeature}), added by the server, not here.
 */
public final class ProxyRouting {
  private ProxyRouting() {}

  /**
   * The proxy's own endpoints.
   *
   * @param health {@code GET /health}
   * @param admin {@code /admin/*}, behind the token or loopback-only
   * @param metrics {@code /observe/metrics}
   */
  public record Endpoints(HealthService health, AdminService admin, MetricsEndpoint metrics) {}

  /**
   * The proxying itself.
   *
   * @param handler the catch-all handler that forwards to the upstreams
   * @param clientDeadlines the filter that starts a connection's keep-alive deadline when its
   *     response has ended ({@code ClientDeadlines.filter()})
   */
  public record Proxying(ProxyHandler handler, Filter clientDeadlines) {}

  /**
   * Adds one socket's rules: the proxy socket has {@code proxying} and, unless an admin socket
   * serves them, the {@code endpoints}; the admin socket has only the endpoints.
   *
   * @param rules the socket's routing
   * @param endpoints {@code /health} and {@code /admin}, if this socket serves them
   * @param proxying the proxy handler, if this socket proxies
   */
  public static void routing(
      HttpRouting.Builder rules, Optional<Endpoints> endpoints, Optional<Proxying> proxying) {
    // outermost: the response has ended after it
    proxying.ifPresent(p -> rules.addFilter(p.clientDeadlines()));
    // HTTP/2's forbidden fields go from every answer, and a connection whose answer says close is
    // closed after every answer: both wrap the filters that answer by themselves, so a refused path
    // is closed too when the client asked (it was left open while the path filter ran first)
    rules.addFilter(new Http2Responses()).addFilter(new ConnectionCloseFilter());
    // a dot-segment path is refused before routing; on a socket with our own endpoints, also the
    // ones that would resolve to them (see DotSegmentFilter)
    rules.addFilter(
        new DotSegmentFilter(endpoints.isPresent() ? DotSegmentFilter.OWN_ENDPOINTS : List.of()));
    rules.error(UpstreamException.class, (req, res, e) -> ErrorResponses.send(res, e));
    endpoints.ifPresent(
        e ->
            rules
                .register("/health", e.health())
                .register("/admin", e.admin())
                .register("/observe/metrics", e.metrics()));
    proxying.ifPresent(p -> rules.any(p.handler()));
  }
}
