package io.steadyproxy.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.time.Duration;

/**
 * Closes the connection after a response that says {@code Connection: close}, whether the client
 * asked for it or a handler did (load shedding), as RFC 9112 section 9.6 requires of a server that
 * sends it. Helidon 4.5.0 sends the header but then goes on reading the connection: the close is
 * left to the client, and body bytes nobody read are parsed as the next request.
 *
 * <p>Before closing, the rest of an unread request body is read and dropped for up to {@link
 * #LINGER}, as nginx's lingering close does: closing a socket with unread data in it makes the
 * kernel send a reset, and the reset can destroy the response before the client has read it.
 */
public final class ConnectionCloseFilter implements Filter {
  /** The longest a closing connection reads and drops an unread request body (nginx: 5-30 s). */
  public static final Duration LINGER = Duration.ofSeconds(5);

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    chain.proceed();
    if (res.isSent() && HopByHop.hasToken(res.headers(), HeaderNames.CONNECTION, "close")) {
      discardBody(req, LINGER);
      throw new CloseConnectionException("closed after a response that said Connection: close");
    }
  }

  /**
   * Reads and drops what is left of a request body, for up to {@code max}, on a thread of its own:
   * when the time runs out the caller closes the connection, and that ends the read. A client that
   * sent {@code Expect: 100-continue} and got a final answer instead of the 100 sends no body;
   * Helidon then reads none.
   *
   * @return true if the body was read to its end in time (the connection can be kept)
   */
  static boolean discardBody(ServerRequest req, Duration max) {
    if (req.content().consumed()) {
      return true;
    }
    Thread reader =
        Thread.ofVirtual()
            .name("linger")
            .start(
                () -> {
                  try {
                    req.content().consume(); // goes on from where an earlier reader stopped
                  } catch (RuntimeException e) {
                    // the client closed or broke its framing: nothing more to read either way
                  }
                });
    try {
      return reader.join(max) && req.content().consumed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
