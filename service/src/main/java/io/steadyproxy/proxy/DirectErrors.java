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
    String code = code(status);
    if (status.code() == 400 && request.path() != null && request.path().indexOf('\\') >= 0) {
      // Helidon's path validation refuses a raw backslash before routing; name it as
      // DotSegmentFilter names every other ambiguous path form
      code = "bad_path";
      detail = "paths with a backslash are not accepted";
    }
    StringBuilder json = new StringBuilder(96).append("{\"error\":");
    ErrorResponses.quote(json, code);
    json.append(",\"detail\":");
    ErrorResponses.quote(json, detail);
    json.append("}\n");
    return TransportResponse.builder()
        .status(status)
        .headers(headers)
        .header(HeaderValues.CONTENT_TYPE_JSON)
        .entity(json.toString())
        .build();
  }

  private static String code(Status status) {
    return switch (status.code()) {
      case 400 -> "bad_request";
      case 403 -> "forbidden";
      case 405 -> "method_not_allowed";
      case 413 -> "payload_too_large";
      case 431 -> "headers_too_large";
      case 414 -> "uri_too_long";
      case 505 -> "http_version_not_supported";
      default -> status.code() >= 500 ? "internal_error" : "bad_request";
    };
  }
}
