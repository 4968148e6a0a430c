package io.steadyproxy.proxy;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.Headers;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Hop-by-hop header fields (RFC 9110 section 7.6.1): they describe one connection and must not be
 * forwarded, nor may any field that the {@code Connection} header names.
 */
final class HopByHop {
  /** Lower-case names of fields that never cross the proxy, in either direction. */
  private static final Set<String> ALWAYS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authorization",
          "proxy-authenticate",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  private HopByHop() {}

  /**
   * Whether a field (lower-case name) is hop-by-hop, given the tokens of this message's Connection
   * header ({@link #connectionTokens}: the only way to ask, as that set leaves out the fields that
   * are hop-by-hop anyway).
   */
  static boolean isHopByHop(String lowerName, Set<String> connectionTokens) {
    return ALWAYS.contains(lowerName)
        || (!connectionTokens.isEmpty() && connectionTokens.contains(lowerName));
  }

  /**
   * The field names listed in {@code Connection} header values, lower-cased, but those that are
   * hop-by-hop anyway: a plain {@code Connection: keep-alive}, which nearly every upstream sends,
   * gives the empty set without allocating.
   */
  static Set<String> connectionTokens(List<String> connectionValues) {
    java.util.HashSet<String> tokens = null;
    for (String value : connectionValues) {
      for (int at = 0; at <= value.length(); at = next(value, at)) {
        long bounds = element(value, at);
        int start = (int) (bounds >>> 32);
        int end = (int) bounds;
        boolean keepAlive =
            end - start == 10 && value.regionMatches(true, start, "keep-alive", 0, 10);
        if (end > start && !keepAlive) {
          String name = value.substring(start, end).toLowerCase(Locale.ROOT);
          if (!ALWAYS.contains(name)) {
            if (tokens == null) {
              tokens = new java.util.HashSet<>();
            }
            tokens.add(name);
          }
        }
      }
    }
    return tokens == null ? Set.of() : tokens;
  }

  /**
   * Whether a comma-separated header field lists {@code token}, case-insensitively. Helidon's
   * {@code Headers.containsToken} builds a stream, a list and a string per value on every call;
   * asked once a response (does it say {@code Connection: close}?) that was 10 % of the proxy's
   * allocation on small requests (async-profiler, allocation mode, {@code wrk -c64 /small}). This
   * allocates nothing.
   */
  static boolean hasToken(Headers headers, HeaderName name, String token) {
    if (!headers.contains(name)) {
      return false;
    }
    Header field = headers.get(name);
    if (field.valueCount() == 1) {
      return listsToken(field.get(), token);
    }
    for (String value : field.allValues()) {
      if (listsToken(value, token)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code value}, a comma-separated list, has {@code token} as one of its elements. */
  static boolean listsToken(String value, String token) {
    for (int at = 0; at <= value.length(); at = next(value, at)) {
      long bounds = element(value, at);
      int start = (int) (bounds >>> 32);
      if ((int) bounds - start == token.length()
          && value.regionMatches(true, start, token, 0, token.length())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bounds of the list element that begins at {@code at}, trimmed of optional whitespace,
   * packed as {@code start << 32 | end} (equal when the element is empty): no copy, no allocation.
   */
  private static long element(String value, int at) {
    int end = value.indexOf(',', at);
    int s = at;
    int e = end < 0 ? value.length() : end;
    while (s < e && isWhitespace(value.charAt(s))) {
      s++;
    }
    while (e > s && isWhitespace(value.charAt(e - 1))) {
      e--;
    }
    return (long) s << 32 | e;
  }

  /** Where the element after the one that begins at {@code at} begins (past the end if none). */
  private static int next(String value, int at) {
    int comma = value.indexOf(',', at);
    return comma < 0 ? value.length() + 1 : comma + 1;
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t'; // RFC 9110's OWS
  }
}
