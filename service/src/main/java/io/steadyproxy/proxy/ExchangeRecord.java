package io.steadyproxy.proxy;

/**
 * What one proxied request did, handed to observers (request log, metrics) when it ends.
 *
 * @param route prefix of the matched route, or {@code -} when none matched
 * @param method request method
 * @param path raw request path (without the query)
 * @param status status sent to the client (0 if the client connection closed before one was sent)
 * @param nanos time from the request's arrival to its end
 * @param bytesIn request body bytes read from the client
 * @param bytesOut response body bytes written to the client
 * @param upstream upstream endpoint, or {@code -}
 * @param error failure class, or null
 */
public record ExchangeRecord(
    String route,
    String method,
    String path,
    int status,
    long nanos,
    long bytesIn,
    long bytesOut,
    String upstream,
    ErrorClass error) {

  /** Receives every finished exchange; must not block. */
  @FunctionalInterface
  public interface Observer {
    /** Called once per request, on the request's thread. */
    void completed(ExchangeRecord record);
  }
}
