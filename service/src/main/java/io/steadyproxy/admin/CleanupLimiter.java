package io.steadyproxy.admin;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Lets one full cleanup through per window. A full cleanup closes every idle upstream socket and
 * asks for a full GC (hundreds of milliseconds of CPU on a large heap): a script in a loop, or
 * anyone holding the token, must not be able to keep the proxy doing nothing else. Refusals do not
 * move the window, so a client that keeps asking still gets its turn.
 */
final class CleanupLimiter {
  private final InstantSource clock;
  private final Duration window;
  private Instant last;

  /**
   * @param clock the clock seam ({@link InstantSource#system()} in production)
   * @param window the least time between two cleanups
   */
  CleanupLimiter(InstantSource clock, Duration window) {
    this.clock = clock;
    this.window = window;
  }

  /**
   * Takes the turn if it is free.
   *
   * @return 0 when the caller may clean up now, else the whole seconds to wait (at least 1, for
   *     Retry-After)
   */
  synchronized long tryAcquire() {
    Instant now = clock.instant();
    if (last != null) {
      Duration left = Duration.between(now, last.plus(window));
      if (left.isPositive()) {
        long millis = left.toMillis();
        return Math.max(1, (millis + 999) / 1000);
      }
    }
    last = now;
    return 0;
  }
}
