package io.steadyproxy.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one place where failures become HTTP answers: the status an {@link ErrorClass} carries and a
 * small JSON body {@code {"error": "...", "detail": "...", "upstream": "..."}}, whether Helidon
 * sends it, a direct handler does, or a raw socket write before any request could be read.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** Answers an upstream failure (only while the response has not started). */
  public static void send(ServerResponse res, UpstreamException e) {
    if (e.kind() == ErrorClass.POOL_EXHAUSTED || e.kind() == ErrorClass.UPGRADES_EXHAUSTED) {
      res.header(HeaderNames.RETRY_AFTER, "1");
    }
    send(res, e.kind(), e.getMessage(), e.upstream());
  }

  /**
   * Answers a gRPC call the proxy could not complete, as gRPC wants it: HTTP 200, {@code
   * content-type: application/grpc}, and {@code grpc-status} with {@code grpc-message} in the one
   * HEADERS frame that ends the stream (a trailers-only response). The code is {@link
   * ErrorClass#grpcStatus}; the message is the JSON error body's detail, prefixed by the class.
   *
   * @return the grpc-status sent
   */
  public static String sendGrpc(ServerResponse res, ErrorClass error, String detail) {
    String code = Integer.toString(error.grpcStatus());
    res.status(Status.OK_200);
    res.header(HeaderNames.CONTENT_TYPE, "application/grpc");
    res.header(Grpc.STATUS, code);
    res.header(
        Grpc.MESSAGE, Grpc.encodeMessage(error.code() + (detail == null ? "" : ": " + detail)));
    endWithHead(res);
    return code;
  }

  /**
   * Sends a response head that ends the stream, with no body and no trailers: on HTTP/2 one HEADERS
   * frame with END_STREAM, which is what gRPC's trailers-only form must be (HTTP/2 requests only:
   * on HTTP/1.1 {@code send()} is right). Helidon 4.5.0's {@code send()} on HTTP/2 writes the head
   * and then an empty DATA frame that ends the stream (grpc-java fails such a call: "unexpected EOS
   * on empty DATA frame"); an output stream closed unwritten writes the head alone with END_STREAM,
   * as long as the head announces no trailers (Helidon adds {@code Trailer: stream-result} for a
   * client that sent {@code te: trailers}, as every gRPC client does; it is removed just before the
   * head goes out).
   */
  static void endWithHead(ServerResponse res) {
    res.beforeSend(() -> res.headers().remove(HeaderNames.TRAILER));
    try {
      res.outputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers with the class's status and a JSON error body. */
  public static void send(ServerResponse res, ErrorClass error, String detail) {
    send(res, error, detail, null);
  }

  private static void send(ServerResponse res, ErrorClass error, String detail, String upstream) {
    res.status(Status.create(error.status()));
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(json(error, detail, upstream).getBytes(StandardCharsets.UTF_8));
  }

  /** The JSON error body, one line. */
  public static String json(ErrorClass error, String detail, String upstream) {
    StringBuilder json = new StringBuilder(128).append("{\"error\":");
    quote(json, error.code());
    json.append(",\"detail\":");
    quote(json, detail == null ? "" : detail);
    if (upstream != null) {
      json.append(",\"upstream\":");
      quote(json, upstream);
    }
    return json.append("}\n").toString();
  }

  /**
   * A whole HTTP/1.1 answer with the JSON body and {@code Connection: close}, for writing straight
   * to a socket on which no request could be read (a client that timed out in its head, a
   * connection refused at accept).
   *
   * @param extraHeaders more header lines, each ending in CRLF (may be empty)
   */
  public static byte[] raw(ErrorClass error, String detail, String extraHeaders) {
    String body = json(error, detail, null);
    Status status = Status.create(error.status());
    return ("HTTP/1.1 "
            + status.code()
            + " "
            + status.reasonPhrase()
            + "\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
            + extraHeaders
            + "Connection: close\r\nContent-Length: "
            + body.getBytes(StandardCharsets.UTF_8).length
            + "\r\n\r\n"
            + body)
        .getBytes(StandardCharsets.UTF_8);
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
