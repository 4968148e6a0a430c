package io.steadyproxy.operator.watchdog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The operator-wide limit on watchdog restarts: at most {@code maxRestarts} in any sliding {@code
 * window}, across every ProxyConfig. A leak that hits all proxies at once (a bad image, a traffic
 * pattern) must not turn the watchdog into a cluster-wide restart storm; the restarts it defers
 * happen later, one budget slot at a time.
 */
public final class RestartBudget {

  private final int maxRestarts;
  private final Duration window;
  private final Deque<Instant> spent = new ArrayDeque<>();

  /**
   * @param maxRestarts restarts allowed per window; 0 turns every restart off
   * @param window the sliding window
   */
  public RestartBudget(int maxRestarts, Duration window) {
    if (maxRestarts < 0 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("maxRestarts >= 0 and a positive window");
    }
    this.maxRestarts = maxRestarts;
    this.window = window;
  }

  /** Whether a restart may happen at {@code now}. */
  public synchronized boolean available(Instant now) {
    forgetBefore(now.minus(window));
    return spent.size() < maxRestarts;
  }

  /** Records a restart that happened at {@code now}. */
  public synchronized void spend(Instant now) {
    spent.addLast(now);
  }

  /** The budget in words, for messages: "1 restart per 60 s". */
  public String describe() {
    return maxRestarts
        + (maxRestarts == 1 ? " restart" : " restarts")
        + " per "
        + window.toSeconds()
        + " s";
  }

  private void forgetBefore(Instant cutoff) {
    while (!spent.isEmpty() && !spent.peekFirst().isAfter(cutoff)) {
      spent.removeFirst();
    }
  }
}
