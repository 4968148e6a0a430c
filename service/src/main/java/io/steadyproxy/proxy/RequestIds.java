package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id that ties a client's request to the upstream's logs and ours: the client's {@code
 * X-Request-Id} when it is a sane token, else a new random one (128 bits in hex, as nginx's
 * $request_id). It is forwarded upstream, returned to the client and written in the access log.
 */
final class RequestIds {
  static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
  private static final int MAX_LENGTH = 200;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  /** The id of {@code req}. */
  static String of(ServerRequest req) {
    String given = req.headers().first(HEADER).orElse(null);
    return given != null && sane(given) ? given : generate();
  }

  /**
   * Visible ASCII only and not too long: the id goes into headers and log lines, so a client must
   * not be able to smuggle a line break, a separator or megabytes through it.
   */
  static boolean sane(String id) {
    if (id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7F || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * 32 hex digits from ThreadLocalRandom: unique enough to find one request (collisions need about
   * 2^64 ids), and without the lock and entropy a SecureRandom UUID costs on every request.
   */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xF];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xF];
    }
    return new String(out);
  }
}
