package io.steadyproxy.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code ::1/128}); a bare address is a block of
 * one. Parsed from literals only: a host name is refused, never resolved.
 *
 * @param network the block's address, host bits cleared
 * @param prefixLength how many leading bits a member shares with {@code network}
 */
public record Cidr(InetAddress network, int prefixLength) {

  /**
   * Parses {@code address[/prefix]}.
   *
   * @throws IllegalArgumentException naming the bad part
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    if (address.isEmpty() || !(address.indexOf(':') >= 0 || isDottedQuad(address))) {
      throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8 or ::1");
    }
    InetAddress ip;
    try {
      ip = InetAddress.getByName(address); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8 or ::1");
    }
    int bits = ip.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-" + bits);
      }
    }
    byte[] masked = ip.getAddress();
    for (int i = 0; i < masked.length; i++) {
      masked[i] &= mask(prefix, i);
    }
    try {
      return new Cidr(InetAddress.getByAddress(masked), prefix);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length came from an address
    }
  }

  /** Whether {@code address} lies in this block (an IPv4 address never lies in an IPv6 block). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    byte[] n = network.getAddress();
    if (a.length != n.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if ((a[i] & mask(prefixLength, i)) != n[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefixLength;
  }

  private static byte mask(int prefix, int byteIndex) {
    int bitsHere = Math.clamp(prefix - byteIndex * 8L, 0, 8);
    return (byte) (0xFF00 >> bitsHere);
  }

  private static boolean isDottedQuad(String s) {
    return s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }
}
