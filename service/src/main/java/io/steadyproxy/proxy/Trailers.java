package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The trailer section of a chunked upstream response (RFC 9112 section 7.1.2), and the rules for
 * relaying it. Trailers reach the client only when it said it takes them ({@code TE: trailers}, RFC
 * 9110 section 10.1.4); otherwise they are read off the upstream connection and dropped, and the
 * body still ends with a clean last chunk. The section is bounded like a response head: a larger
 * one is a protocol error, not a buffer that grows.
 *
 * <p>Fields that must not be sent as trailers (RFC 9110 section 6.5.1: framing, routing, request
 * modifiers, authentication, response control data, the content's own metadata) and hop-by-hop
 * fields are never relayed, whatever the upstream sent: a client that merged them would otherwise
 * take them for header fields.
 */
final class Trailers {
  /** No trailer section, or only its empty line. */
  static final Trailers NONE = new Trailers(List.of(), List.of());

  /** Helidon's own trailer, added to every chunked answer to a client that sent TE: trailers. */
  private static final HeaderName STREAM_RESULT = HeaderNames.create("stream-result");

  private static final Set<String> NEVER_RELAYED =
      Set.of(
          // framing and routing
          "content-length",
          "transfer-encoding",
          "trailer",
          "host",
          // request modifiers and response control data
          "cache-control",
          "expect",
          "max-forwards",
          "pragma",
          "range",
          "te",
          "age",
          "expires",
          "date",
          "location",
          "retry-after",
          "vary",
          "warning",
          // authentication and cookies
          "authorization",
          "proxy-authenticate",
          "proxy-authorization",
          "www-authenticate",
          "set-cookie",
          "cookie",
          // how to process the content
          "content-encoding",
          "content-type",
          "content-range",
          // hop-by-hop
          "connection",
          "keep-alive",
          "proxy-connection",
          "upgrade",
          // the proxy's own
          "x-request-id",
          "stream-result");

  private final List<String> names;
  private final List<String> values;

  private Trailers(List<String> names, List<String> values) {
    this.names = names;
    this.values = values;
  }

  /**
   * Reads the trailer section after a last chunk, up to and including its empty line. Lines that
   * are not valid field lines are kept out of the result (the section still ends where it ends, so
   * the connection stays usable); more than {@link ResponseHead#MAX_FIELDS} fields or {@link
   * ResponseHead#MAX_HEAD} bytes is an upstream protocol error, as for a head.
   */
  static Trailers read(UpstreamConnection connection) {
    String line = connection.readLine(ResponseHead.MAX_LINE);
    if (line.isEmpty()) {
      return NONE; // the usual case: no trailers
    }
    List<String> names = new ArrayList<>(4);
    List<String> values = new ArrayList<>(4);
    int total = 0;
    int fields = 0;
    do {
      total += line.length() + 2;
      if (total > ResponseHead.MAX_HEAD) {
        throw bad(connection, "trailer section larger than " + ResponseHead.MAX_HEAD + " bytes");
      }
      if (++fields > ResponseHead.MAX_FIELDS) {
        throw bad(connection, "more than " + ResponseHead.MAX_FIELDS + " trailer fields");
      }
      int colon = line.indexOf(':');
      if (colon > 0 && ResponseHead.isToken(line, colon)) {
        String value = line.substring(colon + 1).strip();
        if (ResponseHead.isFieldValue(value)) {
          names.add(line.substring(0, colon));
          values.add(value);
        }
      }
    } while (!(line = connection.readLine(ResponseHead.MAX_LINE)).isEmpty());
    return new Trailers(names, values);
  }

  /** Whether the client takes trailers: a {@code trailers} member in its TE field. */
  static boolean acceptedBy(ServerRequestHeaders headers) {
    if (!headers.contains(HeaderNames.TE)) {
      return false;
    }
    for (String value : headers.get(HeaderNames.TE).allValues()) {
      for (String member : value.split(",")) {
        int params = member.indexOf(';');
        String coding = (params < 0 ? member : member.substring(0, params)).strip();
        if (coding.equalsIgnoreCase("trailers")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Copies the upstream's {@code Trailer} declaration (the names it announced, minus those never
   * relayed) to the client's response head.
   */
  static void declare(
      List<HeaderName> headNames, List<String> headValues, ServerResponseHeaders to) {
    List<String> declared = new ArrayList<>(2);
    for (int i = 0; i < headNames.size(); i++) {
      if (headNames.get(i).lowerCase().equals("trailer")) {
        for (String name : headValues.get(i).split(",")) {
          String n = name.strip();
          if (!n.isEmpty() && !NEVER_RELAYED.contains(n.toLowerCase(Locale.ROOT))) {
            declared.add(n);
          }
        }
      }
    }
    if (!declared.isEmpty()) {
      to.set(HeaderNames.TRAILER, String.join(", ", declared));
    }
  }

  /** Whether the section carried no field worth relaying. */
  boolean isEmpty() {
    return names.isEmpty();
  }

  /**
   * Sets the trailers the client gets: these fields, minus those never relayed, in place of
   * Helidon's own {@code stream-result} trailer (an implementation detail of Helidon's server, not
   * the upstream's message).
   */
  void writeTo(ServerResponseTrailers to) {
    to.remove(STREAM_RESULT);
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (!NEVER_RELAYED.contains(name.toLowerCase(Locale.ROOT))) {
        to.add(HeaderNames.create(name), values.get(i));
      }
    }
  }

  private static UpstreamException bad(UpstreamConnection connection, String what) {
    return new UpstreamException(ErrorClass.PROTOCOL, connection.endpoint().toString(), what);
  }
}
