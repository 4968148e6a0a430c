package io.steadyproxy.observe;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seam in front of every memory reading, so the monitor and health endpoints can be tested with
 * readings just below, at and above each threshold; and in front of the collections that make a
 * heap reading mean live data (their notifications, and asking for one), so that connection
 * admission can be tested with the same fake readings.
 */
@FunctionalInterface
public interface MemoryReader {

  /** Reads memory now. */
  MemorySample read();

  /** Notifications of garbage collections: the JVM's own by default. */
  default GcFeed gcFeed() {
    return GcFeed.system();
  }

  /** Asks for a full collection: {@link System#gc()} by default. */
  default void collect() {
    System.gc();
  }

  /** The real reader: RSS from {@code /proc/self/status}, heap from the memory MX bean. */
  static MemoryReader system() {
    return () -> {
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      return new MemorySample(rss(), heap.getUsed(), heap.getCommitted(), heap.getMax());
    };
  }

  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through to the JVM's own view
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory()
        + ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
  }
}
