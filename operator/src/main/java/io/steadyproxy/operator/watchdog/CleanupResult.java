package io.steadyproxy.operator.watchdog;

/**
 * What a pod's {@code POST /admin/cleanup} released.
 *
 * @param beforeMb RSS in MB before the cleanup
 * @param afterMb RSS in MB after it
 */
public record CleanupResult(double beforeMb, double afterMb) {}
