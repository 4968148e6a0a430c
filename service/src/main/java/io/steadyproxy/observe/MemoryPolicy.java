package io.steadyproxy.observe;

/**
 * The seed's two thresholds and what each asks for. Pure: the monitor feeds it readings; tests feed
 * it readings just below, at and above each threshold.
 *
 * @param cleanupThresholdMb above this RSS, a light cleanup (seed: 400 MB)
 * @param maxMemoryUsageMb above this RSS, a full cleanup, then load shedding if still above (seed:
 *     500 MB)
 */
public record MemoryPolicy(long cleanupThresholdMb, long maxMemoryUsageMb) {

  /** What a check should do. */
  public enum Action {
    /** Memory is fine. */
    NONE,
    /** Evict expired and idle upstream connections, hint a GC. */
    LIGHT,
    /** Close every idle upstream connection, GC. */
    FULL
  }

  public MemoryPolicy {
    if (cleanupThresholdMb >= maxMemoryUsageMb) {
      throw new IllegalArgumentException("cleanup threshold must be below the maximum");
    }
  }

  /** The action for a reading: strictly above a threshold acts, at it does not. */
  public Action actionFor(double rssMb) {
    if (rssMb > maxMemoryUsageMb) {
      return Action.FULL;
    }
    if (rssMb > cleanupThresholdMb) {
      return Action.LIGHT;
    }
    return Action.NONE;
  }

  /**
   * Whether load shedding should be on after a check, with hysteresis: it starts when memory is
   * still above the maximum after a full cleanup, and stops under the cleanup threshold, or as soon
   * as nothing is in flight and memory is below the maximum. Then what is left is the process's own
   * footprint, which refusing requests cannot lower; shedding on would only lock clients out.
   *
   * @param rssMbAfterCleanup RSS after this check's cleanup
   * @param sheddingNow whether load is shed now
   * @param idle whether no request is in flight
   */
  public boolean shedAfter(double rssMbAfterCleanup, boolean sheddingNow, boolean idle) {
    if (rssMbAfterCleanup > maxMemoryUsageMb) {
      return true;
    }
    return sheddingNow && rssMbAfterCleanup >= cleanupThresholdMb && !idle;
  }
}
