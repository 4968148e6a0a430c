package io.steadyproxy.proxy;

import java.net.URI;
import java.util.Locale;

/**
 * Where upstream connections go: the pool keeps idle connections per endpoint.
 *
 * @param host host name or address
 * @param port TCP port
 * @param tls whether connections use TLS ({@code https})
 */
public record UpstreamEndpoint(String host, int port, boolean tls) {

  /** The endpoint of an {@code http}/{@code https} base URL. */
  public static UpstreamEndpoint of(URI uri) {
    boolean tls = "https".equals(uri.getScheme().toLowerCase(Locale.ROOT));
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    return new UpstreamEndpoint(uri.getHost(), port, tls);
  }

  /**
   * The {@code Host} header value for requests to this endpoint (the port only when not the
   * default).
   */
  public String authority() {
    boolean defaultPort = tls ? port == 443 : port == 80;
    return defaultPort ? host : host + ":" + port;
  }

  @Override
  public String toString() {
    return (tls ? "https://" : "http://") + host + ":" + port;
  }
}
