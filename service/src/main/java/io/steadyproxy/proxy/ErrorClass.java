package io.steadyproxy.proxy;

/**
 * Every way a request can fail, on either side of the proxy, with the status the client gets while
 * the status can still change and the stable code that names it in JSON error bodies, the access
 * log and the {@code steadyproxy_errors_total{class}} metric. The one vocabulary of failures: no
 * other place invents a code or picks a status for one.
 */
public enum ErrorClass {
  // ---- the upstream side ----
  /** The upstream refused the TCP connection. */
  CONNECT_REFUSED(502, "connect_refused"),
  /** The upstream host name does not resolve. */
  UNKNOWN_HOST(502, "unknown_host"),
  /** TCP or TLS connect took longer than {@code connect_timeout}. */
  CONNECT_TIMEOUT(504, "connect_timeout"),
  /** The TLS handshake failed. */
  TLS_FAILURE(502, "tls_failure"),
  /** No byte from the upstream for {@code read_timeout}. */
  READ_TIMEOUT(504, "read_timeout"),
  /** A write to the upstream made no progress for {@code write_timeout}. */
  WRITE_TIMEOUT(504, "write_timeout"),
  /** The upstream closed or reset the connection. */
  RESET(502, "upstream_reset"),
  /** The upstream answered with something that is not valid HTTP/1.1. */
  PROTOCOL(502, "bad_upstream_response"),
  /** A gRPC call's {@code grpc-timeout} ran out before the upstream answered it whole. */
  DEADLINE_EXCEEDED(504, "deadline_exceeded"),
  /** No upstream connection became free within {@code pool_timeout}. */
  POOL_EXHAUSTED(503, "pool_exhausted"),
  /** {@code max_upgraded_connections} upgraded connections are open already. */
  UPGRADES_EXHAUSTED(503, "upgrades_exhausted"),
  /** An upgraded connection moved no byte for {@code upgrade_idle_timeout}. */
  UPGRADE_IDLE_TIMEOUT(0, "upgrade_idle_timeout"),
  /** An upgraded connection still open when the shutdown grace period ended. */
  SHUTDOWN(0, "shutdown"),

  // ---- the client side (0: the client is gone, nothing can be sent) ----
  /** The client closed its connection before the exchange ended. */
  CLIENT_ABORT(0, "client_abort"),
  /** No complete request head within {@code client_header_timeout}. */
  CLIENT_HEADER_TIMEOUT(408, "client_header_timeout"),
  /** No request body data for {@code client_body_timeout}. */
  CLIENT_BODY_TIMEOUT(408, "client_body_timeout"),
  /** The client took no response data for {@code send_timeout}. */
  CLIENT_SEND_TIMEOUT(0, "client_send_timeout"),
  /** The request body broke its framing (a bad chunk). */
  BAD_REQUEST_BODY(400, "bad_request_body"),
  /** The request body is larger than {@code max_request_body}. */
  PAYLOAD_TOO_LARGE(413, "payload_too_large"),

  // ---- what the proxy refuses ----
  /** Memory above the limit: load is shed. */
  OVERLOADED(503, "overloaded"),
  /** CONNECT: a reverse proxy does not tunnel. */
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  /** A request-target that is not in origin form. */
  BAD_REQUEST_TARGET(400, "bad_request_target"),
  /** No route matches the path. */
  NO_ROUTE(404, "no_route"),
  /** An ambiguous spelling of a path (dot segments, encoded separators, NUL). */
  BAD_PATH(400, "bad_path"),
  /** A request the HTTP parser refused. */
  BAD_REQUEST(400, "bad_request"),
  /** A request line longer than the server takes. */
  URI_TOO_LONG(414, "uri_too_long"),
  /** A header section larger than the server takes. */
  HEADERS_TOO_LARGE(431, "headers_too_large"),
  /** An HTTP version the server does not speak. */
  HTTP_VERSION_NOT_SUPPORTED(505, "http_version_not_supported"),
  /** An HTTP/1.x request to a {@code grpc} route: gRPC needs HTTP/2. */
  HTTP2_REQUIRED(505, "http2_required"),
  /** Admin routes without a token. */
  UNAUTHORIZED(401, "unauthorized"),
  /** Admin routes with a wrong token, or from a non-loopback client without one. */
  FORBIDDEN(403, "forbidden"),
  /** An admin action asked for again too soon. */
  TOO_MANY_REQUESTS(429, "too_many_requests"),
  /**
   * The admin token file ({@code admin_token_file}) can't be read or is empty: admin routes refuse
   * everyone until it is back, rather than fall back to "no token" (loopback-open).
   */
  ADMIN_TOKEN_UNAVAILABLE(503, "admin_token_unavailable"),
  /** A failure of the proxy itself. */
  INTERNAL_ERROR(500, "internal_error");

  private final int status;
  private final String code;

  ErrorClass(int status, String code) {
    this.status = status;
    this.code = code;
  }

  /** HTTP status for the client; 0 when nothing can be sent. */
  public int status() {
    return status;
  }

  /**
   * The gRPC status code a gRPC client gets for this failure of the proxy (the codes of grpc/grpc
   * {@code doc/statuscodes.md}), following grpc-java's and Envoy's use: a call that never reached
   * the upstream, or whose connection broke, is UNAVAILABLE (14, which clients may retry); a limit
   * of the proxy is RESOURCE_EXHAUSTED (8); a timeout after the call was sent is DEADLINE_EXCEEDED
   * (4, not retried: the upstream may have acted); a broken upstream answer is INTERNAL (13); the
   * rest follow grpc's HTTP-to-gRPC table ({@code doc/http-grpc-status-mapping.md}: 401
   * UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429 UNAVAILABLE, other INTERNAL).
   */
  public int grpcStatus() {
    return switch (this) {
      case CONNECT_REFUSED, UNKNOWN_HOST, CONNECT_TIMEOUT, TLS_FAILURE, RESET, SHUTDOWN -> 14;
      case TOO_MANY_REQUESTS, ADMIN_TOKEN_UNAVAILABLE -> 14;
      case POOL_EXHAUSTED, UPGRADES_EXHAUSTED, OVERLOADED, PAYLOAD_TOO_LARGE -> 8;
      case READ_TIMEOUT, WRITE_TIMEOUT, DEADLINE_EXCEEDED, UPGRADE_IDLE_TIMEOUT -> 4;
      case CLIENT_ABORT, CLIENT_HEADER_TIMEOUT, CLIENT_BODY_TIMEOUT, CLIENT_SEND_TIMEOUT -> 1;
      case UNAUTHORIZED -> 16;
      case FORBIDDEN -> 7;
      case NO_ROUTE, METHOD_NOT_ALLOWED -> 12;
      case PROTOCOL,
          BAD_REQUEST_BODY,
          BAD_REQUEST_TARGET,
          BAD_PATH,
          BAD_REQUEST,
          URI_TOO_LONG,
          HEADERS_TOO_LARGE,
          HTTP_VERSION_NOT_SUPPORTED,
          HTTP2_REQUIRED,
          INTERNAL_ERROR ->
          13;
    };
  }

  /** Stable machine-readable name, used in JSON bodies, logs and metric labels. */
  public String code() {
    return code;
  }
}
