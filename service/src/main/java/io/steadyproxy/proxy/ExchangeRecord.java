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
 * @param client the client's IP address
 * @param query the raw query string, or null
 * @param protocol the request's protocol and version ({@code HTTP/1.1})
 * @param userAgent the User-Agent, or null
 * @param requestId the request id: the client's valid {@code X-Request-Id}, or one made here
 * @param upstreamNanos time from asking the pool to the upstream's response head (nginx's
 *     $upstream_header_time), -1 when no upstream answered
 * @param grpcStatus the {@code grpc-status} a gRPC call ended with (the upstream's, or the proxy's
 *     own when it failed the call), or null
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
    ErrorClass error,
    String client,
    String query,
    String protocol,
    String userAgent,
    String requestId,
    long upstreamNanos,
    String grpcStatus) {

  /** Receives every finished exchange; must not block. */
  @FunctionalInterface
  public interface Observer {
    /** Called once per request, on the request's thread. */
    void completed(ExchangeRecord record);
  }
}
