package io.steadyproxy.operator.controller;

import java.time.Duration;

/**
 * Exponential retry delays: {@code base * 2^(failures-1)}, capped at {@code max}. A spec that keeps
 * failing (an API server that keeps refusing) is retried ever more slowly instead of hammering the
 * server.
 *
 * @param base the delay after the first failure
 * @param max the longest delay
 */
public record Backoff(Duration base, Duration max) {

  /** 200 ms, doubling, up to 5 minutes. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofMinutes(5));

  /** The delay before retry number {@code failures} (1 for the first retry). */
  public Duration delay(int failures) {
    if (failures <= 1) {
      return base.compareTo(max) > 0 ? max : base;
    }
    // Past 2^30 every realistic base is over any realistic max; avoid overflowing.
    int doublings = Math.min(failures - 1, 30);
    long millis = base.toMillis() * (1L << doublings);
    return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
  }
}
