package io.steadyproxy.observe;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Admission at the connection level, driven by memory, as Envoy's overload manager does with {@code
 * envoy.overload_actions.stop_accepting_connections}: when the heap in use after a collection (or
 * RSS) crosses {@link MemoryPolicy#stopAcceptingHeapPercent()}, the listener stops taking new
 * client connections; they wait in the kernel's backlog, and the one the listener holds waits up to
 * {@code wait} before it gets a short 503 and is closed. Accepting resumes, with hysteresis, once a
 * reading after a collection is back under the lower marks.
 *
 * <p>Why: each client connection holds live heap for as long as it is open (the parked virtual
 * thread's stack, a 256-byte read buffer, the connection objects: about 8 KiB when idle, measured
 * in src-docs/performance.md). A storm of connections fills a fixed heap within seconds, long
 * before the 30 s memory check runs, and an {@code OutOfMemoryError} then drops every connection at
 * once. Requests already held are never cut here; request shedding ({@link MemoryMonitor}) starts
 * {@link MemoryPolicy#HEAP_HYSTERESIS} points higher.
 *
 * <p>Reacting costs almost nothing: a GC notification ({@link GcFeed}) takes one reading and flips
 * a volatile flag; the accept path reads that flag. Only a connection that arrives while accepting
 * is stopped pays more: the listener asks for a full collection (at most once per {@code gcEvery})
 * so that a young collection's pessimistic reading, which still counts dead old-generation data,
 * cannot keep the door shut when the heap has room.
 */
public final class ConnectionAdmission implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("steadyproxy.memory");

  /** How long the connection the listener holds waits for admission to resume before a 503. */
  public static final Duration WAIT = Duration.ofSeconds(1);

  /** The least time between two collections the listener asks for while admission is stopped. */
  public static final Duration GC_EVERY = Duration.ofSeconds(1);

  private final MemoryReader memory;
  private final GcFeed gcFeed;
  private final ProxyMetrics metrics;
  private final AtomicReference<MemoryPolicy> policy;
  private final long waitNanos;
  private final long gcEveryNanos;
  private final Object lock = new Object();
  private final AtomicLong deferred = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong stops = new AtomicLong();
  private volatile boolean accepting = true;
  // set when a held connection waited the whole WAIT in vain: until accepting resumes, the next
  // ones are refused at once, so a backlog drains in 503s instead of one per WAIT
  private volatile boolean refusing;
  private long lastCollect = System.nanoTime() - Long.MAX_VALUE / 2;

  /** Counts for {@code /health}. */
  public record Stats(boolean accepting, long deferred, long refused, long stops) {
    /** The JSON object {@code /health} shows under {@code admission}. */
    public String toJson() {
      return "{\"accepting\":"
          + accepting
          + ",\"deferred\":"
          + deferred
          + ",\"refused\":"
          + refused
          + ",\"stops\":"
          + stops
          + "}";
    }
  }

  /**
   * @param memory the memory seam: read after each collection of its {@link MemoryReader#gcFeed()},
   *     and asked for a collection ({@link MemoryReader#collect()}) while a connection waits
   * @param metrics where deferrals, refusals and transitions are counted
   * @param policy thresholds
   * @param wait how long a held connection waits for admission to resume ({@link #WAIT})
   * @param gcEvery the least time between two requested collections ({@link #GC_EVERY})
   */
  public ConnectionAdmission(
      MemoryReader memory,
      ProxyMetrics metrics,
      MemoryPolicy policy,
      Duration wait,
      Duration gcEvery) {
    this.memory = memory;
    this.gcFeed = memory.gcFeed();
    this.metrics = metrics;
    this.policy = new AtomicReference<>(policy);
    this.waitNanos = wait.toNanos();
    this.gcEveryNanos = gcEvery.toNanos();
    metrics.admission(this::accepting);
    gcFeed.subscribe(this::afterGc);
  }

  /** Applies new thresholds (hot reload); the next collection's reading uses them. */
  public void policy(MemoryPolicy next) {
    policy.set(next);
  }

  /** True while new client connections are accepted. */
  public boolean accepting() {
    return accepting;
  }

  /** The counts since start. */
  public Stats stats() {
    return new Stats(accepting, deferred.get(), refused.get(), stops.get());
  }

  /** Takes a reading now, as a collection's notification does (public so tests can drive it). */
  public void afterGc() {
    try {
      update(memory.read());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "admission reading failed", e);
    }
  }

  private void update(MemorySample afterGc) {
    MemoryPolicy p = policy.get();
    boolean next;
    synchronized (lock) {
      boolean now = accepting;
      next = p.acceptAfter(afterGc, now);
      if (next == now) {
        return;
      }
      accepting = next;
      if (next) {
        refusing = false;
      } else {
        stops.incrementAndGet();
      }
      lock.notifyAll();
    }
    metrics.admissionChanged(next);
    String reading =
        "heap_pct="
            + afterGc.heapPercent()
            + " after GC (stop above "
            + p.stopAcceptingHeapPercent()
            + ", resume under "
            + p.resumeAcceptingHeapPercent()
            + ") rss_mb="
            + afterGc.rssMb()
            + " (stop above "
            + p.maxMemoryUsageMb()
            + ", resume under "
            + String.format(Locale.ROOT, "%.0f", p.resumeAcceptingRssMb())
            + ")";
    LOG.log(
        next ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
        next
            ? "connection admission ON: accepting new client connections again: " + reading
            : "connection admission OFF: new client connections wait in the backlog, then get 503: "
                + reading);
  }

  /**
   * Called by the listener thread for each connection it accepted: true to serve it. While
   * admission is stopped it waits (up to the wait given at construction) for a reading that lets it
   * in, asking for a full collection at most once per {@code gcEvery}; false means refuse it.
   */
  public boolean admit() {
    if (accepting) {
      return true;
    }
    deferred.incrementAndGet();
    metrics.connectionDeferred();
    long deadline = System.nanoTime() + (refusing ? 0 : waitNanos);
    while (!accepting) {
      long now = System.nanoTime();
      if (now - lastCollect >= gcEveryNanos) {
        lastCollect = now;
        memory.collect(); // synchronous for Serial and G1 (unless ExplicitGCInvokesConcurrent)
        afterGc(); // the notification comes too, on its own thread; read now so we need not wait
        continue;
      }
      long left = deadline - now;
      if (left <= 0) {
        refusing = true;
        refused.incrementAndGet();
        metrics.connectionRefused();
        return false;
      }
      synchronized (lock) {
        if (accepting) {
          break;
        }
        try {
          lock.wait(Math.max(1, Math.min(left, gcEveryNanos) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void close() {
    gcFeed.close();
  }
}
