package io.steadyproxy;

import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.MemoryPolicy;
import io.steadyproxy.proxy.ClientDeadlines;
import io.steadyproxy.proxy.UpstreamPool;
import io.steadyproxy.upgrade.Tunnels;

/**
 * Each part's own value type, from its group of settings. The parts do not import {@code config}
 * (they take plain values, and tests build them without reading settings); the translation lives
 * here, once, for {@link SteadyProxy} and the routing tests' fixture.
 */
public final class FromSettings {
  private FromSettings() {}

  /** The upstream pool's limits and timeouts. */
  public static UpstreamPool.Limits poolLimits(ProxySettings.Pool p) {
    return new UpstreamPool.Limits(
        p.maxConnections(),
        p.maxKeepaliveConnections(),
        p.keepaliveExpiry(),
        p.poolTimeout(),
        p.connectTimeout(),
        p.readTimeout(),
        p.writeTimeout());
  }

  /** The memory monitor's and connection admission's thresholds. */
  public static MemoryPolicy memoryPolicy(ProxySettings.Memory m) {
    return new MemoryPolicy(m.cleanupThresholdMb(), m.maxUsageMb(), m.maxHeapPercent());
  }

  /** The upgraded connections' limit and idle timeout. */
  public static Tunnels.Limits tunnelLimits(ProxySettings.Upgrade u) {
    return new Tunnels.Limits(u.maxConnections(), u.idleTimeout());
  }

  /** The client connections' deadlines. */
  public static ClientDeadlines.Timeouts clientTimeouts(ProxySettings.Client c) {
    return new ClientDeadlines.Timeouts(
        c.headerTimeout(), c.bodyTimeout(), c.sendTimeout(), c.keepaliveTimeout());
  }
}
