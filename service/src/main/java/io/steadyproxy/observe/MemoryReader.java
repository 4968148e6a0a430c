package io.steadyproxy.observe;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seam in front of every memory reading, so the monitor and health endpoints can be tested with
 * readings just below, at and above each threshold.
 */
@FunctionalInterface
public interface MemoryReader {

  /** Reads memory now. */
  MemorySample read();

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
