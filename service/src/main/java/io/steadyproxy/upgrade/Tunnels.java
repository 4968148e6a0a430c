package io.steadyproxy.upgrade;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * Every upgraded connection of the proxy: their own limit ({@code max_upgraded_connections}), apart
 * from the request pool, since one holds an upstream socket for hours; their idle timeout ({@code
 * upgrade_idle_timeout}), enforced by one sweeper thread instead of a timer per read; and their
 * close at shutdown.
 *
 * <p>A connection counts from the moment its upgrade request is let through (the upstream socket is
 * opened for it) to the moment both its sockets are closed.
 */
public final class Tunnels implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Tunnels.class.getName());

  /**
   * The limits; a reload swaps them: a lower maximum refuses new upgrades until enough have ended,
   * a new idle timeout applies to open tunnels at the next sweep.
   *
   * @param maxConnections upgraded connections open at once
   * @param idleTimeout a tunnel that moves no byte for this long is closed; zero: never
   */
  public record Limits(int maxConnections, Duration idleTimeout) {}

  /**
   * The counts shown on {@code /health} and in metrics.
   *
   * @param active upgraded connections open now (handshakes under way included)
   * @param max the limit
   * @param total upgraded connections established since start
   * @param refused upgrade requests refused at the limit
   */
  public record Stats(int active, int max, long total, long refused) {
    /** The counts as a JSON object. */
    public String toJson() {
      return "{\"active\":"
          + active
          + ",\"max\":"
          + max
          + ",\"total\":"
          + total
          + ",\"refused\":"
          + refused
          + "}";
    }
  }

  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();
  // Handshakes under way: each is asked, at every sweep, whether it is past its deadline.
  private final Set<LongPredicate> handshakes = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService sweeper;
  private volatile Limits limits;
  private volatile boolean closed;

  /**
   * Creates the registry and starts its sweeper.
   *
   * @param limits the limit and the idle timeout
   */
  public Tunnels(Limits limits) {
    this.limits = limits;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("tunnel-sweeper").daemon().factory());
    // Every 100 ms: an idle close or a handshake's read timeout comes at most that late, and a
    // sweep
    // reads a few volatile fields per tunnel.
    sweeper.scheduleWithFixedDelay(this::sweep, 100, 100, TimeUnit.MILLISECONDS);
  }

  /** Applies reloaded limits. */
  public void limits(Limits next) {
    this.limits = next;
  }

  /** The limits now. */
  public Limits limits() {
    return limits;
  }

  /**
   * Takes a place for one upgraded connection.
   *
   * @return false at the limit, or once the proxy is stopping; the caller then answers 503
   */
  public boolean tryAcquire() {
    while (!closed) {
      int n = active.get();
      if (n >= limits.maxConnections()) {
        refused.incrementAndGet();
        return false;
      }
      if (active.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    refused.incrementAndGet();
    return false;
  }

  /** Why {@link #tryAcquire} said no, for the 503's detail. */
  public String refusal() {
    return closed
        ? "the proxy is shutting down"
        : "max_upgraded_connections ("
            + limits.maxConnections()
            + ") upgraded connections are open already";
  }

  /** Gives back a place taken with {@link #tryAcquire} (once its sockets are closed). */
  public void release() {
    active.decrementAndGet();
  }

  /**
   * Bounds a handshake: the sweeper calls {@code stuck} with {@link System#nanoTime()} at each
   * sweep until {@link #unwatch}; it closes the handshake's socket itself when past its deadline.
   */
  public void watch(LongPredicate stuck) {
    handshakes.add(stuck);
  }

  /** Stops watching a handshake. */
  public void unwatch(LongPredicate stuck) {
    handshakes.remove(stuck);
  }

  /**
   * Relays between the two sides until both closed, on this thread and one virtual thread. The
   * caller holds a place ({@link #tryAcquire}) and gives it back after this returns.
   */
  public Tunnel.Result relay(Tunnel.Side client, Tunnel.Side upstream) {
    Tunnel tunnel = new Tunnel(client, upstream);
    open.add(tunnel);
    total.incrementAndGet();
    try {
      if (closed) {
        tunnel.close(Tunnel.End.SHUTDOWN); // closeAll ran between the handshake and here
      }
      return tunnel.run();
    } finally {
      open.remove(tunnel);
    }
  }

  /** The counts now. */
  public Stats stats() {
    return new Stats(active.get(), limits.maxConnections(), total.get(), refused.get());
  }

  /**
   * Closes every open tunnel (both its sockets) and refuses new upgrades: called when the server's
   * grace period is over.
   */
  public void closeAll() {
    closed = true;
    for (Tunnel t : open) {
      t.close(Tunnel.End.SHUTDOWN);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      long idle = limits.idleTimeout().toNanos();
      for (Tunnel t : open) {
        if (t.closeIfIdle(now, idle)) {
          LOG.log(System.Logger.Level.DEBUG, "upgraded connection closed after idle timeout");
        }
      }
      handshakes.removeIf(h -> h.test(now));
    } catch (RuntimeException e) {
      // a periodic task that throws is never run again: the idle timeout would be gone
      LOG.log(System.Logger.Level.WARNING, "tunnel sweep failed", e);
    }
  }

  @Override
  public void close() {
    closeAll();
    sweeper.shutdownNow();
  }
}
