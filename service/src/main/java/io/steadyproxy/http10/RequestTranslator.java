package io.steadyproxy.http10;

import io.helidon.common.buffers.DataReader;
import io.steadyproxy.proxy.ErrorClass;
import io.steadyproxy.proxy.ErrorResponses;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Queue;
import java.util.function.Supplier;

/**
 * The request side of an HTTP/1.0 connection: the bytes Helidon's HTTP/1.1 connection reads, made
 * from the client's. Each HTTP/1.0 request head becomes the HTTP/1.1 head with the same meaning:
 *
 * <ul>
 *   <li>the request line says {@code HTTP/1.1};
 *   <li>{@code Connection: close} is added unless the client asked for keep-alive (HTTP/1.0's
 *       default is to close, RFC 9112 9.3);
 *   <li>{@code Host} is added when missing (HTTP/1.0 does not require it; HAProxy's {@code option
 *       httpchk} sends none): the address the client connected to, as nginx uses its server name;
 *   <li>{@code Expect} and {@code Upgrade} are removed: a server must ignore both in an HTTP/1.0
 *       request (RFC 9110 10.1.1 and 7.8), and must not answer it with a 1xx; {@code TE} too, since
 *       transfer codings and trailers need the chunked framing HTTP/1.0 does not have;
 *   <li>a request with {@code Transfer-Encoding} is refused with 400 and the connection closed, as
 *       nginx refuses it: HTTP/1.0 has no chunked framing, so its body cannot be delimited safely.
 * </ul>
 *
 * Bodies pass through untouched, delimited by their Content-Length, so the next head is found where
 * it starts. Anything this class does not understand (a line too long, a bare LF) is passed on as
 * received from then on, and Helidon's parser answers it as it answers any malformed request.
 */
final class RequestTranslator implements Supplier<byte[]> {
  private static final byte[] CRLF = {'\r', '\n'};

  private final DataReader raw;
  private final Queue<Exchange> exchanges;
  private final ResponseTranslator responses;
  private final String localAuthority;
  private final int maxPrologue;
  private final int maxHeaders;
  private long bodyLeft;
  private boolean passThrough;
  private volatile boolean ended;
  private volatile boolean currentIsHttp10 = true;

  /**
   * @param raw the client's bytes, as Helidon read them off the socket
   * @param exchanges where each request's answer rules go, for the response side
   * @param responses the response side, which writes the refusal of a chunked request
   * @param localAuthority the Host to add when a request has none
   * @param maxPrologue the longest request line the server takes
   * @param maxHeaders the largest header section the server takes
   */
  RequestTranslator(
      DataReader raw,
      Queue<Exchange> exchanges,
      ResponseTranslator responses,
      String localAuthority,
      int maxPrologue,
      int maxHeaders) {
    this.raw = raw;
    this.exchanges = exchanges;
    this.responses = responses;
    this.localAuthority = localAuthority;
    this.maxPrologue = maxPrologue;
    this.maxHeaders = maxHeaders;
  }

  /** No more requests are read: the answer just sent ends the connection. */
  void end() {
    ended = true;
  }

  /** Whether the request read last said HTTP/1.0. */
  boolean currentIsHttp10() {
    return currentIsHttp10;
  }

  /** The next bytes for Helidon's reader; null at the end of the connection. */
  @Override
  public byte[] get() {
    if (ended) {
      return null;
    }
    try {
      raw.ensureAvailable();
      if (passThrough) {
        return raw.readBytes(raw.available());
      }
      if (bodyLeft > 0) {
        int n = (int) Math.min(raw.available(), bodyLeft);
        bodyLeft -= n;
        return raw.readBytes(n);
      }
      return head();
    } catch (DataReader.InsufficientDataAvailableException e) {
      return null; // the client closed: Helidon's reader sees the end, as without translation
    }
  }

  private byte[] head() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    int eol = lineEnd(maxPrologue);
    if (eol < 0) {
      return giveUp(out);
    }
    String line = readLine(eol);
    boolean http10 = line.endsWith(" HTTP/1.0");
    if (!http10 && !line.endsWith(" HTTP/1.1")) {
      write(out, line);
      return giveUp(out);
    }
    currentIsHttp10 = http10;
    boolean isHead = line.startsWith("HEAD ");
    write(out, http10 ? line.substring(0, line.length() - 1) + "1" : line);

    boolean keepAlive = false;
    boolean host = false;
    boolean transferEncoding = false;
    long length = 0;
    int budget = maxHeaders;
    while (true) {
      eol = lineEnd(budget);
      if (eol < 0) {
        return giveUp(out);
      }
      budget -= eol + 2;
      String field = readLine(eol);
      if (field.isEmpty()) {
        break;
      }
      int colon = field.indexOf(':');
      String name =
          (colon < 0 ? field : field.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
      String value = colon < 0 ? "" : field.substring(colon + 1).strip();
      switch (name) {
        case "connection" -> keepAlive |= hasToken(value, "keep-alive");
        case "host" -> host = true;
        case "transfer-encoding" -> transferEncoding = true;
        case "content-length" -> length = parseLength(value);
        default -> {}
      }
      if (http10 && (name.equals("expect") || name.equals("upgrade") || name.equals("te"))) {
        continue; // TE too: its codings and trailers need the chunked framing 1.0 does not have
      }
      write(out, field);
    }
    if (transferEncoding) {
      if (http10) {
        // nginx: "client sent HTTP/1.0 request with Transfer-Encoding header" and 400
        responses.refuse(
            ErrorResponses.raw(
                ErrorClass.BAD_REQUEST,
                "an HTTP/1.0 request cannot carry Transfer-Encoding; send Content-Length",
                ""));
        ended = true;
        return null;
      }
      // an HTTP/1.1 request with a chunked body on this connection: its end is Helidon's to find
      passThrough = true;
    }
    if (length < 0) {
      passThrough = true; // a Content-Length Helidon refuses with 400 anyway
    }
    if (http10) {
      if (!host) {
        write(out, "Host: " + localAuthority);
      }
      if (!keepAlive) {
        write(out, "Connection: close");
      }
    }
    out.writeBytes(CRLF);
    bodyLeft = Math.max(length, 0);
    exchanges.add(new Exchange(isHead, http10, http10 ? keepAlive : true));
    return out.toByteArray();
  }

  /** The length of the next line (without its CRLF), or -1 when it is malformed or too long. */
  private int lineEnd(int max) {
    if (max <= 0) {
      return -1;
    }
    try {
      int eol = raw.findNewLine(max);
      return eol >= max ? -1 : eol;
    } catch (DataReader.IncorrectNewLineException e) {
      return -1;
    }
  }

  private String readLine(int eol) {
    String line = new String(raw.readBytes(eol), StandardCharsets.ISO_8859_1);
    raw.skip(2);
    return line;
  }

  /** From here on the client's bytes go to Helidon as they are; it answers what it cannot parse. */
  private byte[] giveUp(ByteArrayOutputStream out) {
    passThrough = true;
    if (raw.available() > 0) {
      out.writeBytes(raw.readBytes(raw.available()));
    }
    if (out.size() == 0) {
      return get();
    }
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String line) {
    out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(CRLF);
  }

  static boolean hasToken(String value, String token) {
    for (String t : value.split(",")) {
      if (t.strip().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  private static long parseLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
