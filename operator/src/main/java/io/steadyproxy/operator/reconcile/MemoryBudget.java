package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * How a proxy container's memory is split, so that the JVM, the proxy's own thresholds and the
 * container limit agree: {@code heap < cleanup threshold < maximum < container limit}.
 *
 * <p>The thresholds measure process RSS, which is heap plus metaspace, code cache, thread stacks
 * and direct buffers. The heap gets half of the maximum; the rest is headroom for everything else.
 * The heap is set as a percentage of the container limit, so it follows the limit the JVM sees, and
 * its initial size is its maximum: a heap that Serial GC shrinks after each full collection and
 * grows again makes RSS swing by tens of MB, while a fixed one keeps it flat (make soak measured
 * both). MB here means MiB, as the proxy reports it.
 *
 * @param limitMib the container memory limit, from the spec or the default
 * @param limitFromSpec whether the user set the limit
 * @param maxRamPercentage the JVM's {@code MaxRAMPercentage}
 */
public record MemoryBudget(long limitMib, boolean limitFromSpec, double maxRamPercentage) {

  /** Without a limit in the spec, the limit is the maximum plus this much headroom. */
  static final double DEFAULT_LIMIT_HEADROOM = 1.25;

  private static final BigDecimal MIB = BigDecimal.valueOf(1024L * 1024L);

  /** The budget for a spec; the limit may be too low, see {@link #limitTooLow(ProxyConfigSpec)}. */
  public static MemoryBudget of(ProxyConfigSpec spec) {
    long maxMib = spec.getMaxMemoryUsageMb();
    Quantity specLimit = memoryLimit(spec.getResources());
    long limitMib =
        specLimit == null
            ? (long) Math.ceil(maxMib * DEFAULT_LIMIT_HEADROOM)
            : Quantity.getAmountInBytes(specLimit).divide(MIB, 0, RoundingMode.FLOOR).longValue();
    double heapMib = maxMib / 2.0;
    double percentage = limitMib <= 0 ? 25.0 : Math.min(75.0, 100.0 * heapMib / limitMib);
    // One decimal keeps the flag readable and the rendered pod template stable.
    percentage = Math.floor(percentage * 10) / 10;
    return new MemoryBudget(limitMib, specLimit != null, Math.max(1.0, percentage));
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
