package io.steadyproxy.observe;

import java.time.Instant;

/**
 * What one cleanup did.
 *
 * @param kind {@code light} or {@code full}
 * @param at when it ran
 * @param beforeMb RSS before, MB
 * @param afterMb RSS after, MB
 * @param heapBeforeMb heap in use before, MB
 * @param heapAfterMb heap in use after, MB
 * @param connectionsClosed idle upstream connections it closed
 */
public record CleanupResult(
    String kind,
    Instant at,
    double beforeMb,
    double afterMb,
    double heapBeforeMb,
    double heapAfterMb,
    int connectionsClosed) {

  /** The result as a JSON object (used by {@code /health} and {@code /admin/cleanup}). */
  public String toJson() {
    return "{\"time\":\""
        + at
        + "\",\"kind\":\""
        + kind
        + "\",\"before_mb\":"
        + beforeMb
        + ",\"after_mb\":"
        + afterMb
        + ",\"released_mb\":"
        + Math.round((beforeMb - afterMb) * 10) / 10.0
        + ",\"heap_before_mb\":"
        + heapBeforeMb
        + ",\"heap_after_mb\":"
        + heapAfterMb
        + ",\"connections_closed\":"
        + connectionsClosed
        + "}";
  }
}
