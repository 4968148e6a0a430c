package io.steadyproxy.http10;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.Bytes;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.http1.Http1ConnectionSelectorConfig;
import io.helidon.webserver.spi.ProtocolConfig;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.util.List;
import java.util.Set;

/**
 * The listener's HTTP/1.x connection selector: Helidon's HTTP/1.1 one, which also takes connections
 * whose first request says HTTP/1.0. Helidon 4.5.0 has no HTTP/1.0 at all: its selector claims only
 * request lines ending in {@code HTTP/1.1}, and its prologue parser refuses 1.0 (505), so such a
 * connection is closed without an answer. Here a connection whose first request line ends in {@code
 * HTTP/1.0} is served by the same Helidon HTTP/1.1 connection (same routing, limits, listeners,
 * error handling), through translators that make each HTTP/1.0 exchange the HTTP/1.1 exchange with
 * the same meaning ({@link RequestTranslator}, {@link ResponseTranslator}).
 *
 * <p>It replaces Helidon's selector rather than going ahead of it, so the listener keeps one
 * candidate: with one, Helidon hands it every connection without sniffing the first bytes (with
 * two, it copies them per connection, and an over-long request line then gets no 414). The choice
 * is made in {@link SniffingConnection#handle} from the first request line instead.
 */
public final class Http10AwareSelector implements ServerConnectionSelector {
  private static final String HTTP_11 = " HTTP/1.1\r";
  private static final String HTTP_10 = " HTTP/1.0\r";

  private final Http1ConnectionSelector http1;
  private final int maxPrologue;
  private final int maxHeaders;

  /**
   * @param config the HTTP/1.1 protocol configuration (listeners, limits), for both versions
   */
  public Http10AwareSelector(Http1Config config) {
    this(Http1ConnectionSelector.builder().config(config).buildPrototype());
  }

  /**
   * Helidon's HTTP/1.1 selector as its own provider makes it for these protocols (the first is the
   * HTTP/1.1 configuration), with the upgraders it discovers for the others (h2c when HTTP/2 is
   * among them), taking HTTP/1.0 clients too.
   *
   * @param socketName the listener's name
   * @param protocols the listener's protocols, HTTP/1.1 first
   */
  public static Http10AwareSelector over(String socketName, List<ProtocolConfig> protocols) {
    Http1Config http1 = (Http1Config) protocols.getFirst();
    Http1ConnectionSelector selector =
        (Http1ConnectionSelector)
            new Http1ConnectionProvider()
                .create(socketName, http1, ProtocolConfigs.create(protocols));
    return new Http10AwareSelector(selector.prototype());
  }

  /**
   * With HTTP/1.1 upgraders (h2c, WebSocket) too: they apply to HTTP/1.1 requests only, as RFC 9110
   * 7.8 has a server ignore Upgrade in an HTTP/1.0 request.
   *
   * @param selector Helidon's HTTP/1.1 selector configuration: the protocol's and its upgraders
   */
  public Http10AwareSelector(Http1ConnectionSelectorConfig selector) {
    this.http1 = Http1ConnectionSelector.builder().from(selector).build();
    this.maxPrologue = selector.config().maxPrologueLength();
    this.maxHeaders = selector.config().maxHeadersSize();
  }

  @Override
  public int bytesToIdentifyConnection() {
    return 0;
  }

  /** As Helidon's HTTP/1.1 selector decides, with HTTP/1.0 request lines taken too. */
  @Override
  public Support supports(BufferData data) {
    int lf = data.indexOf(Bytes.LF_BYTE);
    if (lf == -1) {
      return data.available() <= maxPrologue ? Support.SUPPORTED : Support.UNSUPPORTED;
    }
    String line = data.readString(lf);
    return line.endsWith(HTTP_11) || line.endsWith(HTTP_10)
        ? Support.SUPPORTED
        : Support.UNSUPPORTED;
  }

  @Override
  public Set<String> supportedApplicationProtocols() {
    return http1.supportedApplicationProtocols();
  }

  @Override
  public ServerConnection connection(ConnectionContext ctx) {
    return new SniffingConnection(ctx, http1, maxPrologue, maxHeaders);
  }
}
