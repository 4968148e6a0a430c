package io.steadyproxy.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * One proxy's meter registry, in Prometheus form: Micrometer's {@link PrometheusMeterRegistry},
 * owned by this proxy alone, with the JVM and process meters bound under their conventional names
 * ({@code jvm_memory_used_bytes{area,id}}, {@code jvm_gc_pause_seconds}, {@code
 * jvm_threads_live_threads}, {@code process_resident_memory_bytes}, ...), the ones the usual JVM
 * dashboards and alerts query.
 *
 * <p>Not Helidon's metrics: Helidon SE adds a {@code scope} tag ({@code application}, {@code base})
 * to every meter, and no configuration removes it (its {@code SeMetricsProgrammaticConfig} sets the
 * tag name after the configuration is read); its JVM meters are named in camelCase ({@code
 * memory_usedHeap_bytes}); and its registry is one per process, shared by every proxy a test
 * starts. Here nothing is process-wide: closing a proxy removes its meters and its GC listeners.
 *
 * <p>Nothing here is on the request path: {@link ProxyMetrics} holds its meters and records into
 * them directly; the registry is read only when {@code /observe/metrics} is scraped.
 */
public final class PrometheusMeters implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  // both listen to GC notifications until closed
  private final JvmGcMetrics gc;
  private final JvmHeapPressureMetrics heapPressure;

  private PrometheusMeters(
      PrometheusMeterRegistry registry, JvmGcMetrics gc, JvmHeapPressureMetrics heapPressure) {
    this.registry = registry;
    this.gc = gc;
    this.heapPressure = heapPressure;
  }

  /**
   * A new registry with the JVM and process meters bound.
   *
   * @param memory the memory seam the resident set size is read from
   * @return the registry, to close with the proxy
   */
  public static PrometheusMeters start(MemoryReader memory) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Micrometer's CPU time counts nanoseconds (process_cpu_time_ns_total); ProcessMeters gives
    // the conventional process_cpu_seconds_total instead. A filter acts when a meter is
    // registered, never when one records.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
    JvmGcMetrics gc = new JvmGcMetrics();
    JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
    List<MeterBinder> binders =
        List.of(
            new JvmMemoryMetrics(),
            gc,
            heapPressure,
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new JvmCompilationMetrics(),
            new JvmInfoMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics(),
            new ProcessMeters(memory, ManagementFactory.getOperatingSystemMXBean()));
    binders.forEach(b -> b.bindTo(registry));
    return new PrometheusMeters(registry, gc, heapPressure);
  }

  /** The registry to add meters to. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Every meter in one exposition format.
   *
   * @param contentType the format's content type, as the Prometheus client's writers name it
   * @return the exposition
   */
  String scrape(String contentType) {
    return registry.scrape(contentType);
  }

  /** Removes the GC notification listeners and closes the registry. */
  @Override
  public void close() {
    gc.close();
    heapPressure.close();
    registry.close();
  }
}
