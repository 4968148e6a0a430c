package io.steadyproxy;

/**
 * How many carrier threads run the proxy's virtual threads: the JDK's default (one per CPU), but
 * never fewer than two.
 *
 * <p>Why: the JDK 25 virtual-thread scheduler is a {@code ForkJoinPool} whose worker runs its own
 * local queue until it is empty before it looks at tasks submitted from outside it. With one CPU
 * there is one worker, and under load its local queue never empties (the I/O poller is a virtual
 * thread that requeues itself while it finds events), so everything submitted from a platform
 * thread waits: a new connection's thread (Helidon accepts on a platform thread), timer
 * expirations, wake-ups from the pool's sweeper. Measured on one pinned core at 256 connections
 * (src-docs/performance.md, "The scheduler"): a probe task submitted from a platform thread every 2
 * ms waited up to 3.0 s with one worker and at most 54 ms with two; wrk's p99 at 256 fresh
 * connections had 0.5-0.75 s spikes in half the runs with one worker and none above 45 ms with two,
 * for 2-6 % fewer requests a second. With two or more CPUs the JDK's default is already two or
 * more, and nothing changes.
 */
final class Carriers {
  static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";
  static final int MINIMUM = 2;

  private Carriers() {}

  /**
   * The parallelism to set, or null to leave the JDK's own choice: the operator set one (as a JVM
   * flag), or there are CPUs enough.
   */
  static String parallelism(String configured, int processors) {
    if (configured != null || processors >= MINIMUM) {
      return null;
    }
    return Integer.toString(MINIMUM);
  }

  /**
   * Sets the parallelism before the first virtual thread exists (the JDK reads it once, when it
   * creates its scheduler): call first thing in {@code main}.
   */
  static void atLeastTwo() {
    String p =
        parallelism(System.getProperty(PARALLELISM), Runtime.getRuntime().availableProcessors());
    if (p != null) {
      System.setProperty(PARALLELISM, p);
    }
  }
}
