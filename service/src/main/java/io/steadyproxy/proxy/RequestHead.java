package io.steadyproxy.proxy;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The bytes of one upstream request head, written straight into a byte array (header values are
 * ISO-8859-1, as HTTP/1.1 carries them), so a request costs one small array instead of a builder, a
 * string and an encoded copy. Kept after sending, so a retry can send the same bytes.
 */
final class RequestHead {
  private byte[] bytes = new byte[768];
  private int length;

  /**
   * The head the proxy sends for a client's request: the request line, Host, the end-to-end fields
   * ({@link #endToEnd}) and the body's framing. With {@code upgrade} (the client's Upgrade value),
   * it asks the upstream to switch protocols with {@code Upgrade} and {@code Connection: upgrade},
   * the only hop-by-hop fields the proxy passes on, and only for a request that asked for them (see
   * {@code UpgradeRequest}).
   *
   * @param req the client's request
   * @param requestTarget the origin-form target to send
   * @param host the Host to send
   * @param trusted whether the peer may speak for the client in forwarding headers (like Envoy at
   *     the edge: from anyone else, the proxy's own view replaces X-Forwarded-Proto/-Host, and the
   *     other claims go)
   * @param clientIp the client's address, appended to X-Forwarded-For
   * @param requestId the request id, sent as X-Request-Id in place of the client's
   * @param bodyLength the body's Content-Length, -1 for chunked, -2 for none
   * @param upgrade the protocol the client asked to switch to, or null
   */
  static RequestHead forward(
      ServerRequest req,
      String requestTarget,
      String host,
      boolean trusted,
      String clientIp,
      String requestId,
      long bodyLength,
      String upgrade) {
    ServerRequestHeaders headers = req.headers();
    RequestHead head = new RequestHead();
    head.append(req.prologue().method().text()).append(" ").append(requestTarget);
    head.append(" HTTP/1.1").crlf().field("Host", host);
    endToEnd(req, trusted, clientIp, requestId, head::field);
    if (upgrade != null) {
      head.field("Connection", "upgrade").field("Upgrade", upgrade);
    } else if (Trailers.acceptedBy(headers)) {
      // TE is hop-by-hop, but a client that takes trailers lets the upstream send them through the
      // proxy, which relays them (RFC 9110 10.1.4: the TE connection option goes with it)
      head.field("TE", "trailers").field("Connection", "TE");
    }
    if (bodyLength >= 0) {
      // a body read whole goes up with its length, whatever its framing was (as nginx does)
      head.append("Content-Length: ").append(bodyLength).crlf();
    } else if (bodyLength == -1) {
      head.field("Transfer-Encoding", "chunked");
    }
    return head.crlf();
  }

  /** Receives the fields of a forwarded head, one name and value at a time. */
  @FunctionalInterface
  interface FieldSink {
    void field(String name, String value);
  }

  /**
   * The end-to-end fields of a forwarded request, whatever the protocol to the upstream: the
   * client's fields minus hop-by-hop ones and those the proxy owns (Host, framing, Expect, the
   * httpoxy {@code Proxy} field), forwarding claims only from a trusted peer, then
   * X-Forwarded-For/-Proto/-Host, Via and X-Request-Id.
   */
  static void endToEnd(
      ServerRequest req, boolean trusted, String clientIp, String requestId, FieldSink out) {
    ServerRequestHeaders headers = req.headers();
    Set<String> tokens =
        headers.contains(HeaderNames.CONNECTION)
            ? HopByHop.connectionTokens(headers.get(HeaderNames.CONNECTION).allValues())
            : Set.of();
    String forwardedFor = null;
    String via = null;
    boolean hasProto = false;
    boolean hasForwardedHost = false;
    for (Header h : headers) {
      String lower = h.headerName().lowerCase();
      switch (lower) {
        // Proxy: httpoxy (CVE-2016-5385), CGI-style upstreams read it as HTTP_PROXY
        case "host", "content-length", "expect", "proxy", "x-request-id" -> {}
        case "x-forwarded-for" -> forwardedFor = h.values();
        case "via" -> via = h.values();
        default -> {
          if (HopByHop.isHopByHop(lower, tokens) || (!trusted && isForwardingClaim(lower))) {
            continue;
          }
          hasProto |= lower.equals("x-forwarded-proto");
          hasForwardedHost |= lower.equals("x-forwarded-host");
          for (String value : h.allValues()) {
            out.field(h.name(), value);
          }
        }
      }
    }
    out.field("X-Forwarded-For", forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp);
    if (!hasProto) {
      out.field("X-Forwarded-Proto", req.isSecure() ? "https" : "http");
    }
    String clientHost = req.authority();
    if (!hasForwardedHost && clientHost != null) {
      out.field("X-Forwarded-Host", clientHost);
    }
    out.field("Via", via == null ? "1.1 steadyproxy" : via + ", 1.1 steadyproxy");
    out.field("X-Request-Id", requestId);
  }

  /**
   * Headers in which a peer tells the upstream who the client is and how it connected: passed on
   * from trusted proxies only. Forwarded is dropped, not rewritten: Envoy and nginx send none of
   * their own, and frameworks (Spring's ForwardedHeaderFilter, Express's trust proxy) then read the
   * X-Forwarded-* set the proxy wrote.
   */
  private static boolean isForwardingClaim(String lowerName) {
    return switch (lowerName) {
      case "x-forwarded-proto",
          "x-forwarded-host",
          "x-forwarded-port",
          "x-forwarded-prefix",
          "x-forwarded-server",
          "x-forwarded-ssl",
          "x-real-ip",
          "forwarded" ->
          true;
      default -> false;
    };
  }

  RequestHead append(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      bytes[length++] = (byte) (c <= 0xFF ? c : '?');
    }
    return this;
  }

  RequestHead append(long n) {
    return append(Long.toString(n));
  }

  /** Appends {@code name: value} and a line break. */
  RequestHead field(String name, String value) {
    return append(name).append(": ").append(value).crlf();
  }

  RequestHead crlf() {
    ensure(2);
    bytes[length++] = '\r';
    bytes[length++] = '\n';
    return this;
  }

  /** Sends the head on a connection. */
  void writeTo(UpstreamConnection connection) {
    connection.write(bytes, 0, length);
  }

  /** Sends the head and, right after it in the same write where it can, a body held whole. */
  void writeTo(UpstreamConnection connection, byte[] body, int bodyLength) {
    connection.write(bytes, length, body, bodyLength);
  }

  /** A copy of the bytes built so far. */
  byte[] bytes() {
    return Arrays.copyOf(bytes, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
