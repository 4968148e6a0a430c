package io.steadyproxy.proxy;

import java.util.Arrays;

/**
 * The bytes of one upstream request head, written straight into a byte array (header values are
 * ISO-8859-1, as HTTP/1.1 carries them), so a request costs one small array instead of a builder, a
 * string and an encoded copy. Kept after sending, so a retry can send the same bytes.
 */
final class RequestHead {
  private byte[] bytes = new byte[768];
  private int length;

  RequestHead append(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      bytes[length++] = (byte) (c <= 0xFF ? c : '?');
    }
    return this;
  }

  RequestHead append(long n) {
    return append(Long.toString(n));
  }

  /** Appends {@code name: value} and a line break. */
  RequestHead field(String name, String value) {
    return append(name).append(": ").append(value).crlf();
  }

  RequestHead crlf() {
    ensure(2);
    bytes[length++] = '\r';
    bytes[length++] = '\n';
    return this;
  }

  /** Sends the head on a connection. */
  void writeTo(UpstreamConnection connection) {
    connection.write(bytes, 0, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
