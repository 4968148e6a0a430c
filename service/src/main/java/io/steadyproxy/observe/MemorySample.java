package io.steadyproxy.observe;

/**
 * One reading of the process's memory.
 *
 * @param rssBytes resident set size of the whole process (what a container limit counts)
 * @param heapUsedBytes JVM heap in use
 * @param heapCommittedBytes JVM heap committed
 * @param heapMaxBytes JVM heap limit
 */
public record MemorySample(
    long rssBytes, long heapUsedBytes, long heapCommittedBytes, long heapMaxBytes) {
  private static final long MB = 1024 * 1024;

  /** RSS in whole megabytes, as the seed's {@code memory_usage_mb}. */
  public double rssMb() {
    return Math.round(rssBytes * 10.0 / MB) / 10.0;
  }

  /** Heap in use, megabytes. */
  public double heapUsedMb() {
    return Math.round(heapUsedBytes * 10.0 / MB) / 10.0;
  }

  /** Heap in use as a percentage of its limit, one decimal; 0 when the heap has no limit. */
  public double heapPercent() {
    return heapMaxBytes <= 0 ? 0 : Math.round(heapUsedBytes * 1000.0 / heapMaxBytes) / 10.0;
  }

  /** Heap limit, megabytes. */
  public double heapMaxMb() {
    return Math.round(heapMaxBytes * 10.0 / MB) / 10.0;
  }
}
