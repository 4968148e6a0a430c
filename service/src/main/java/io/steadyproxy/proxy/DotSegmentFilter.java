package io.steadyproxy.proxy;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;

/**
 * Refuses, with 400 {@code bad_path}, every path whose meaning depends on who resolves it, so the
 * route the proxy picks and the path the upstream resolves can never disagree:
 *
 * <ul>
 *   <li>dot-segments ({@code /a/../b}, {@code /a/./b}), also percent-encoded ({@code %2e}), split
 *       by an encoded slash ({@code ..%2f}) or backslash ({@code ..%5c}, {@code ..\}: IIS and Java
 *       servers on Windows read it as a separator), or hidden behind matrix parameters ({@code
 *       ..;}, {@code .;x=1}: Tomcat and Helidon drop {@code ;...} before resolving);
 *   <li>empty segments ({@code //x}, {@code /%2fx}, {@code /;/x}): Helidon's router and nginx merge
 *       them, most upstreams do not;
 *   <li>an encoded NUL ({@code %00}), which nginx and Envoy refuse too;
 *   <li>any path that Helidon would route to one of the proxy's own endpoints ({@code /health},
 *       {@code /admin}, {@code /observe}) unless it is written exactly as that endpoint's canonical
 *       path: Helidon routes on the decoded path without matrix parameters, so {@code /health;x=1},
 *       {@code /admin%2fcleanup} or {@code /%68ealth} would reach the proxy itself while the same
 *       bytes mean something else to an upstream.
 * </ul>
 *
 * Clients remove dot-segments and empty segments before sending (RFC 3986 section 5.2.4), so real
 * traffic does not carry these forms; a proxy that forwards raw bytes must not guess at them.
 */
public final class DotSegmentFilter implements Filter {
  /** The proxy's own path prefixes when they share the proxy's port. */
  public static final List<String> OWN_ENDPOINTS = List.of("/health", "/admin", "/observe");

  private final List<String> ownEndpoints;

  /** A filter for a socket that serves only proxied routes. */
  public DotSegmentFilter() {
    this(List.of());
  }

  /**
   * @param ownEndpoints path prefixes this socket serves itself (reachable by canonical paths only)
   */
  public DotSegmentFilter(List<String> ownEndpoints) {
    this.ownEndpoints = List.copyOf(ownEndpoints);
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String raw = req.prologue().uriPath().rawPath();
    String problem = problem(raw);
    if (problem == null && !ownEndpoints.isEmpty()) {
      // Helidon routes on its decoded path; ours is the same with every escape decoded
      String routed = req.prologue().uriPath().path();
      if ((isOwn(routed) || isOwn(canonical(raw))) && !raw.equals(routed)) {
        problem = "the proxy's own endpoints answer their canonical path only";
      }
    }
    if (problem != null) {
      ErrorResponses.send(res, ErrorClass.BAD_PATH, problem);
      return;
    }
    chain.proceed();
  }

  /** Why {@code rawPath} is refused, or null when it has one meaning for everyone. */
  static String problem(String rawPath) {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      return null; // not origin-form: ProxyHandler refuses it as bad_request_target
    }
    if (rawPath.indexOf('%') < 0
        && rawPath.indexOf('.') < 0
        && rawPath.indexOf('\\') < 0
        && rawPath.indexOf(';') < 0
        && rawPath.indexOf("//") < 0) {
      return null; // the common case costs five scans and no allocation
    }
    if (containsIgnoreCase(rawPath, "%00")) {
      return "paths with an encoded NUL (%00) are not accepted";
    }
    String path = separatorsDecoded(rawPath);
    int start = 1; // after the leading '/'
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      boolean last = end < 0;
      if (last) {
        end = n;
      }
      int semicolon = path.indexOf(';', start);
      int nameEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
      int len = nameEnd - start;
      if (len == 0 && !last) {
        return "paths with empty segments (//) are not accepted";
      }
      if ((len == 1 && path.charAt(start) == '.')
          || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
        return "paths with '.' or '..' segments are not accepted";
      }
      start = end + 1;
    }
    return null;
  }

  /** {@code %2e} to '.', and {@code %2f}, {@code %5c} and '\' to '/'. */
  private static String separatorsDecoded(String raw) {
    StringBuilder sb = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        String hex = raw.substring(i + 1, i + 3).toLowerCase(java.util.Locale.ROOT);
        switch (hex) {
          case "2e" -> {
            sb.append('.');
            i += 2;
            continue;
          }
          case "2f", "5c" -> {
            sb.append('/');
            i += 2;
            continue;
          }
          default -> {}
        }
      }
      sb.append(c == '\\' ? '/' : c);
    }
    return sb.toString();
  }

  /** The raw path fully percent-decoded, with matrix parameters dropped from each segment. */
  static String canonical(String raw) {
    StringBuilder sb = new StringBuilder(raw.length());
    boolean inParams = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          c = (char) (hi * 16 + lo);
          i += 2;
        }
      }
      if (c == '/') {
        inParams = false;
      } else if (c == ';') {
        inParams = true;
      }
      if (!inParams) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private boolean isOwn(String path) {
    for (String prefix : ownEndpoints) {
      if (path.startsWith(prefix)
          && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
        return true;
      }
    }
    return false;
  }

  private static boolean containsIgnoreCase(String s, String part) {
    return s.toLowerCase(java.util.Locale.ROOT).contains(part);
  }
}
