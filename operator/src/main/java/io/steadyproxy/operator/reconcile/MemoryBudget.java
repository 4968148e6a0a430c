package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * How a proxy container's memory is split, so that the JVM, the proxy's own thresholds and the
 * container limit agree: {@code heap + the JVM's other memory < cleanup threshold < maximum <
 * container limit}.
 *
 * <p>The thresholds measure process RSS: the heap plus metaspace, code cache, thread stacks and
 * direct buffers, which the image caps at about {@link #NON_HEAP_MIB} together. The heap has a
 * fixed size (initial = maximum), so once traffic has touched it RSS rests on a plateau of heap
 * plus that; the plateau must sit under the cleanup threshold, or the proxy's own footprint would
 * keep it cleaning up, or shedding load, forever. So the heap gets half of the maximum, but no more
 * than the cleanup threshold leaves after {@link #NON_HEAP_MIB}, and at least {@link #MIN_HEAP_MIB}
 * (thresholds too low for that are a spec problem, see {@link SpecValidator}). The heap is set as a
 * percentage of the container limit, so it follows the limit the JVM sees; a heap that Serial GC
 * shrinks and grows again makes RSS swing by tens of MB, while a fixed one keeps it flat (make soak
 * measured both). MB here means MiB, as the proxy reports it.
 *
 * @param limitMib the container memory limit, from the spec or the default
 * @param limitFromSpec whether the user set the limit
 * @param heapMib the JVM heap the budget leaves
 * @param maxRamPercentage the heap as the JVM's {@code MaxRAMPercentage} of the limit
 */
public record MemoryBudget(
    long limitMib, boolean limitFromSpec, long heapMib, double maxRamPercentage) {

  /** Without a limit in the spec, the limit is the maximum plus this much headroom. */
  static final double DEFAULT_LIMIT_HEADROOM = 1.25;

  /**
   * The proxy JVM's memory outside the heap, as the image's flags cap it (metaspace, code cache,
   * direct buffers) plus thread stacks and malloc: about 115 MiB measured with the same flags.
   */
  public static final long NON_HEAP_MIB = 128;

  /** The smallest heap the proxy runs well with (its live set is about 20 MiB when busy). */
  public static final long MIN_HEAP_MIB = 64;

  private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024L);

  /** The budget for a spec; the limit or the heap may be too small, see {@link SpecValidator}. */
  public static MemoryBudget of(ProxyConfigSpec spec) {
    long maxMib = spec.getMaxMemoryUsageMb();
    Quantity specLimit = memoryLimit(spec.getResources());
    long limitMib =
        specLimit == null
            ? (long) Math.ceil(maxMib * DEFAULT_LIMIT_HEADROOM)
            : Quantity.getAmountInBytes(specLimit).divide(MIB, 0, RoundingMode.FLOOR).longValue();
    long heapMib = Math.min(maxMib / 2, spec.getCleanupThresholdMb() - NON_HEAP_MIB);
    double percentage =
        limitMib <= 0 ? 25.0 : Math.min(75.0, 100.0 * Math.max(heapMib, 1) / limitMib);
    // One decimal keeps the flag readable and the rendered pod template stable.
    percentage = Math.floor(percentage * 10) / 10;
    return new MemoryBudget(limitMib, specLimit != null, heapMib, Math.max(1.0, percentage));
  }

  /** Heap one client connection holds in the proxy (its {@code ConnectionCapacity} rule). */
  static final long CONNECTION_BYTES = 12 * 1024;

  /** Heap the proxy itself holds warm, with headroom (its {@code ConnectionCapacity} rule). */
  static final long PROXY_BASE_BYTES = 16L * 1024 * 1024;

  /** Heap one request in flight holds (its {@code ConnectionCapacity} rule). */
  static final long IN_FLIGHT_BYTES = 96 * 1024;

  /**
   * The proxy's {@code max_client_connections}: what this heap holds under the proxy's sizing rule
   * (src-docs/operations.md), so that the pods neither warn at start nor promise connections their
   * heap cannot take. The JVM reports a little less than the heap it is given (Serial GC leaves one
   * survivor space out of {@code maxMemory()}, about 3 %), so the rule runs on 95 % of it.
   *
   * @param maxHeapPercent the spec's {@code maxHeapPercent}: connections are admitted up to 10
   *     points under it
   * @param maxConnections the spec's {@code maxConnections}: room for that many requests in flight
   */
  public long clientConnections(int maxHeapPercent, int maxConnections) {
    long heapBytes = heapMib * 1024 * 1024 / 100 * 95;
    int mark = maxHeapPercent >= 100 ? 100 : maxHeapPercent - 10;
    long usable =
        heapBytes / 100 * mark - PROXY_BASE_BYTES - (long) maxConnections * IN_FLIGHT_BYTES;
    return Math.max(1, usable / CONNECTION_BYTES);
  }

  /** The {@code JAVA_TOOL_OPTIONS} value for the proxy container. */
  public String javaToolOptions() {
    return String.format(
        Locale.ROOT,
        "-XX:InitialRAMPercentage=%1$.1f -XX:MaxRAMPercentage=%1$.1f -XX:+ExitOnOutOfMemoryError",
        maxRamPercentage);
  }

  /** The limit as a Kubernetes quantity. */
  public Quantity limitQuantity() {
    return new Quantity(limitMib + "Mi");
  }

  private static Quantity memoryLimit(ResourceRequirements resources) {
    if (resources == null || resources.getLimits() == null) {
      return null;
    }
    return resources.getLimits().get("memory");
  }
}
