package io.steadyproxy.observe;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process meters under the names the Prometheus client libraries give them in every language
 * ({@code process_resident_memory_bytes}, {@code process_cpu_seconds_total}, {@code
 * process_open_fds}, {@code process_max_fds}, {@code process_virtual_memory_bytes}), which node, Go
 * and Python services expose too and the usual alerts query. Micrometer's own binders name some of
 * these differently ({@code process_files_open_files}, CPU time in nanoseconds) and have no
 * resident set size at all. {@code process_start_time_seconds} comes from Micrometer's {@code
 * UptimeMetrics} under the same name.
 *
 * <p>The resident set is the proxy's own memory reading ({@link MemoryReader}: {@code VmRSS}), the
 * number its memory thresholds compare, so the metric and the thresholds never disagree.
 */
final class ProcessMeters implements MeterBinder {
  private final MemoryReader memory;
  private final OperatingSystemMXBean os;

  /**
   * @param memory the memory seam
   * @param os the operating system's MX bean ({@code ManagementFactory.getOperatingSystemMXBean()})
   */
  ProcessMeters(MemoryReader memory, OperatingSystemMXBean os) {
    this.memory = memory;
    this.os = os;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("process.resident.memory", () -> memory.read().rssBytes())
        .description("Resident memory size in bytes (VmRSS)")
        .baseUnit(BaseUnits.BYTES)
        .register(registry);
    // HotSpot's bean; another JVM's may lack these readings, and then the meters are left out.
    // (The counter holds the bean weakly, as Micrometer's function counters do; the JDK keeps the
    // platform bean for the life of the process.)
    if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
      if (hotspot.getProcessCpuTime() >= 0) {
        FunctionCounter.builder("process.cpu", hotspot, b -> b.getProcessCpuTime() / 1e9)
            .description("Total user and system CPU time spent in seconds")
            .baseUnit("seconds")
            .register(registry);
      }
      if (hotspot.getCommittedVirtualMemorySize() >= 0) {
        Gauge.builder("process.virtual.memory", hotspot, b -> b.getCommittedVirtualMemorySize())
            .description("Virtual memory size in bytes")
            .baseUnit(BaseUnits.BYTES)
            .strongReference(true)
            .register(registry);
      }
    }
    if (os instanceof UnixOperatingSystemMXBean unix) {
      Gauge.builder("process.open.fds", unix, b -> b.getOpenFileDescriptorCount())
          .description("Number of open file descriptors")
          .strongReference(true)
          .register(registry);
      Gauge.builder("process.max.fds", unix, b -> b.getMaxFileDescriptorCount())
          .description("Maximum number of open file descriptors")
          .strongReference(true)
          .register(registry);
    }
  }
}
