package io.steadyproxy.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * The one place where failures become HTTP answers: a status chosen by the failure's kind and a
 * small JSON body {@code {"error": "...", "detail": "...", "upstream": "..."}}.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** Answers an upstream failure (only while the response has not started). */
  public static void send(ServerResponse res, UpstreamException e) {
    if (e.kind() == UpstreamException.Kind.POOL_EXHAUSTED) {
      res.header(HeaderNames.RETRY_AFTER, "1");
    }
    send(res, e.kind().status(), e.kind().code(), e.getMessage(), e.upstream());
  }

  /** Answers with a status and a JSON error body. */
  public static void send(
      ServerResponse res, int status, String error, String detail, String upstream) {
    StringBuilder json = new StringBuilder(128).append("{\"error\":");
    quote(json, error);
    json.append(",\"detail\":");
    quote(json, detail == null ? "" : detail);
    if (upstream != null) {
      json.append(",\"upstream\":");
      quote(json, upstream);
    }
    json.append("}\n");
    res.status(Status.create(status));
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Appends {@code s} as a JSON string literal. */
  public static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
