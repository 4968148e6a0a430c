package io.steadyproxy.http2;

import io.helidon.common.Weight;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.spi.Http1UpgradeProvider;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2UpgradeProvider;
import io.helidon.webserver.spi.ServerConnection;
import java.util.Locale;

/**
 * The h2c upgrade (RFC 7540 section 3.2) done only when the request really asks for it: Helidon's
 * own upgrader, ahead of which this one is found (a higher weight for the same protocol), but only
 * for a cleartext request that carries {@code HTTP2-Settings} and names both {@code Upgrade} and
 * {@code HTTP2-Settings} in {@code Connection}. Any other request that says {@code Upgrade: h2c} is
 * served as the HTTP/1.1 request it is, as RFC 9110 section 7.8 lets a server ignore an upgrade
 * (Helidon 4.5.0's upgrader answers such a request with a 500 instead). Loaded by Helidon's
 * HTTP/1.1 connection provider through {@link java.util.ServiceLoader}; with {@code http2: false}
 * there is no HTTP/2 protocol configuration and neither upgrader is created.
 */
@Weight(200)
public final class H2cUpgradeProvider implements Http1UpgradeProvider<Http2Config> {
  private static final HeaderName HTTP2_SETTINGS = HeaderNames.create("HTTP2-Settings");
  private final Http2UpgradeProvider helidon = new Http2UpgradeProvider();

  /** For {@link java.util.ServiceLoader}. */
  public H2cUpgradeProvider() {}

  @Override
  public String protocolType() {
    return helidon.protocolType();
  }

  @Override
  public Class<Http2Config> protocolConfigType() {
    return Http2Config.class;
  }

  @Override
  public Http1Upgrader create(Http2Config config, ProtocolConfigs configs) {
    Http1Upgrader upgrader = helidon.create(config, configs);
    return new Http1Upgrader() {
      @Override
      public String supportedProtocol() {
        return upgrader.supportedProtocol();
      }

      @Override
      public ServerConnection upgrade(
          ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
        return asksForH2c(ctx.isSecure(), headers)
            ? upgrader.upgrade(ctx, prologue, headers)
            : null;
      }
    };
  }

  /** Whether a request is a well-formed h2c upgrade: cleartext, settings sent, both named. */
  static boolean asksForH2c(boolean secure, WritableHeaders<?> headers) {
    if (secure || !headers.contains(HTTP2_SETTINGS) || !headers.contains(HeaderNames.CONNECTION)) {
      return false;
    }
    boolean upgrade = false;
    boolean settings = false;
    for (String value : headers.get(HeaderNames.CONNECTION).allValues()) {
      for (String token : value.split(",")) {
        String t = token.strip().toLowerCase(Locale.ROOT);
        upgrade |= t.equals("upgrade");
        settings |= t.equals("http2-settings");
      }
    }
    return upgrade && settings;
  }
}
