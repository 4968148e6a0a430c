package io.steadyproxy.operator;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for an eventual state, polling, with a generous bound: the tests assert states, never
 * timings, so a busy machine makes them slower, not flaky.
 */
public final class Eventually {

  /** Long enough for a loaded 2-core machine; a passing test returns far sooner. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Eventually() {}

  /** Returns once {@code condition} holds; fails with {@code what} after {@link #TIMEOUT}. */
  public static void await(String what, BooleanSupplier condition) {
    await(what, TIMEOUT, condition);
  }

  /** Returns once {@code condition} holds; fails with {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException notYet) {
        // e.g. a field read from an object that isn't there yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout.toSeconds() + " s waiting for: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what, e);
      }
    }
  }

  /** Returns the first non-null value of {@code value}; fails after {@link #TIMEOUT}. */
  public static <T> T awaitValue(String what, Supplier<T> value) {
    Object[] holder = new Object[1];
    await(what, () -> (holder[0] = value.get()) != null);
    @SuppressWarnings("unchecked")
    T result = (T) holder[0];
    return result;
  }
}
