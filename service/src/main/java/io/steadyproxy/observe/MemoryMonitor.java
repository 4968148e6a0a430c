package io.steadyproxy.observe;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * Checks memory every {@code memory_check_interval} and protects the process before it runs out, as
 * Envoy's overload manager does:
 *
 * <ul>
 *   <li>RSS above the cleanup threshold: a light cleanup (expired and idle upstream sockets, GC
 *       hint);
 *   <li>RSS above the maximum, or more of the heap in use than {@code max_heap_percent}: a full
 *       cleanup (every idle upstream socket, GC);
 *   <li>still above after that: new requests get 503 until memory falls back under the lower marks
 *       ({@link MemoryPolicy#shedAfter}); requests already streaming are never cut.
 * </ul>
 *
 * Every check, cleanup and shedding transition is logged and counted.
 */
public final class MemoryMonitor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("steadyproxy.memory");

  private final MemoryReader memory;
  private final InstantSource clock;
  private final Cleaners cleaners;
  private final ProxyMetrics metrics;
  private final BooleanSupplier idle;
  private final AtomicReference<MemoryPolicy> policy;
  private final AtomicReference<CleanupResult> lastCleanup = new AtomicReference<>();
  private final ScheduledExecutorService scheduler;
  private volatile ScheduledFuture<?> schedule;
  private volatile boolean shedding;

  /** What a cleanup can release: upstream sockets, and a GC. */
  public interface Cleaners {
    /** Closes expired idle sockets (light) or all idle sockets (full); returns how many. */
    int closeIdle(boolean all);

    /** Asks the JVM to collect garbage. */
    void gc();

    /** Cleaners over an idle-socket closer and {@link System#gc()}. */
    static Cleaners of(IntUnaryOperator closeIdle) {
      return new Cleaners() {
        @Override
        public int closeIdle(boolean all) {
          return closeIdle.applyAsInt(all ? 1 : 0);
        }

        @Override
        public void gc() {
          System.gc();
        }
      };
    }
  }

  /**
   * @param memory the memory seam
   * @param clock the clock seam (cleanup times)
   * @param cleaners what cleanups release
   * @param metrics where checks, cleanups and shedding are counted
   * @param policy thresholds
   * @param idle true while no request is in flight
   */
  public MemoryMonitor(
      MemoryReader memory,
      InstantSource clock,
      Cleaners cleaners,
      ProxyMetrics metrics,
      MemoryPolicy policy,
      BooleanSupplier idle) {
    this.memory = memory;
    this.clock = clock;
    this.cleaners = cleaners;
    this.metrics = metrics;
    this.idle = idle;
    this.policy = new AtomicReference<>(policy);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("memory-monitor").daemon().factory());
  }

  /** Starts periodic checks (and restarts them with a new period after a reload). */
  public synchronized void start(Duration interval) {
    if (schedule != null) {
      schedule.cancel(false);
    }
    long ms = interval.toMillis();
    schedule = scheduler.scheduleWithFixedDelay(this::checkSafely, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Applies new thresholds (hot reload). */
  public void policy(MemoryPolicy next) {
    policy.set(next);
  }

  /** True while new requests are refused to protect memory. */
  public boolean shedding() {
    return shedding;
  }

  /** The last cleanup, if any ran. */
  public Optional<CleanupResult> lastCleanup() {
    return Optional.ofNullable(lastCleanup.get());
  }

  /** One check, as the scheduler runs it; public so tests can drive checks deterministically. */
  public void check() {
    MemoryPolicy p = policy.get();
    MemorySample sample = memory.read();
    MemoryPolicy.Action action = p.actionFor(sample);
    metrics.memoryCheck(action.name().toLowerCase(Locale.ROOT));
    // fields, not text: key=value in the text log as before, numbers of their own in the JSON log
    LOG.log(
        System.Logger.Level.INFO,
        "memory check",
        LogFields.withCapacity(7)
            .add("rss_mb", sample.rssMb())
            .add("heap_used_mb", sample.heapUsedMb())
            .add("heap_pct", sample.heapPercent())
            .add("cleanup_threshold_mb", p.cleanupThresholdMb())
            .add("max_memory_usage_mb", p.maxMemoryUsageMb())
            .add("max_heap_percent", p.maxHeapPercent())
            .add("action", action.name().toLowerCase(Locale.ROOT)));
    MemorySample after =
        switch (action) {
          // while shedding, every cleanup is a full one: memory must come down for service to
          // resume
          case LIGHT -> cleanup(shedding, sample).after();
          case FULL -> cleanup(true, sample).after();
          case NONE -> sample;
        };
    boolean next = p.shedAfter(after, shedding, idle.getAsBoolean());
    if (next != shedding) {
      shedding = next;
      metrics.sheddingChanged(next);
      String reading =
          "rss_mb="
              + after.rssMb()
              + " (max_memory_usage_mb="
              + p.maxMemoryUsageMb()
              + ", cleanup_threshold_mb="
              + p.cleanupThresholdMb()
              + ") heap_pct="
              + after.heapPercent()
              + " (max_heap_percent="
              + p.maxHeapPercent()
              + ")";
      LOG.log(
          next ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
          next
              ? "load shedding ON: memory stays above a maximum after a full cleanup; new requests"
                  + " get 503: "
                  + reading
              : "load shedding OFF: " + reading);
    }
  }

  /** Runs a full cleanup now (the admin endpoint). */
  public CleanupResult fullCleanup() {
    return cleanup(true, memory.read()).result();
  }

  /** A cleanup's report, and the reading after it. */
  private record Cleaned(CleanupResult result, MemorySample after) {}

  private Cleaned cleanup(boolean full, MemorySample before) {
    int closed = cleaners.closeIdle(full);
    cleaners.gc();
    MemorySample after = memory.read();
    CleanupResult result =
        new CleanupResult(
            full ? "full" : "light",
            clock.instant(),
            before.rssMb(),
            after.rssMb(),
            before.heapUsedMb(),
            after.heapUsedMb(),
            closed);
    lastCleanup.set(result);
    metrics.cleanup(result.kind());
    LOG.log(System.Logger.Level.INFO, "cleanup " + result.toJson());
    return new Cleaned(result, after);
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "memory check failed", e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
