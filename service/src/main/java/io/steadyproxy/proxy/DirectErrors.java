package io.steadyproxy.proxy;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Answers for requests the server rejects before routing (malformed request line or headers,
 * smuggling attempts, oversized heads, unsupported versions): the same small JSON body as every
 * other error, instead of Helidon's plain-text default. An oversized header section is a 431 (RFC
 * 6585), not a generic 400.
 */
public final class DirectErrors implements DirectHandler {
  private DirectErrors() {}

  /** Direct handlers for every event type. */
  public static DirectHandlers handlers() {
    DirectHandlers.Builder builder = DirectHandlers.builder();
    DirectErrors handler = new DirectErrors();
    for (EventType type : EventType.values()) {
      builder.addHandler(type, handler);
    }
    return builder.build();
  }

  @Override
  public TransportResponse handle(
      TransportRequest request,
      EventType eventType,
      Status defaultStatus,
      ServerResponseHeaders headers,
      String message) {
    Status status = defaultStatus;
    String detail = message == null || message.isBlank() ? defaultStatus.reasonPhrase() : message;
    if (detail.contains("Header size exceeded")) {
      status = Status.create(431, "Request Header Fields Too Large");
      detail = "request header section too large";
    }
    if ("CONNECT".equals(request.method())) {
      // authority-form targets fail Helidon's parser; the honest answer is that we do not tunnel
      status = Status.METHOD_NOT_ALLOWED_405;
      detail = "CONNECT is not supported: SteadyProxy is a reverse proxy, not a forward proxy";
    }
    ErrorClass error = classOf(status);
    if (status.code() == 400 && request.path() != null && request.path().indexOf('\\') >= 0) {
      // Helidon's path validation refuses a raw backslash before routing; name it as
      // DotSegmentFilter names every other ambiguous path form
      error = ErrorClass.BAD_PATH;
      detail = "paths with a backslash are not accepted";
    }
    return TransportResponse.builder()
        .status(status)
        .headers(headers)
        .header(HeaderValues.CONTENT_TYPE_JSON)
        .entity(ErrorResponses.json(error, detail, null))
        .build();
  }

  /** The class that names a status Helidon's parser chose. */
  private static ErrorClass classOf(Status status) {
    return switch (status.code()) {
      case 403 -> ErrorClass.FORBIDDEN;
      case 405 -> ErrorClass.METHOD_NOT_ALLOWED;
      case 413 -> ErrorClass.PAYLOAD_TOO_LARGE;
      case 414 -> ErrorClass.URI_TOO_LONG;
      case 431 -> ErrorClass.HEADERS_TOO_LARGE;
      case 505 -> ErrorClass.HTTP_VERSION_NOT_SUPPORTED;
      default -> status.code() >= 500 ? ErrorClass.INTERNAL_ERROR : ErrorClass.BAD_REQUEST;
    };
  }
}
