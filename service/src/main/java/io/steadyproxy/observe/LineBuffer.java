package io.steadyproxy.observe;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * One log line being laid out as bytes, reused line after line by the log's writer thread, so an
 * access-log line costs no allocation once the buffer has grown to the longest line. Only the
 * writer thread touches it (not thread-safe).
 */
final class LineBuffer {
  private byte[] bytes = new byte[512];
  private int size;
  // ISO-8601 up to the seconds, for the second last written: lines of one second share it
  private long second = Long.MIN_VALUE;
  private byte[] secondText = new byte[0];

  /** The bytes laid out so far: {@code bytes()[0 .. size())}. */
  byte[] bytes() {
    return bytes;
  }

  /** How many bytes are laid out. */
  int size() {
    return size;
  }

  /** Forgets what was laid out from {@code length} on. */
  void truncate(int length) {
    size = length;
  }

  /** Text that is printable ASCII by construction: names, levels, constants. */
  LineBuffer ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      bytes[size++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** Any text, in UTF-8. */
  LineBuffer utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    ensure(b.length);
    System.arraycopy(b, 0, bytes, size, b.length);
    size += b.length;
    return this;
  }

  LineBuffer ascii(char c) {
    ensure(1);
    bytes[size++] = (byte) c;
    return this;
  }

  /** A whole number in decimal. */
  LineBuffer digits(long v) {
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return ascii(Long.toString(v));
      }
      ascii('-');
      v = -v;
    }
    ensure(20);
    int end = size + digitCount(v);
    for (int i = end - 1; i >= size; i--) {
      bytes[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    size = end;
    return this;
  }

  /**
   * Hundredths of a unit as a decimal with one or two fractional digits, as {@code Double.toString}
   * writes numbers below 10^7 ({@code 12.0}, {@code 0.5}, {@code 1.33}), but never in exponent
   * form: a WebSocket that ran for three hours still reads {@code 10800000.0}.
   */
  LineBuffer hundredths(long h) {
    if (h < 0) {
      ascii('-');
      h = -h;
    }
    digits(h / 100).ascii('.');
    int frac = (int) (h % 100);
    ascii((char) ('0' + frac / 10));
    return frac % 10 == 0 ? this : ascii((char) ('0' + frac % 10));
  }

  /**
   * The instant as {@link Instant#toString()} writes it ({@code 2026-12-02T11:00:00.123Z}, or
   * {@code ...:00Z} on a whole second), formatting the date and time once per second.
   */
  LineBuffer time(long epochMillis) {
    long s = Math.floorDiv(epochMillis, 1000);
    int ms = (int) Math.floorMod(epochMillis, 1000);
    if (s != second) {
      String t = Instant.ofEpochSecond(s).toString(); // ends in 'Z'
      secondText = t.substring(0, t.length() - 1).getBytes(StandardCharsets.US_ASCII);
      second = s;
    }
    ensure(secondText.length + 5);
    System.arraycopy(secondText, 0, bytes, size, secondText.length);
    size += secondText.length;
    if (ms != 0) {
      bytes[size++] = '.';
      bytes[size++] = (byte) ('0' + ms / 100);
      bytes[size++] = (byte) ('0' + ms / 10 % 10);
      bytes[size++] = (byte) ('0' + ms % 10);
    }
    bytes[size++] = 'Z';
    return this;
  }

  /** Whether every character is printable ASCII (space to tilde): bytes equal chars. */
  static boolean printableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return new String(bytes, 0, size, StandardCharsets.UTF_8);
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }

  private static int digitCount(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }
}
