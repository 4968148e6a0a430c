package io.steadyproxy.proxy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Helidon's well-known header names, found from the bytes of an upstream response head without
 * making a String first. {@link HeaderNames#create(String)} returns the same constants for the same
 * exact spellings, so relayed names are unchanged; any other spelling falls back to it. Most fields
 * of most responses (Content-Type, Content-Length, Date, Server, Connection, Cache-Control, ETag)
 * are found here, which spares a String, its lower-case copy and a map lookup per field.
 */
final class KnownHeaderNames {
  private static final int SLOTS = 512; // about 100 names: short probe chains
  private static final byte[][] SPELLINGS = new byte[SLOTS][];
  private static final HeaderName[] NAMES = new HeaderName[SLOTS];

  static {
    for (Field f : HeaderNames.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == HeaderName.class) {
        try {
          HeaderName name = (HeaderName) f.get(null);
          byte[] spelling = name.defaultCase().getBytes(StandardCharsets.ISO_8859_1);
          int slot = hash(spelling, 0, spelling.length);
          while (SPELLINGS[slot] != null && !Arrays.equals(SPELLINGS[slot], spelling)) {
            slot = (slot + 1) & (SLOTS - 1);
          }
          SPELLINGS[slot] = spelling;
          NAMES[slot] = name;
        } catch (IllegalAccessException e) {
          throw new ExceptionInInitializerError(e);
        }
      }
    }
  }

  private KnownHeaderNames() {}

  /** The header name spelled by {@code bytes[from, from + length)}. */
  static HeaderName of(byte[] bytes, int from, int length) {
    for (int slot = hash(bytes, from, length); SPELLINGS[slot] != null; ) {
      if (Arrays.equals(SPELLINGS[slot], 0, SPELLINGS[slot].length, bytes, from, from + length)) {
        return NAMES[slot];
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
    return HeaderNames.create(new String(bytes, from, length, StandardCharsets.ISO_8859_1));
  }

  private static int hash(byte[] bytes, int from, int length) {
    int h = length;
    for (int i = from; i < from + length; i++) {
      h = 31 * h + bytes[i];
    }
    return (h ^ (h >>> 9)) & (SLOTS - 1);
  }
}
