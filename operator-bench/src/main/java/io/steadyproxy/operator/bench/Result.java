package io.steadyproxy.operator.bench;

import java.util.Map;

/** One run's figures; {@code failure} is null when every ProxyConfig became Ready in time. */
record Result(
    int count,
    int namespaces,
    double startupSeconds,
    double createSeconds,
    double readySeconds,
    double p50LatencySeconds,
    double maxLatencySeconds,
    int readyCount,
    Map<String, Long> reconciles,
    long reconcilesAfterSettle,
    double meanReconcileMillis,
    long peakQueueDepth,
    long apiRequests,
    Map<String, Long> requestsByMethod,
    long conflicts,
    long kubeletStatusWrites,
    long peakRssKb,
    long endRssKb,
    long peakHeapUsedKb,
    long heapCapacityKb,
    int gcCount,
    long operatorWarnings,
    String failure) {

  long totalReconciles() {
    return reconciles.values().stream().mapToLong(Long::longValue).sum();
  }

  double reconcilesPerSecond() {
    return readySeconds > 0 ? totalReconciles() / readySeconds : 0;
  }
}
