package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;

/**
 * Keeps connection-specific fields out of HTTP/2 responses (RFC 9113 section 8.2.2: a message that
 * carries one is malformed, and curl and browsers fail the stream). The proxy's own answers say
 * {@code Connection: close} where HTTP/1.1 needs it (load shedding, a broken request body), and
 * Helidon 4.5.0's HTTP/2 server sends whatever the response holds. On HTTP/2 the stream ends by
 * itself and the connection carries other streams, so the field is simply dropped, just before the
 * head is written; {@link ConnectionCloseFilter} then sees no close to perform.
 */
public final class Http2Responses implements Filter {
  private static final List<HeaderName> CONNECTION_SPECIFIC =
      List.of(
          HeaderNames.CONNECTION,
          HeaderNames.create("Keep-Alive"),
          HeaderNames.create("Proxy-Connection"),
          HeaderNames.TRANSFER_ENCODING,
          HeaderNames.UPGRADE);

  /** Whether a request came over HTTP/2 (h2 or h2c). */
  public static boolean isHttp2(HttpPrologue prologue) {
    return "2.0".equals(prologue.protocolVersion());
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    if (isHttp2(req.prologue())) {
      res.beforeSend(
          () -> {
            ServerResponseHeaders h = res.headers();
            for (HeaderName name : CONNECTION_SPECIFIC) {
              h.remove(name);
            }
          });
    }
    chain.proceed();
  }
}
