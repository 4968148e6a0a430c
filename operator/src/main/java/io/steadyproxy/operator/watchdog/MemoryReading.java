package io.steadyproxy.operator.watchdog;

/**
 * What a pod's {@code GET /health} said.
 *
 * @param status the proxy's own status string
 * @param memoryMb {@code memory_usage_mb}, the process RSS in MB
 */
public record MemoryReading(String status, double memoryMb) {}
