package io.steadyproxy.observe;

import java.util.Optional;

/**
 * How many client connections a heap can hold: the sizing rule behind {@code
 * max_client_connections}, checked at start and on reload, and the one the operator applies.
 *
 * <pre>
 * capacity = (heap_max * (max_heap_percent - 10) / 100      the admission mark
 *             - 16 MiB                                       the proxy's own live data, warm
 *             - max_connections * 96 KiB)                    requests in flight (relay buffers)
 *            / 12 KiB                                        one client connection
 * </pre>
 *
 * The figures are measured (src-docs/performance.md, "Connection storm"): a warm proxy holds about
 * 9 MB of live heap with no client; an idle keep-alive client connection 8-10 KiB once the code is
 * compiled, up to 12 KiB before (bench/idle_cost.py; the storm held 7,729 of them in the launcher's
 * heap at 9.9 KiB each); a request in flight holds its upstream connection's 16 KiB read buffer, a
 * relay buffer of up to 64 KiB and its objects.
 *
 * @param heapMaxBytes the JVM's heap limit
 * @param maxHeapPercent {@code max_heap_percent}
 * @param maxConnections {@code max_connections} (upstream connections, so requests in flight)
 */
public record ConnectionCapacity(long heapMaxBytes, int maxHeapPercent, int maxConnections) {
  /**
   * Heap one client connection holds, rounded up from the measured idle cost; what a stream holds
   * beyond it is in {@link #IN_FLIGHT_BYTES}.
   */
  public static final long PER_CONNECTION_BYTES = 12 * 1024;

  /** Heap the proxy itself holds warm, with headroom: routes, metrics, JIT'd code's objects. */
  public static final long BASE_BYTES = 16L * 1024 * 1024;

  /** Heap one request in flight holds: a 16 KiB read buffer, a 64 KiB relay buffer, objects. */
  public static final long IN_FLIGHT_BYTES = 96 * 1024;

  /** The heap the rule may fill: up to where admission stops taking connections. */
  public long usableBytes() {
    int mark = maxHeapPercent >= 100 ? 100 : maxHeapPercent - MemoryPolicy.HEAP_HYSTERESIS;
    return heapMaxBytes / 100 * mark - BASE_BYTES - (long) maxConnections * IN_FLIGHT_BYTES;
  }

  /** Client connections the heap holds under the rule (0 when it cannot even hold the rest). */
  public long connections() {
    return Math.max(0, usableBytes() / PER_CONNECTION_BYTES);
  }

  /**
   * The problem with a cap, if any: a warning when the heap holds fewer connections than the cap
   * (admission will hold the rest back, but the cap then promises what memory cannot give).
   *
   * @param maxClientConnections {@code max_client_connections}
   */
  public Optional<String> warning(int maxClientConnections) {
    long fits = connections();
    if (maxClientConnections <= fits) {
      return Optional.empty();
    }
    return Optional.of(
        "max_client_connections="
            + maxClientConnections
            + " is more than this heap can hold: about "
            + fits
            + " (heap max "
            + heapMaxBytes / (1024 * 1024)
            + " MiB, at "
            + PER_CONNECTION_BYTES / 1024
            + " KiB a connection, with room for max_connections="
            + maxConnections
            + " requests in flight); beyond that, new connections wait for memory or get 503."
            + " Raise the heap (PROXY_JAVA_OPTS -Xmx) or lower max_client_connections");
  }

  /**
   * Whether the heap cannot hold even the proxy itself and one client connection under the
   * admission mark, before any request is in flight: starting would only fail later, under load.
   * {@code max_connections} is a bound, not a reservation, so it only warns ({@link #warning}).
   */
  public boolean impossible() {
    return new ConnectionCapacity(heapMaxBytes, maxHeapPercent, 0).connections() < 1;
  }
}
