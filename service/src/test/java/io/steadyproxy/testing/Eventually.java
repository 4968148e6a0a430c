package io.steadyproxy.testing;

import java.time.Duration;

/**
 * The one way tests wait for something the proxy reaches on its own threads (a slot given back, a
 * line logged): poll a condition until it holds, failing after a bound. There is no event to wait
 * on from outside the proxy, and a fixed sleep would either be too short on a busy machine or waste
 * time on a quiet one.
 */
public final class Eventually {
  /** Long enough for a loaded 2-core machine; a condition that holds at all holds well before. */
  private static final long BOUND_SECONDS = 15;

  private static final long POLL_MILLIS = 20;

  private Eventually() {}

  /** A condition to poll; it may read a file or a socket. */
  @FunctionalInterface
  public interface Condition {
    /** Whether the awaited state has been reached. */
    boolean holds() throws Exception;
  }

  /**
   * Returns as soon as {@code condition} holds; fails the test with {@code what} if it does not
   * within 15 s, or at once if checking it throws.
   */
  public static void eventually(String what, Condition condition) throws InterruptedException {
    eventually(what, Duration.ofSeconds(BOUND_SECONDS), condition);
  }

  /**
   * As {@link #eventually(String, Condition)} with another bound: a child JVM starting on a loaded
   * machine (a real launch, SIGTERM) can take longer than anything inside a running proxy.
   */
  public static void eventually(String what, Duration bound, Condition condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!check(what, condition)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + bound.toSeconds() + " s: " + what);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static boolean check(String what, Condition condition) throws InterruptedException {
    try {
      return condition.holds();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("checking '" + what + "' failed: " + e, e);
    }
  }
}
