package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * What the proxy reads of the gRPC protocol (grpc/grpc {@code doc/PROTOCOL-HTTP2.md}): whether a
 * request is a gRPC call, its {@code grpc-timeout}, and the encoding of {@code grpc-message}.
 */
final class Grpc {
  static final HeaderName STATUS = HeaderNames.create("grpc-status");
  static final HeaderName MESSAGE = HeaderNames.create("grpc-message");
  static final HeaderName TIMEOUT = HeaderNames.create("grpc-timeout");

  private Grpc() {}

  /**
   * Whether a request is a gRPC call: {@code application/grpc}, alone or with a {@code +format}
   * suffix or parameters ({@code application/grpc-web} is another protocol).
   */
  static boolean isGrpc(ServerRequestHeaders headers) {
    String type = headers.first(HeaderNames.CONTENT_TYPE).orElse(null);
    if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16)) {
      return false;
    }
    return type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';';
  }

  /**
   * The call's {@code grpc-timeout}: 1 to 8 digits and a unit ({@code H M S m u n}). A value that
   * does not parse is ignored, as grpc-java's server and Envoy do: the call then has no deadline of
   * its own, and the route's timeouts still bound it.
   */
  static Optional<Duration> timeout(ServerRequestHeaders headers) {
    String v = headers.first(TIMEOUT).orElse(null);
    if (v == null || v.length() < 2 || v.length() > 9) {
      return Optional.empty();
    }
    long amount = 0;
    for (int i = 0; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      amount = amount * 10 + (c - '0');
    }
    return Optional.ofNullable(
        switch (v.charAt(v.length() - 1)) {
          case 'H' -> Duration.ofHours(amount);
          case 'M' -> Duration.ofMinutes(amount);
          case 'S' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMillis(amount);
          case 'u' -> Duration.ofNanos(amount * 1_000);
          case 'n' -> Duration.ofNanos(amount);
          default -> null;
        });
  }

  /**
   * A {@code grpc-message} value: UTF-8, with every byte outside printable ASCII and {@code %}
   * percent-encoded, as the protocol requires.
   */
  static String encodeMessage(String message) {
    byte[] bytes = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xFF;
      if (c >= 0x20 && c <= 0x7E && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return sb.toString();
  }
}
