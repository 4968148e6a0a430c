package io.steadyproxy.proxy;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLSocketFactory;

/**
 * The one upstream connection pool of the process, with the limits the seed promised and Helidon's
 * client cache lacks (see {@code src-docs/architecture.md}):
 *
 * <ul>
 *   <li>at most {@code maxConnections} sockets open at once, across all upstreams: a fair semaphore
 *       of in-use slots, plus an open-socket count that evicts an idle socket of another upstream
 *       before opening past the limit;
 *   <li>at most {@code maxIdle} idle sockets kept, reused last-in first-out (warm sockets stay
 *       warm, cold ones age out); while requests wait for a slot a returned socket goes to them
 *       instead of being closed, and the surplus is trimmed once nobody waits;
 *   <li>idle sockets really closed after {@code expiry}, by one sweeper thread, not by a timed read
 *       per connection;
 *   <li>a request waits at most {@code poolTimeout} for a slot, then fails with {@link
 *       ErrorClass#POOL_EXHAUSTED}.
 * </ul>
 *
 * The sweeper also enforces the write timeout of connections in use.
 */
public final class UpstreamPool implements AutoCloseable {
  private final Limits limits;
  private final InstantSource clock;
  private final SSLSocketFactory tls;
  private final Semaphore slots;
  private final Map<UpstreamEndpoint, ConcurrentLinkedDeque<UpstreamConnection>> idle =
      new ConcurrentHashMap<>();
  // Every open socket, idle or lent: the sweeper's list. It changes when a socket opens or closes,
  // not on every request (a set of lent sockets cost two map updates per request).
  private final Set<UpstreamConnection> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger lentCount = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger idleCount = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final ScheduledExecutorService sweeper;
  private volatile LongConsumer waitObserver = nanos -> {};
  private volatile Runnable staleObserver = () -> {};
  private volatile boolean closed;

  /**
   * The pool's limits and timeouts.
   *
   * @param maxConnections sockets open at once
   * @param maxIdle idle sockets kept
   * @param expiry idle lifetime
   * @param poolTimeout longest wait for a slot
   * @param connectTimeout TCP/TLS connect bound
   * @param readTimeout silence bound while reading
   * @param writeTimeout no-progress bound while writing
   */
  public record Limits(
      int maxConnections,
      int maxIdle,
      Duration expiry,
      Duration poolTimeout,
      Duration connectTimeout,
      Duration readTimeout,
      Duration writeTimeout) {}

  /**
   * Creates a pool and starts its sweeper.
   *
   * @param limits limits and timeouts
   * @param clock the time source for idle expiry (a seam for tests)
   * @param tls socket factory for {@code https} upstreams
   */
  public UpstreamPool(Limits limits, InstantSource clock, SSLSocketFactory tls) {
    this.limits = limits;
    this.clock = clock;
    this.tls = tls;
    this.slots = new Semaphore(limits.maxConnections(), true);
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("upstream-pool-sweeper").daemon().factory());
    // Sweep often enough to keep timeout and expiry errors small next to their settings.
    long shortest =
        Math.min(
            limits.expiry().toMillis(),
            Math.min(limits.writeTimeout().toMillis(), limits.readTimeout().toMillis()));
    long period = Math.clamp(shortest / 4, 10, 1000);
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a connection with the pool's timeouts and TLS trust that is not the pool's: it is not
   * counted, swept or reused (an upgraded connection holds its socket for hours, under its own
   * limit). The caller closes it.
   */
  UpstreamConnection openOutside(UpstreamEndpoint endpoint) {
    return UpstreamConnection.open(
        endpoint, limits.connectTimeout(), limits.readTimeout(), limits.writeTimeout(), tls);
  }

  /** The write timeout, in nanoseconds (an HTTP/2 upload waits for a window no longer). */
  long writeTimeoutNanos() {
    return limits.writeTimeout().toNanos();
  }

  /** Receives how long each acquisition waited for a slot, in nanoseconds (for metrics). */
  public void onWait(LongConsumer observer) {
    this.waitObserver = observer;
  }

  /**
   * Is told of each idle connection closed because the upstream had closed it or sent bytes nobody
   * asked for (for metrics).
   */
  public void onStaleClosed(Runnable observer) {
    this.staleObserver = observer;
  }

  /**
   * Lends a connection to {@code endpoint}: a warm idle one if there is one, else a new one.
   *
   * @param endpoint where to connect
   * @param fresh skip idle connections (used to retry after a stale one failed)
   * @return a connection the caller must hand back with {@link #release} or {@link #discard}
   * @throws UpstreamException {@link ErrorClass#POOL_EXHAUSTED} after the pool timeout, or a
   *     connect failure
   */
  public UpstreamConnection acquire(UpstreamEndpoint endpoint, boolean fresh) {
    return acquire(endpoint, fresh, false);
  }

  /**
   * Lends a new connection for one HTTP/2 stream (h2 by ALPN under TLS), under the same slots and
   * timeouts as any other; it is never kept idle, so the caller hands it back with {@link
   * #discard}.
   */
  UpstreamConnection acquireHttp2(UpstreamEndpoint endpoint) {
    return acquire(endpoint, true, true);
  }

  private UpstreamConnection acquire(UpstreamEndpoint endpoint, boolean fresh, boolean http2) {
    if (closed) {
      throw new UpstreamException(
          ErrorClass.POOL_EXHAUSTED, endpoint.toString(), "the proxy is shutting down");
    }
    acquireSlot(endpoint);
    boolean lent = false;
    try {
      UpstreamConnection connection = fresh ? null : takeIdle(endpoint);
      if (connection == null) {
        reserveSocket();
        try {
          connection =
              UpstreamConnection.open(
                  endpoint,
                  limits.connectTimeout(),
                  limits.readTimeout(),
                  limits.writeTimeout(),
                  tls,
                  http2);
        } catch (Throwable e) {
          open.decrementAndGet();
          throw e;
        }
        sockets.add(connection);
      }
      lentCount.incrementAndGet();
      if (closed && !keepsSweeper(connection)) {
        throw new UpstreamException(
            ErrorClass.POOL_EXHAUSTED, endpoint.toString(), "the proxy is shutting down");
      }
      lent = true;
      return connection;
    } finally {
      // Errors too (OutOfMemoryError while opening, StackOverflowError): a slot lost here is lost
      // for the life of the pool.
      if (!lent) {
        slots.release();
      }
    }
  }

  /**
   * Takes a connection back. A connection whose response was read to its end may be kept idle;
   * anything else is closed.
   *
   * @param connection the connection {@link #acquire} lent
   * @param reusable whether the exchange ended cleanly at a message boundary
   */
  public void release(UpstreamConnection connection, boolean reusable) {
    if (!connection.handBack()) {
      return; // already handed back
    }
    try {
      // Beyond the keep-alive cap a socket is still kept while requests wait for a slot: the next
      // waiter takes it at once, and closing it would only make that waiter open a new one. The
      // sweeper trims the surplus as soon as nobody waits.
      boolean keep =
          reusable
              && !closed
              && !connection.isClosed()
              && !connection.hasBufferedBytes()
              && (reserveIdlePlace() || handOver());
      if (keep) {
        connection.markIdle(clock.millis());
        idle.computeIfAbsent(connection.endpoint(), e -> new ConcurrentLinkedDeque<>())
            .addFirst(connection);
        if (closed) {
          evictAllIdle(); // close() ran between the check above and now
        }
      } else {
        closeSocket(connection);
      }
    } finally {
      // Only now is the socket counted back, and only now may a waiter take the slot: it then
      // finds the connection just made idle, and nobody sees "none in use" with it still open.
      lentCount.decrementAndGet();
      slots.release();
      stopSweeperIfDone();
    }
  }

  /** Closes a connection that failed or was abandoned mid-exchange, and frees its slot. */
  public void discard(UpstreamConnection connection) {
    if (connection.handBack()) {
      try {
        closeSocket(connection);
      } finally {
        lentCount.decrementAndGet(); // after the close: "none in use" means none open either
        slots.release();
        stopSweeperIfDone();
      }
    }
  }

  /** Closes idle connections older than the expiry. Returns how many were closed. */
  public int evictExpired() {
    long cutoff = clock.millis() - limits.expiry().toMillis();
    return evictIdle(c -> c.idleSinceMillis() <= cutoff);
  }

  /** Closes every idle connection (a full cleanup). Returns how many were closed. */
  public int evictAllIdle() {
    return evictIdle(c -> true);
  }

  /** Current counts. */
  public PoolStats stats() {
    int inUseNow = lentCount.get();
    return new PoolStats(
        open.get(), idleCount.get(), inUseNow, waiting.get(), limits.maxConnections());
  }

  /**
   * Closes every idle connection now and every lent one when it comes back; new acquisitions fail.
   * The sweeper runs on until the last lent connection is back: a pool replaced by a reload still
   * owes its in-flight requests their write timeout.
   */
  @Override
  public void close() {
    closed = true;
    evictAllIdle();
    stopSweeperIfDone();
  }

  /** Whether the sweeper has stopped (it stops once the pool is closed and nothing is lent). */
  boolean sweeperStopped() {
    return sweeper.isShutdown();
  }

  private void stopSweeperIfDone() {
    // close() sets closed before it counts lent sockets, release() counts its socket back before it
    // looks at closed: whichever comes last sees both and stops the sweeper.
    if (closed) {
      synchronized (sweeper) {
        if (lentCount.get() == 0) {
          sweeper.shutdown();
        }
      }
    }
  }

  /**
   * For a connection lent while the pool was being closed: true if the sweeper will watch it until
   * it is back, false (and the connection closed and counted out) if the sweeper has already
   * stopped, since nothing would then bound its writes.
   */
  private boolean keepsSweeper(UpstreamConnection connection) {
    synchronized (sweeper) {
      if (!sweeper.isShutdown()) {
        return true; // counted as lent, so the sweeper cannot stop before it is back
      }
    }
    connection.handBack();
    lentCount.decrementAndGet();
    closeSocket(connection);
    return false;
  }

  private void acquireSlot(UpstreamEndpoint endpoint) {
    try {
      // Not tryAcquire(): it barges past waiters even on a fair semaphore, starving them under
      // load.
      if (slots.tryAcquire(0, TimeUnit.NANOSECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long start = System.nanoTime();
    waiting.incrementAndGet();
    boolean acquired = false;
    try {
      acquired = slots.tryAcquire(limits.poolTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiting.decrementAndGet();
      waitObserver.accept(System.nanoTime() - start);
    }
    if (!acquired) {
      throw new UpstreamException(
          ErrorClass.POOL_EXHAUSTED,
          endpoint.toString(),
          "all "
              + limits.maxConnections()
              + " upstream connections busy for "
              + limits.poolTimeout().toMillis()
              + " ms");
    }
  }

  /**
   * The most recently used idle connection that passes {@link UpstreamConnection#probeIdle}; those
   * that fail (closed by the upstream, or with bytes nobody asked for) are closed on the way.
   */
  private UpstreamConnection takeIdle(UpstreamEndpoint endpoint) {
    UpstreamConnection c;
    while ((c = pollIdle(endpoint)) != null) {
      if (c.probeIdle(true)) {
        return c;
      }
      closeSocket(c);
      staleObserver.run();
    }
    return null;
  }

  private UpstreamConnection pollIdle(UpstreamEndpoint endpoint) {
    ConcurrentLinkedDeque<UpstreamConnection> deque = idle.get(endpoint);
    if (deque == null) {
      return null;
    }
    UpstreamConnection c = deque.pollFirst();
    if (c != null) {
      idleCount.decrementAndGet();
    }
    return c;
  }

  private boolean handOver() {
    if (slots.hasQueuedThreads()) {
      idleCount.incrementAndGet();
      return true;
    }
    return false;
  }

  /**
   * Closes the oldest idle sockets above the keep-alive cap, unless requests are waiting for them.
   */
  private void trimIdle() {
    while (idleCount.get() > limits.maxIdle() && !slots.hasQueuedThreads() && evictOldestIdle()) {
      // one socket closed per turn
    }
  }

  private boolean reserveIdlePlace() {
    while (true) {
      int n = idleCount.get();
      if (n >= limits.maxIdle()) {
        return false;
      }
      if (idleCount.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /**
   * Counts one more open socket, first closing the oldest idle socket (of any upstream) while the
   * limit is reached. The caller holds a slot, so fewer than the limit are in use and, at the
   * limit, at least one socket is idle.
   */
  private void reserveSocket() {
    while (true) {
      int n = open.get();
      if (n < limits.maxConnections()) {
        if (open.compareAndSet(n, n + 1)) {
          return;
        }
      } else if (!evictOldestIdle()) {
        Thread.onSpinWait(); // another thread is between taking an idle socket and counting it
      }
    }
  }

  private boolean evictOldestIdle() {
    UpstreamConnection oldest = null;
    ConcurrentLinkedDeque<UpstreamConnection> from = null;
    for (ConcurrentLinkedDeque<UpstreamConnection> deque : idle.values()) {
      UpstreamConnection last = deque.peekLast();
      if (last != null && (oldest == null || last.idleSinceMillis() < oldest.idleSinceMillis())) {
        oldest = last;
        from = deque;
      }
    }
    if (oldest != null && from.removeLastOccurrence(oldest)) {
      idleCount.decrementAndGet();
      closeSocket(oldest);
      return true;
    }
    return false;
  }

  private int evictIdle(java.util.function.Predicate<UpstreamConnection> which) {
    int closedCount = 0;
    for (ConcurrentLinkedDeque<UpstreamConnection> deque : idle.values()) {
      for (Iterator<UpstreamConnection> it = deque.descendingIterator(); it.hasNext(); ) {
        UpstreamConnection c = it.next();
        if (which.test(c) && deque.removeLastOccurrence(c)) {
          idleCount.decrementAndGet();
          closeSocket(c);
          closedCount++;
        }
      }
    }
    return closedCount;
  }

  private void closeSocket(UpstreamConnection connection) {
    connection.close();
    sockets.remove(connection);
    open.decrementAndGet();
  }

  /**
   * Closes idle connections the upstream has closed or written to, as nginx does by watching its
   * idle upstream sockets, so that they neither count as idle capacity nor hold a file descriptor
   * in CLOSE_WAIT until their expiry.
   */
  private void closeStaleIdle() {
    for (ConcurrentLinkedDeque<UpstreamConnection> deque : idle.values()) {
      for (UpstreamConnection c : deque) {
        if (!c.probeIdle(false) && deque.removeFirstOccurrence(c)) {
          idleCount.decrementAndGet();
          closeSocket(c);
          staleObserver.run();
        }
      }
    }
  }

  private void sweep() {
    try {
      stopSweeperIfDone();
      evictExpired();
      closeStaleIdle();
      trimIdle();
      long now = System.nanoTime();
      for (UpstreamConnection c : sockets) {
        c.closeIfStuck(now);
      }
    } catch (RuntimeException e) {
      // a periodic task that throws is never run again: the write timeout would be gone
      System.getLogger(UpstreamPool.class.getName())
          .log(System.Logger.Level.WARNING, "pool sweep failed", e);
    }
  }
}
