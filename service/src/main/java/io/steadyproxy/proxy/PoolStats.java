package io.steadyproxy.proxy;

/**
 * A snapshot of the upstream pool.
 *
 * @param open sockets open (in use plus idle)
 * @param idle open sockets waiting for reuse
 * @param inUse sockets lent to requests
 * @param waiting requests waiting for a free connection
 * @param max the hard limit on open sockets
 */
public record PoolStats(int open, int idle, int inUse, int waiting, int max) {}
