package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.WatchdogSpec;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Looks after the memory of every proxy pod, as a careful on-call engineer would.
 *
 * <p>For each ProxyConfig with {@code watchdog.enabled}, every {@code intervalSeconds}:
 *
 * <ol>
 *   <li>read {@code GET /health} of each ready pod, in parallel, with short timeouts; a pod that
 *       doesn't answer is counted as unreachable and skipped, never taken as healthy (its
 *       above-maximum streak is kept, not reset);
 *   <li>above {@code cleanupThresholdMb}: {@code POST /admin/cleanup} with the admin token, at most
 *       once per {@code cleanupMinIntervalSeconds} per pod, then an Event and {@code
 *       status.lastCleanups};
 *   <li>above {@code maxMemoryUsageMb} for {@code restartAfterChecks} checks in a row, with {@code
 *       restartPods} on: delete the pod with the highest reading, but only one pod per ProxyConfig
 *       at a time (no restart while any of its pods is not ready or terminating) and never below
 *       the ready pods a PodDisruptionBudget requires.
 * </ol>
 *
 * Every decision reads time from an {@link InstantSource} and pods through {@link PodLister}, so
 * tests drive {@link #tick()} with a fake clock: no sleeping, no timing assertions.
 */
public final class MemoryWatchdog implements AutoCloseable {

  /** How often {@link #tick()} should run: fine enough for the shortest allowed interval. */
  public static final Duration TICK = Duration.ofSeconds(1);

  private static final Logger LOG = Logger.getLogger(MemoryWatchdog.class.getName());

  private final Supplier<List<ProxyConfig>> proxies;
  private final PodLister pods;
  private final AdminEndpoints endpoints;
  private final ProxyAdminClient admin;
  private final AdminTokenSource tokens;
  private final WatchdogActions actions;
  private final InstantSource clock;
  private final OperatorMetrics metrics;
  private final ExecutorService checks = Executors.newVirtualThreadPerTaskExecutor();

  /** When each ProxyConfig ("namespace/name") was last checked. */
  private final Map<String, Instant> lastRound = new HashMap<>();

  /** What we remember of each pod: ProxyConfig key → pod uid → record. */
  private final Map<String, Map<String, PodRecord>> records = new HashMap<>();

  /** Per-pod memory: the streak above the maximum and the last cleanup call. */
  private static final class PodRecord {
    int checksAboveMax;
    Instant lastCleanup;
  }

  public MemoryWatchdog(
      Supplier<List<ProxyConfig>> proxies,
      PodLister pods,
      AdminEndpoints endpoints,
      ProxyAdminClient admin,
      AdminTokenSource tokens,
      WatchdogActions actions,
      InstantSource clock,
      OperatorMetrics metrics) {
    this.proxies = proxies;
    this.pods = pods;
    this.endpoints = endpoints;
    this.admin = admin;
    this.tokens = tokens;
    this.actions = actions;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * Checks every ProxyConfig whose interval has elapsed. Called about once a second; a failure with
   * one ProxyConfig never stops the others.
   */
  public synchronized void tick() {
    Instant now = clock.instant();
    Set<String> seen = new HashSet<>();
    for (ProxyConfig proxy : proxies.get()) {
      String key = Cache.metaNamespaceKeyFunc(proxy);
      seen.add(key);
      WatchdogSpec policy = policy(proxy);
      if (!Boolean.TRUE.equals(policy.getEnabled())) {
        continue;
      }
      Instant last = lastRound.get(key);
      if (last != null && now.isBefore(last.plusSeconds(policy.getIntervalSeconds()))) {
        continue;
      }
      lastRound.put(key, now);
      try {
        round(proxy, policy, now);
      } catch (RuntimeException e) {
        LOG.warning(() -> "watchdog round for " + key + " failed: " + e);
      }
    }
    lastRound.keySet().retainAll(seen);
    records.keySet().retainAll(seen);
  }

  /** One round for one ProxyConfig. */
  private void round(ProxyConfig proxy, WatchdogSpec policy, Instant now) {
    ProxyConfigSpec spec = proxy.getSpec();
    Map<String, PodRecord> podRecords =
        records.computeIfAbsent(Cache.metaNamespaceKeyFunc(proxy), k -> new HashMap<>());
    List<ProxyPod> all = pods.pods(proxy);
    List<ProxyPod> checkable = all.stream().filter(ProxyPod::checkable).toList();
    Map<ProxyPod, Future<Optional<MemoryReading>>> readings = new HashMap<>();
    for (ProxyPod pod : checkable) {
      readings.put(pod, checks.submit(() -> read(pod)));
    }
    List<String> livePods = all.stream().map(ProxyPod::name).toList();
    List<ProxyPod> restartCandidates = new ArrayList<>();
    Map<ProxyPod, Double> memory = new HashMap<>();
    for (ProxyPod pod : checkable) {
      Optional<MemoryReading> reading = await(readings.get(pod));
      PodRecord record = podRecords.computeIfAbsent(pod.uid(), uid -> new PodRecord());
      if (reading.isEmpty()) {
        metrics.watchdogCheck("unreachable");
        continue;
      }
      double mb = reading.get().memoryMb();
      memory.put(pod, mb);
      if (mb > spec.getMaxMemoryUsageMb()) {
        record.checksAboveMax++;
        metrics.watchdogCheck("above_max");
      } else {
        record.checksAboveMax = 0;
        metrics.watchdogCheck(mb > spec.getCleanupThresholdMb() ? "above_threshold" : "ok");
      }
      if (mb > spec.getCleanupThresholdMb()) {
        cleanup(proxy, policy, pod, record, mb, livePods, now);
      }
      if (Boolean.TRUE.equals(policy.getRestartPods())
          && record.checksAboveMax >= policy.getRestartAfterChecks()) {
        restartCandidates.add(pod);
      }
    }
    if (!restartCandidates.isEmpty()) {
      restartCandidates.sort(Comparator.comparingDouble((ProxyPod p) -> memory.get(p)).reversed());
      ProxyPod chosen = restartCandidates.get(0);
      if (restart(proxy, chosen, all, checkable.size())) {
        podRecords.remove(chosen.uid());
      }
    }
    // Forget pods that are gone, so their uids don't pile up.
    Set<String> liveUids = new HashSet<>();
    all.forEach(p -> liveUids.add(p.uid()));
    podRecords.keySet().retainAll(liveUids);
  }

  private Optional<MemoryReading> read(ProxyPod pod) {
    try {
      return Optional.of(admin.health(endpoints.adminBase(pod)));
    } catch (ProxyAdminClient.UnreachableException e) {
      LOG.info(() -> "pod " + pod.name() + " unreachable: " + e.getMessage());
      return Optional.empty();
    }
  }

  private void cleanup(
      ProxyConfig proxy,
      WatchdogSpec policy,
      ProxyPod pod,
      PodRecord record,
      double mb,
      List<String> livePods,
      Instant now) {
    if (record.lastCleanup != null
        && now.isBefore(record.lastCleanup.plusSeconds(policy.getCleanupMinIntervalSeconds()))) {
      metrics.watchdogCleanup("rate_limited");
      return;
    }
    record.lastCleanup = now;
    Optional<String> token;
    try {
      token = tokens.token(proxy);
    } catch (AdminTokenSource.MissingTokenException e) {
      metrics.watchdogCleanup("no_token");
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "MemoryCleanupSkipped",
          "pod "
              + pod.name()
              + " uses "
              + mb(mb)
              + " MB, above the cleanup threshold, but "
              + e.getMessage());
      return;
    }
    if (token.isEmpty()) {
      // Without a token the proxy serves /admin/cleanup to loopback clients only: calling would be
      // a 403.
      metrics.watchdogCleanup("no_token");
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "MemoryCleanupSkipped",
          "pod "
              + pod.name()
              + " uses "
              + mb(mb)
              + " MB, above the cleanup threshold, but the ProxyConfig has no"
              + " adminTokenSecretRef, and without a token the proxy only lets loopback clients clean up");
      return;
    }
    try {
      CleanupResult result = admin.cleanup(endpoints.adminBase(pod), token);
      metrics.watchdogCleanup("ok");
      actions.cleanupRecorded(
          proxy,
          new PodCleanup(
              pod.name(),
              now.truncatedTo(ChronoUnit.SECONDS).toString(),
              Math.round(result.beforeMb()),
              Math.round(result.afterMb())),
          livePods);
      actions.event(
          proxy,
          WatchdogActions.NORMAL,
          "MemoryCleanup",
          "pod "
              + pod.name()
              + " used "
              + mb(mb)
              + " MB (threshold "
              + proxy.getSpec().getCleanupThresholdMb()
              + " MB); cleanup took it from "
              + mb(result.beforeMb())
              + " to "
              + mb(result.afterMb())
              + " MB");
    } catch (ProxyAdminClient.UnreachableException e) {
      if (e.status() == 429) {
        // the proxy runs one full cleanup per 10 s (another caller, or cleanupMinIntervalSeconds
        // below 10): a rate limit, not a failure, and the next round tries again
        metrics.watchdogCleanup("rate_limited");
        return;
      }
      metrics.watchdogCleanup("failed");
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "MemoryCleanupFailed",
          "pod " + pod.name() + " uses " + mb(mb) + " MB; " + e.getMessage());
    }
  }

  /** Deletes the pod if policy allows it now; true when it did. */
  private boolean restart(ProxyConfig proxy, ProxyPod pod, List<ProxyPod> all, int readyPods) {
    boolean settling = all.stream().anyMatch(p -> !p.ready() || p.terminating());
    if (settling) {
      // One pod at a time: the last restart (or a rollout) hasn't settled yet.
      metrics.watchdogRestart("blocked");
      LOG.info(
          () ->
              "restart of "
                  + pod.name()
                  + " deferred: another pod of "
                  + proxy.getMetadata().getName()
                  + " is not ready yet");
      return false;
    }
    int minReady = actions.minReadyPods(proxy, all.size());
    if (readyPods - 1 < minReady) {
      metrics.watchdogRestart("blocked");
      LOG.info(
          () ->
              "restart of "
                  + pod.name()
                  + " blocked by a PodDisruptionBudget: "
                  + readyPods
                  + " ready, at least "
                  + minReady
                  + " required");
      return false;
    }
    actions.deletePod(proxy, pod);
    metrics.watchdogRestart("deleted");
    actions.event(
        proxy,
        WatchdogActions.WARNING,
        "MemoryRestart",
        "pod "
            + pod.name()
            + " stayed above maxMemoryUsageMb ("
            + proxy.getSpec().getMaxMemoryUsageMb()
            + " MB) for "
            + policy(proxy).getRestartAfterChecks()
            + " checks after cleanups; deleted it");
    return true;
  }

  private static WatchdogSpec policy(ProxyConfig proxy) {
    WatchdogSpec policy = proxy.getSpec() == null ? null : proxy.getSpec().getWatchdog();
    return policy == null ? new WatchdogSpec() : policy;
  }

  private static <T> Optional<T> await(Future<Optional<T>> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  private static String mb(double mb) {
    return String.format(Locale.ROOT, "%.0f", mb);
  }

  /** Stops the health-check threads. */
  @Override
  public void close() {
    checks.shutdownNow();
  }
}
