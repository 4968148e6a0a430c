package io.steadyproxy.proxy;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Refuses paths with dot-segments ({@code /a/../b}, {@code /a/./b}), also when percent-encoded.
 *
 * <p>Why: Helidon routes on the decoded, normalized path while the proxy forwards the raw one, so
 * {@code /api/../admin} would be matched by the proxy's own {@code /admin} routes yet mean {@code
 * /api/..} to an upstream. Refusing such paths keeps one meaning for every request. Clients remove
 * dot-segments before sending (RFC 3986 section 5.2.4), so real traffic never has them.
 */
public final class DotSegmentFilter implements Filter {

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    // The prologue's decoded path is already normalized, so look at the raw one, with encoded dots
    // and slashes read as Helidon's decoder would read them.
    String raw = req.prologue().uriPath().rawPath();
    if (raw.indexOf('.') >= 0 || raw.indexOf('%') >= 0) {
      String unescaped =
          raw.replace("%2e", ".").replace("%2E", ".").replace("%2f", "/").replace("%2F", "/");
      if (hasDotSegment(unescaped)) {
        ErrorResponses.send(
            res, 400, "bad_path", "paths with '.' or '..' segments are not accepted", null);
        return;
      }
    }
    chain.proceed();
  }

  static boolean hasDotSegment(String path) {
    int start = 0;
    int n = path.length();
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      int len = end - start;
      if ((len == 1 && path.charAt(start) == '.')
          || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }
}
