package io.steadyproxy.upgrade;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.ServerRequestHeaders;
import java.util.List;
import java.util.Locale;

/**
 * Whether a client's request asks to switch protocols (RFC 9110 section 7.8): an HTTP/1.1 request
 * with an {@code Upgrade} field that its {@code Connection} field names, and no body. Only such a
 * request is forwarded with its {@code Upgrade} field; any other keeps having it removed as
 * hop-by-hop.
 */
public final class UpgradeRequest {
  private UpgradeRequest() {}

  /**
   * The protocols asked for (the {@code Upgrade} value, such as {@code websocket}), or null when
   * the request does not ask to upgrade. A request with a body is not upgraded (as Helidon's own
   * upgraders refuse it): its body would be read as the new protocol's first bytes.
   */
  public static String protocol(HttpPrologue prologue, ServerRequestHeaders headers) {
    if (!headers.contains(HeaderNames.UPGRADE)
        || !headers.contains(HeaderNames.CONNECTION)
        || !"1.1".equals(prologue.protocolVersion())
        || headers.contains(HeaderNames.TRANSFER_ENCODING)) {
      return null;
    }
    if (headers.contains(HeaderNames.CONTENT_LENGTH)
        && !"0".equals(headers.get(HeaderNames.CONTENT_LENGTH).get().strip())) {
      return null;
    }
    if (!namesUpgrade(headers.get(HeaderNames.CONNECTION).allValues())) {
      return null;
    }
    List<String> values = headers.get(HeaderNames.UPGRADE).allValues();
    String protocol = String.join(", ", values).strip();
    return protocol.isEmpty() ? null : protocol;
  }

  private static boolean namesUpgrade(List<String> connection) {
    for (String value : connection) {
      for (String token : value.split(",")) {
        if (token.strip().toLowerCase(Locale.ROOT).equals("upgrade")) {
          return true;
        }
      }
    }
    return false;
  }
}
