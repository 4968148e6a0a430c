package io.steadyproxy.routing;

import java.util.Locale;
import java.util.Optional;

/**
 * How a route speaks to its upstream. {@code http1} is HTTP/1.1 on pooled keep-alive connections;
 * {@code h2c} is HTTP/2 (prior knowledge on {@code http}, ALPN {@code h2} on {@code https}), with
 * streaming both ways and trailers; {@code grpc} is {@code h2c} plus gRPC's own answers when the
 * proxy itself fails (HTTP 200 with {@code grpc-status}), {@code grpc-timeout} deadlines, and a
 * refusal of HTTP/1.x clients.
 */
public enum Protocol {
  /** HTTP/1.1 to the upstream (the default). */
  HTTP1("http1"),
  /** HTTP/2 to the upstream. */
  H2C("h2c"),
  /** HTTP/2 to the upstream, with gRPC deadlines and error answers. */
  GRPC("grpc");

  private final String configName;

  Protocol(String configName) {
    this.configName = configName;
  }

  /** The name config sources use ({@code http1}, {@code h2c}, {@code grpc}). */
  public String configName() {
    return configName;
  }

  /** Whether the upstream is spoken to in HTTP/2. */
  public boolean http2() {
    return this != HTTP1;
  }

  /** The protocol a config value names (case-insensitive), or empty for any other value. */
  public static Optional<Protocol> parse(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    for (Protocol p : values()) {
      if (p.configName.equals(v)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
