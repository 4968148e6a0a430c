package io.steadyproxy.observe;

/**
 * When to clean up and when to shed load, from two measures. RSS against the seed's two thresholds
 * is what a container's memory limit counts. The share of the JVM heap in use is what an {@code
 * OutOfMemoryError} counts: the heap has a fixed size, so RSS stays on its plateau however full the
 * heap gets, and only this share shows the heap filling up. Pure: the monitor feeds it readings;
 * tests feed it readings just below, at and above each threshold.
 *
 * @param cleanupThresholdMb above this RSS, a light cleanup (seed: 400 MB)
 * @param maxMemoryUsageMb above this RSS, a full cleanup, then load shedding if still above (seed:
 *     500 MB)
 * @param maxHeapPercent above this share of the heap in use, a full cleanup, then load shedding if
 *     still above (90); shedding stops {@link #HEAP_HYSTERESIS} points below it
 */
public record MemoryPolicy(long cleanupThresholdMb, long maxMemoryUsageMb, int maxHeapPercent) {

  /** How far under {@code maxHeapPercent} the heap must fall for shedding to stop. */
  public static final int HEAP_HYSTERESIS = 10;

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
    if (maxHeapPercent <= HEAP_HYSTERESIS || maxHeapPercent > 100) {
      throw new IllegalArgumentException("max heap percent must be in (10, 100]");
    }
  }

  /**
   * The action for a reading: strictly above a threshold acts, at it does not. A heap above its
   * share asks for a full cleanup: only a full collection tells live data from garbage.
   */
  public Action actionFor(MemorySample s) {
    if (s.rssMb() > maxMemoryUsageMb || s.heapPercent() > maxHeapPercent) {
      return Action.FULL;
    }
    if (s.rssMb() > cleanupThresholdMb) {
      return Action.LIGHT;
    }
    return Action.NONE;
  }

  /**
   * Whether load shedding should be on after a check, with hysteresis: it starts when either
   * measure is still above its maximum after a full cleanup, and stops once both are under their
   * lower marks (the cleanup threshold; the heap share less {@link #HEAP_HYSTERESIS}), or as soon
   * as nothing is in flight and both are below their maximums. Then what is left is the process's
   * own footprint, which refusing requests cannot lower; shedding on would only lock clients out.
   *
   * @param afterCleanup the reading after this check's cleanup
   * @param sheddingNow whether load is shed now
   * @param idle whether no request is in flight
   */
  public boolean shedAfter(MemorySample afterCleanup, boolean sheddingNow, boolean idle) {
    if (afterCleanup.rssMb() > maxMemoryUsageMb || afterCleanup.heapPercent() > maxHeapPercent) {
      return true;
    }
    return sheddingNow
        && !idle
        && (afterCleanup.rssMb() >= cleanupThresholdMb
            || afterCleanup.heapPercent() >= maxHeapPercent - HEAP_HYSTERESIS);
  }

  /**
   * Whether new client connections should be accepted after a reading taken right after a GC, with
   * hysteresis, as Envoy's overload manager does with {@code stop_accepting_connections}. Accepting
   * stops before request shedding would start ({@link #HEAP_HYSTERESIS} points under {@code
   * maxHeapPercent}), so the connections already held keep the headroom to be served; it resumes
   * only {@link #HEAP_HYSTERESIS} points lower still, so one GC's swing cannot flap it. RSS stops
   * it above {@code maxMemoryUsageMb} and lets it resume halfway down to the cleanup threshold:
   * with a fixed heap RSS sits on a plateau, so the heap share does the fine control.
   *
   * @param afterGc a reading taken just after a collection (used heap is then live data, or more)
   * @param acceptingNow whether connections are accepted now
   */
  public boolean acceptAfter(MemorySample afterGc, boolean acceptingNow) {
    // 100 turns the heap check off, as it does for shedding
    double heap = maxHeapPercent == 100 ? 0 : afterGc.heapPercent();
    double rss = afterGc.rssMb();
    if (acceptingNow) {
      return heap <= stopAcceptingHeapPercent() && rss <= maxMemoryUsageMb;
    }
    return heap < resumeAcceptingHeapPercent() && rss < resumeAcceptingRssMb();
  }

  /** Above this share of the heap in use after a GC, new client connections wait. */
  public int stopAcceptingHeapPercent() {
    return maxHeapPercent - HEAP_HYSTERESIS;
  }

  /** Under this share of the heap in use after a GC, new client connections are accepted again. */
  public int resumeAcceptingHeapPercent() {
    // at least half the stop mark, so a low max_heap_percent (20) still leaves a way back
    int stop = stopAcceptingHeapPercent();
    return Math.max(stop - HEAP_HYSTERESIS, stop / 2);
  }

  /** Under this RSS, new client connections are accepted again (halfway to the cleanup mark). */
  public double resumeAcceptingRssMb() {
    return (cleanupThresholdMb + maxMemoryUsageMb) / 2.0;
  }
}
