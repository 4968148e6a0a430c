package io.steadyproxy.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.steadyproxy.operator.controller.ProxyConfigController;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.operator.reconcile.SpecValidator;
import io.steadyproxy.operator.watchdog.AdminEndpoints;
import io.steadyproxy.operator.watchdog.KubernetesPodLister;
import io.steadyproxy.operator.watchdog.KubernetesWatchdogActions;
import io.steadyproxy.operator.watchdog.MemoryWatchdog;
import io.steadyproxy.operator.watchdog.ProxyAdminClient;
import io.steadyproxy.operator.watchdog.RestartBudget;
import io.steadyproxy.operator.watchdog.SecretTokenSource;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One operator instance: health and metrics always; the controller and the memory watchdog only
 * while it leads.
 *
 * <p>With leader election on, every replica serves {@code /healthz} and {@code /readyz} but only
 * the holder of the Lease reconciles, so two replicas never fight over the same objects. When
 * leadership is lost the work stops at once and {@code onLeadershipLost} runs; {@link Main} exits
 * then, so the next start is a clean candidate (as client-go recommends).
 */
public final class Operator implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Operator.class.getName());

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final Clock clock;
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final OperatorHttpServer http;
  private final Runnable onLeadershipLost;
  private final AdminEndpoints adminEndpoints;
  private volatile ProxyConfigController controller;
  private volatile MemoryWatchdog watchdog;
  private volatile ScheduledExecutorService watchdogTimer;
  private volatile CompletableFuture<?> election;

  /** Outlives a change of leader within this process: a new term doesn't refill it. */
  private final RestartBudget restartBudget;

  private volatile boolean leading;
  private volatile boolean closing;

  /**
   * @param onLeadershipLost runs when this instance stops leading while still running
   */
  public Operator(
      OperatorConfig config, KubernetesClient client, Clock clock, Runnable onLeadershipLost)
      throws IOException {
    this(config, client, clock, onLeadershipLost, AdminEndpoints.podIp());
  }

  /** As above, with the pods' admin addresses given: tests point them at loopback servers. */
  Operator(
      OperatorConfig config,
      KubernetesClient client,
      Clock clock,
      Runnable onLeadershipLost,
      AdminEndpoints adminEndpoints)
      throws IOException {
    this.adminEndpoints = adminEndpoints;
    this.config = config;
    this.client = client;
    this.clock = clock;
    this.onLeadershipLost = onLeadershipLost;
    this.restartBudget =
        new RestartBudget(config.watchdogMaxRestarts(), config.watchdogRestartWindow());
    this.http =
        new OperatorHttpServer(
            config.httpHost(), config.httpPort(), this::isLive, this::isReady, metrics);
  }

  /** Serves health and metrics, then leads (or campaigns to lead). Returns at once. */
  public void start() {
    http.start();
    LOG.info(
        "operator "
            + config.identity()
            + " started: "
            + config
            + ", health on port "
            + http.port());
    if (!config.leaderElection()) {
      startLeading();
      return;
    }
    String leaseNamespace =
        config.leaseNamespace() != null ? config.leaseNamespace() : client.getNamespace();
    if (leaseNamespace == null) {
      leaseNamespace = "default";
    }
    election =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName(config.leaseName())
                    .withLock(new LeaseLock(leaseNamespace, config.leaseName(), config.identity()))
                    .withLeaseDuration(config.leaseDuration())
                    .withRenewDeadline(config.renewDeadline())
                    .withRetryPeriod(config.retryPeriod())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            this::startLeading,
                            this::stopLeading,
                            leader -> LOG.info("leader is now " + leader)))
                    .build())
            .build()
            .start();
  }

  /** True while this instance holds the Lease (always, without leader election). */
  public boolean isLeader() {
    return leading;
  }

  /**
   * Liveness: false once an informer of the running controller stopped, or the election loop ended
   * on its own (this instance could never lead again).
   */
  public boolean isLive() {
    ProxyConfigController current = controller;
    CompletableFuture<?> campaign = election;
    boolean campaigning = campaign == null || !campaign.isDone() || closing;
    return campaigning && (current == null || current.isHealthy());
  }

  /** Readiness: a standby is ready; a leader once its caches are synced. */
  public boolean isReady() {
    ProxyConfigController current = controller;
    return !leading || (current != null && current.isSynced());
  }

  /** This instance's metrics. */
  public OperatorMetrics metrics() {
    return metrics;
  }

  /** The port of the health and metrics server. */
  public int httpPort() {
    return http.port();
  }

  /** Stops leading (releasing the Lease), then stops serving. */
  @Override
  public void close() {
    closing = true;
    CompletableFuture<?> running = election;
    if (running != null) {
      running.cancel(true);
    }
    stopLeading();
    http.close();
  }

  private synchronized void startLeading() {
    if (closing || leading) {
      return;
    }
    LOG.info(config.identity() + " is leading");
    ProxyConfigController started =
        new ProxyConfigController(
            client,
            config.namespaces(),
            config.workers(),
            config.resync(),
            metrics,
            clock,
            config.identity(),
            config.proxyImage());
    started.start();
    controller = started;
    MemoryWatchdog memory =
        new MemoryWatchdog(
            () -> watchedProxies(started),
            new KubernetesPodLister(client),
            adminEndpoints,
            ProxyAdminClient.withDefaultTimeouts(),
            new SecretTokenSource(client),
            new KubernetesWatchdogActions(client, clock, config.identity()),
            clock,
            metrics,
            restartBudget);
    metrics.replicas(() -> replicas(started));
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("memory-watchdog").daemon().factory());
    long tick = MemoryWatchdog.TICK.toMillis();
    timer.scheduleWithFixedDelay(memory::tick, tick, tick, TimeUnit.MILLISECONDS);
    watchdog = memory;
    watchdogTimer = timer;
    leading = true;
    metrics.leader(true);
  }

  /** The ProxyConfigs the watchdog looks after: valid ones that are not being deleted. */
  private static List<ProxyConfig> watchedProxies(ProxyConfigController controller) {
    return controller.proxyConfigs().list().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> SpecValidator.check(p).isEmpty())
        .toList();
  }

  /** Replica counts of every cached ProxyConfig, for the per-ProxyConfig gauges. */
  private static List<OperatorMetrics.Replicas> replicas(ProxyConfigController controller) {
    return controller.proxyConfigs().list().stream()
        .map(
            p -> {
              ProxyConfigStatus status = p.getStatus();
              Integer observed = status == null ? null : status.getReplicas();
              Integer wanted = p.getSpec() == null ? null : p.getSpec().getReplicas();
              Integer ready = status == null ? null : status.getReadyReplicas();
              return new OperatorMetrics.Replicas(
                  p.getMetadata().getNamespace(),
                  p.getMetadata().getName(),
                  wanted != null ? wanted : observed == null ? 0 : observed,
                  ready == null ? 0 : ready);
            })
        .toList();
  }

  private synchronized void stopLeading() {
    boolean wasLeading = leading;
    leading = false;
    metrics.leader(false);
    metrics.replicas(List::of);
    ScheduledExecutorService timer = watchdogTimer;
    watchdogTimer = null;
    if (timer != null) {
      timer.shutdownNow();
    }
    MemoryWatchdog memory = watchdog;
    watchdog = null;
    if (memory != null) {
      memory.close();
    }
    ProxyConfigController stopped = controller;
    controller = null;
    if (stopped != null) {
      stopped.close();
    }
    if (wasLeading && !closing) {
      LOG.warning(config.identity() + " lost leadership");
      onLeadershipLost.run();
    }
  }
}
