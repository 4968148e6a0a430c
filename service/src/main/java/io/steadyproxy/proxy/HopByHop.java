package io.steadyproxy.proxy;

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
   * header.
   */
  static boolean isHopByHop(String lowerName, Set<String> connectionTokens) {
    return ALWAYS.contains(lowerName)
        || (!connectionTokens.isEmpty() && connectionTokens.contains(lowerName));
  }

  /** The field names listed in {@code Connection} header values, lower-cased. */
  static Set<String> connectionTokens(List<String> connectionValues) {
    if (connectionValues.isEmpty()) {
      return Set.of();
    }
    java.util.HashSet<String> tokens = new java.util.HashSet<>();
    for (String value : connectionValues) {
      for (String token : value.split(",")) {
        String t = token.strip().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          tokens.add(t);
        }
      }
    }
    return tokens;
  }
}
