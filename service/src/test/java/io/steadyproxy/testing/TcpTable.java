package io.steadyproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The kernel's TCP socket table ({@code /proc/net/tcp} and {@code tcp6}), as {@code ss} reads it.
 */
public final class TcpTable {
  private static final String TIME_WAIT = "06";

  private TcpTable() {}

  /** Sockets in TIME_WAIT whose remote end is {@code port} on this machine's loopback. */
  public static long timeWaitTo(int port) {
    String remotePort = String.format(":%04X", port);
    return Stream.of("/proc/net/tcp", "/proc/net/tcp6")
        .map(Path::of)
        .filter(Files::isReadable)
        .flatMap(TcpTable::lines)
        .map(String::trim)
        .map(line -> line.split("\\s+"))
        // sl local_address rem_address st ...
        .filter(f -> f.length > 3 && f[2].endsWith(remotePort) && f[3].equals(TIME_WAIT))
        .count();
  }

  private static Stream<String> lines(Path table) {
    try {
      return Files.readAllLines(table).stream().skip(1); // the header line
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
