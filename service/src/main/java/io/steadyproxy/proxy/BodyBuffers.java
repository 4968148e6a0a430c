package io.steadyproxy.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory budget of request bodies read whole before an upstream connection is taken (nginx's
 * client_body_buffer_size, with a process-wide cap nginx lacks: it spills to disk instead). A body
 * that does not fit the budget streams, as every body did before buffering.
 */
public final class BodyBuffers {
  private final AtomicLong used = new AtomicLong();
  private volatile long bodyLimit;
  private volatile long max;

  /**
   * @param bodyLimit bodies up to this many bytes are buffered (client_body_buffer_size; 0: none)
   * @param max bytes all buffered bodies may hold at once (client_body_buffers_max)
   */
  public BodyBuffers(long bodyLimit, long max) {
    limits(bodyLimit, max);
  }

  /** Applies reloaded limits; bodies buffered already keep their reservation. */
  public void limits(long bodyLimit, long max) {
    this.bodyLimit = bodyLimit;
    this.max = max;
  }

  /** Bodies up to this many bytes are buffered. */
  public long bodyLimit() {
    return bodyLimit;
  }

  /** The budget. */
  public long max() {
    return max;
  }

  /** Bytes reserved by buffered bodies now. */
  public long used() {
    return used.get();
  }

  /** Reserves {@code bytes} if the budget has room; false (and nothing reserved) if not. */
  boolean tryReserve(long bytes) {
    long now;
    do {
      now = used.get();
      if (now + bytes > max) {
        return false;
      }
    } while (!used.compareAndSet(now, now + bytes));
    return true;
  }

  /** Gives back what {@link #tryReserve} took. */
  void release(long bytes) {
    used.addAndGet(-bytes);
  }
}
