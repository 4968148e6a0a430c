package io.steadyproxy.testing;

import io.steadyproxy.FromSettings;
import io.steadyproxy.ProxyRouting;
import io.steadyproxy.admin.AdminService;
import io.steadyproxy.admin.AdminToken;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.ConnectionAdmission;
import io.steadyproxy.observe.HealthService;
import io.steadyproxy.observe.MemoryMonitor;
import io.steadyproxy.observe.MemoryPolicy;
import io.steadyproxy.observe.MetricsEndpoint;
import io.steadyproxy.observe.PrometheusMeters;
import io.steadyproxy.observe.ProxyMetrics;
import io.steadyproxy.proxy.BodyBuffers;
import io.steadyproxy.proxy.ClientDeadlines;
import io.steadyproxy.proxy.ProxyHandler;
import io.steadyproxy.proxy.Routes;
import io.steadyproxy.proxy.UpstreamPool;
import java.time.InstantSource;
import javax.net.ssl.SSLSocketFactory;

/**
 * What {@link ProxyRouting} serves, built from settings (read from flags, as the command line
 * would) and fake memory readings, without a web server: for {@code @RoutingTest} and
 * {@code @ServerTest} classes. Close it (in {@code @AfterAll}): its pool, its background threads
 * and its registry's GC listeners.
 */
public final class RoutingParts implements AutoCloseable {
  private final FakeMemory memory = new FakeMemory();
  private final PrometheusMeters meters;
  private final ProxyMetrics metrics;
  private final UpstreamPool pool;
  private final MemoryMonitor monitor;
  private final ConnectionAdmission admission;
  private final ClientDeadlines deadlines;
  private final ProxyRouting.Endpoints endpoints;
  private final ProxyRouting.Proxying proxying;

  private RoutingParts(ProxySettings s) {
    pool =
        new UpstreamPool(
            FromSettings.poolLimits(s.pool()),
            InstantSource.system(),
            (SSLSocketFactory) SSLSocketFactory.getDefault());
    meters = PrometheusMeters.start(memory);
    metrics = new ProxyMetrics(meters.registry(), pool::stats, memory);
    MemoryPolicy policy = FromSettings.memoryPolicy(s.memory());
    monitor =
        new MemoryMonitor(
            memory,
            InstantSource.system(),
            MemoryMonitor.Cleaners.of(all -> all == 1 ? pool.evictAllIdle() : pool.evictExpired()),
            metrics,
            policy,
            () -> pool.stats().inUse() == 0);
    admission =
        new ConnectionAdmission(
            memory, metrics, policy, ConnectionAdmission.WAIT, ConnectionAdmission.GC_EVERY);
    ProxySettings.Client c = s.client();
    deadlines = new ClientDeadlines(FromSettings.clientTimeouts(c), phase -> {});
    BodyBuffers bodyBuffers = new BodyBuffers(c.bodyBufferSize(), c.bodyBuffersMax());
    ProxySettings.Routing r = s.routing();
    ProxyHandler.Dispatch dispatch =
        new ProxyHandler.Dispatch(
            new Routes(r.routes()), pool, r.preserveHost(), r.trustedProxies());
    endpoints =
        new ProxyRouting.Endpoints(
            new HealthService(memory, pool::stats, monitor, admission, InstantSource.system()),
            new AdminService(
                AdminToken.of(s.admin().token(), s.admin().tokenFile()),
                monitor,
                InstantSource.system()),
            new MetricsEndpoint(meters));
    proxying =
        new ProxyRouting.Proxying(
            new ProxyHandler(
                () -> dispatch, monitor::shedding, metrics::exchange, deadlines, bodyBuffers),
            deadlines.filter());
  }

  /** The parts for the settings these flags give ({@link TestProxies#settings}). */
  public static RoutingParts of(String... flags) {
    return new RoutingParts(TestProxies.settings(flags));
  }

  /** {@code /health} and {@code /admin}. */
  public ProxyRouting.Endpoints endpoints() {
    return endpoints;
  }

  /** The proxy handler and the client deadlines' filter. */
  public ProxyRouting.Proxying proxying() {
    return proxying;
  }

  /** The memory readings the endpoints see. */
  public FakeMemory memory() {
    return memory;
  }

  @Override
  public void close() {
    deadlines.close();
    monitor.close();
    admission.close();
    pool.close();
    metrics.close();
    meters.close();
  }
}
