package io.steadyproxy.proxy;

import io.steadyproxy.routing.Route;
import java.util.Comparator;
import java.util.List;

/**
 * The routing table: longest prefix wins, and a prefix matches only on a segment boundary ({@code
 * /api} matches {@code /api} and {@code /api/x}, not {@code /apix}). Matching uses the raw,
 * undecoded path, the same bytes that are forwarded, so no encoding trick can route a request to
 * one upstream and make it mean a path of another.
 */
public final class Routes {
  private final List<Target> targets;

  /**
   * A route with its endpoint, the base path of its upstream URL, and the endpoint's name (computed
   * once: every request records it).
   */
  record Target(Route route, UpstreamEndpoint endpoint, String basePath, String upstreamName) {
    /** The request-target to send upstream for a raw path and raw query (null when absent). */
    String upstreamTarget(String rawPath, String rawQuery) {
      String path = rawPath;
      if (route.stripPrefix() && !route.isDefault()) {
        path = rawPath.substring(route.prefix().length());
      }
      if (path.isEmpty() || path.charAt(0) != '/') {
        path = "/" + path;
      }
      String full = basePath.isEmpty() ? path : basePath + path;
      return rawQuery == null ? full : full + "?" + rawQuery;
    }
  }

  /** Builds the table from configured routes (any order). */
  public Routes(List<Route> routes) {
    this.targets =
        routes.stream()
            .sorted(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed())
            .map(
                r -> {
                  UpstreamEndpoint endpoint = UpstreamEndpoint.of(r.upstream());
                  return new Target(r, endpoint, basePath(r), endpoint.toString());
                })
            .toList();
  }

  /** The target for a raw path, or null when no route matches. */
  Target match(String rawPath) {
    for (Target t : targets) {
      String prefix = t.route().prefix();
      if (t.route().isDefault()
          || (rawPath.startsWith(prefix)
              && (rawPath.length() == prefix.length() || rawPath.charAt(prefix.length()) == '/'))) {
        return t;
      }
    }
    return null;
  }

  private static String basePath(Route route) {
    String path = route.upstream().getRawPath();
    if (path == null || path.equals("/")) {
      return "";
    }
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
