package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.ServerResponseHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The status line and header fields of an upstream response, parsed strictly (RFC 9112): a proxy
 * that accepts sloppy framing from an upstream passes request-smuggling bugs on to its clients.
 *
 * @param status status code
 * @param reason reason phrase (may be empty)
 * @param names header names, in order (Helidon's constants for the well-known spellings)
 * @param values header values, parallel to {@code names}
 * @param contentLength the Content-Length, or -1
 * @param chunked whether Transfer-Encoding ends in {@code chunked}
 * @param close whether the connection must close after this response: the upstream asked, or the
 *     body runs until the upstream closes (no length, not chunked)
 */
record ResponseHead(
    int status,
    String reason,
    List<HeaderName> names,
    List<String> values,
    long contentLength,
    boolean chunked,
    boolean close) {

  static final int MAX_LINE = 16 * 1024;
  static final int MAX_HEAD = 64 * 1024;
  static final int MAX_FIELDS = 200;

  /**
   * Interim (1xx) heads accepted before the final one. A real server sends one 100 Continue and a
   * few 103 Early Hints; more is an upstream stalling or flooding. nginx 1.29 bounds early hints by
   * proxy_buffer_size instead, so both the count and the whole-head time are bounded here.
   */
  static final int MAX_INTERIM = 8;

  /**
   * Reads the next final (non-1xx) response head from the connection. The read timeout bounds all
   * of it, interim heads included, not each read: an upstream that drips a byte, or sends a 103,
   * just inside each read's timeout would otherwise hold the request for as long as it likes.
   */
  static ResponseHead read(UpstreamConnection connection) {
    return read(connection, false);
  }

  /**
   * Reads the next final response head; with {@code upgradeAsked}, a 101 Switching Protocols is
   * final too (the proxy forwarded the client's Upgrade).
   */
  static ResponseHead read(UpstreamConnection connection, boolean upgradeAsked) {
    connection.beginHead();
    try {
      for (int interim = 0; ; interim++) {
        ResponseHead head = readOne(connection);
        if (head.status() >= 200 || (head.status() == 101 && upgradeAsked)) {
          return head;
        }
        if (head.status() == 101) {
          // The proxy strips Upgrade from every request that is not an upgrade (it is hop-by-hop),
          // so this 101 answers a request nobody made; relayed, it would turn the client's
          // connection into a raw pipe.
          throw new UpstreamException(
              ErrorClass.PROTOCOL,
              connection.endpoint().toString(),
              "unsolicited 101 Switching Protocols (the proxy sent no Upgrade)");
        }
        if (interim == MAX_INTERIM) {
          throw new UpstreamException(
              ErrorClass.PROTOCOL,
              connection.endpoint().toString(),
              "more than " + MAX_INTERIM + " interim 1xx responses");
        }
        // 1xx interim responses (100 Continue, 103 Early Hints) are consumed here, not relayed.
      }
    } finally {
      connection.endHead();
    }
  }

  private static ResponseHead readOne(UpstreamConnection connection) {
    String upstream = connection.endpoint().toString();
    String statusLine = connection.readLine(MAX_LINE);
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]
    if (statusLine.length() < 12
        || !statusLine.startsWith("HTTP/1.")
        || statusLine.charAt(8) != ' '
        || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
      throw new UpstreamException(
          ErrorClass.PROTOCOL, upstream, "malformed status line: " + printable(statusLine));
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
      char ch = statusLine.charAt(i);
      if (ch < '0' || ch > '9') {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "malformed status code: " + printable(statusLine));
      }
      status = status * 10 + (ch - '0');
    }
    if (status < 100) {
      throw new UpstreamException(
          ErrorClass.PROTOCOL, upstream, "status code below 100: " + status);
    }
    boolean http10 = statusLine.charAt(7) == '0';
    String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
    // reason-phrase = *( HTAB / SP / VCHAR / obs-text ). The phrase is relayed to the client, and a
    // bare CR in it reads as a line end to lenient clients: a header injected by the upstream.
    // nginx fails the status line on a CR not followed by LF (502); any control character is
    // refused here.
    if (!isFieldValue(reason)) {
      throw new UpstreamException(
          ErrorClass.PROTOCOL,
          upstream,
          "control characters in the reason phrase of status " + status);
    }

    List<HeaderName> names = new ArrayList<>(16);
    List<String> values = new ArrayList<>(16);
    long contentLength = -1;
    boolean chunked = false;
    boolean hasTransferEncoding = false;
    boolean close = http10;
    int total = statusLine.length();
    while (true) {
      // parsed where the bytes lie: one String per field value, none per line or name
      int length = connection.nextLine(MAX_LINE);
      byte[] b = connection.lineBuffer();
      int from = connection.lineStart();
      int end = from + length;
      total += length + 2;
      if (total > MAX_HEAD) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "response head larger than " + MAX_HEAD + " bytes");
      }
      if (length == 0) {
        break;
      }
      if (names.size() >= MAX_FIELDS) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "more than " + MAX_FIELDS + " response header fields");
      }
      if (b[from] == ' ' || b[from] == '\t') {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "obsolete line folding in response header");
      }
      int colon = from;
      while (colon < end && b[colon] != ':') {
        colon++;
      }
      if (colon == end || !isToken(b, from, colon)) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL,
            upstream,
            "malformed response header: "
                + printable(new String(b, from, length, StandardCharsets.ISO_8859_1)));
      }
      HeaderName name = KnownHeaderNames.of(b, from, colon - from);
      int valueFrom = colon + 1;
      int valueEnd = end;
      while (valueFrom < valueEnd && (b[valueFrom] == ' ' || b[valueFrom] == '\t')) {
        valueFrom++;
      }
      while (valueEnd > valueFrom && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
        valueEnd--;
      }
      if (!isFieldValue(b, valueFrom, valueEnd)) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL,
            upstream,
            "invalid characters in response header " + name.defaultCase());
      }
      String value = new String(b, valueFrom, valueEnd - valueFrom, StandardCharsets.ISO_8859_1);
      switch (name.lowerCase()) {
        case "content-length" -> {
          long parsed = parseLength(value, upstream);
          if (contentLength != -1 && contentLength != parsed) {
            throw new UpstreamException(
                ErrorClass.PROTOCOL, upstream, "conflicting Content-Length values");
          }
          contentLength = parsed;
        }
        case "transfer-encoding" -> {
          hasTransferEncoding = true;
          String lower = value.toLowerCase(Locale.ROOT);
          chunked =
              lower.equals("chunked") || lower.endsWith(",chunked") || lower.endsWith(" chunked");
        }
        case "connection" -> {
          String lower = value.toLowerCase(Locale.ROOT);
          if (lower.contains("close")) {
            close = true;
          } else if (http10 && lower.contains("keep-alive")) {
            close = false;
          }
        }
        default -> {}
      }
      names.add(name);
      values.add(value);
    }
    if (hasTransferEncoding) {
      // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; such a message must not be
      // reused.
      if (contentLength != -1) {
        close = true;
      }
      contentLength = -1;
    }
    // 1xx, 204 and 304 answers end with their head whatever their framing fields say (RFC 9112
    // 6.3), so their connection can be kept, as nginx keeps it; bytes an upstream sends after one
    // anyway are caught before the connection is reused (UpstreamConnection.probeIdle).
    boolean bodiless = status < 200 || status == 204 || status == 304;
    boolean delimited = !bodiless && !chunked && contentLength == -1;
    return new ResponseHead(
        status, reason, names, values, contentLength, chunked, close || delimited);
  }

  /**
   * Copies the end-to-end fields to the client's response: hop-by-hop fields, those the Connection
   * field names, Content-Length (the server frames the body itself) and X-Request-Id (the proxy
   * sets its own, the one it sent upstream) stay behind.
   */
  void copyTo(ServerResponseHeaders to) {
    List<String> connection = null;
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).lowerCase().equals("connection")) {
        connection = connection == null ? new ArrayList<>(2) : connection;
        connection.add(values.get(i));
      }
    }
    Set<String> tokens = HopByHop.connectionTokens(connection == null ? List.of() : connection);
    for (int i = 0; i < names.size(); i++) {
      HeaderName name = names.get(i);
      String lower = name.lowerCase();
      if (!HopByHop.isHopByHop(lower, tokens)
          && !lower.equals("content-length")
          && !lower.equals("x-request-id")) {
        to.add(name, values.get(i));
      }
    }
  }

  private static long parseLength(String value, String upstream) {
    // Some servers repeat the value in one field ("10, 10"); all copies must agree.
    long result = -1;
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty() || p.length() > 18) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "invalid Content-Length: " + printable(value));
      }
      long n = 0;
      for (int i = 0; i < p.length(); i++) {
        char ch = p.charAt(i);
        if (ch < '0' || ch > '9') {
          throw new UpstreamException(
              ErrorClass.PROTOCOL, upstream, "invalid Content-Length: " + printable(value));
        }
        n = n * 10 + (ch - '0');
      }
      if (result != -1 && result != n) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL, upstream, "conflicting Content-Length values");
      }
      result = n;
    }
    return result;
  }

  static boolean isToken(String s, int end) {
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return end > 0;
  }

  static boolean isToken(byte[] b, int from, int end) {
    for (int i = from; i < end; i++) {
      byte c = b[i];
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return end > from;
  }

  /** field-value bytes: HTAB, SP, VCHAR and obs-text; no other control characters. */
  static boolean isFieldValue(byte[] b, int from, int end) {
    for (int i = from; i < end; i++) {
      int c = b[i] & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return false;
      }
    }
    return true;
  }

  static boolean isFieldValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return false;
      }
    }
    return true;
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder sb = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      sb.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    return sb.toString();
  }
}
