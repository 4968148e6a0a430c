package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.WatchdogSpec;
import io.steadyproxy.operator.crd.WatchdogState;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 *   <li>read {@code GET /health} of every running pod, Ready or not (a pod that sheds load is
 *       NotReady, and it is the one that matters), in parallel, with short timeouts. A pod that
 *       doesn't answer is never taken as healthy: its streak is kept, and it is reported in {@code
 *       WatchdogHealthy};
 *   <li>above {@code cleanupThresholdMb}: {@code POST /admin/cleanup} with the admin token, at most
 *       once per {@code cleanupMinIntervalSeconds} per pod, then an Event and {@code
 *       status.lastCleanups}; a 401/403 makes {@code WatchdogHealthy} False ({@code AuthFailed});
 *   <li>above {@code maxMemoryUsageMb}, or shedding, for {@code restartAfterChecks} checks in a
 *       row, with {@code restartPods} on: evict the hungriest such pod through the Eviction API
 *       (the API server enforces the PodDisruptionBudget; a 429 is retried at a later check and is
 *       not a restart), one pod per ProxyConfig at a time, never the last Ready pod unless {@code
 *       allowSingleReplicaRestart}, and within the operator-wide {@link RestartBudget};
 *   <li>circuit breaker: when a pod started after a watchdog restart (within {@code
 *       restartWindowSeconds} of it) needs a restart itself, restarting does not help: restarts
 *       stop and {@code Degraded} says {@code RestartsNotHelping} until the spec changes.
 * </ol>
 *
 * Every decision reads time from an {@link InstantSource} and pods through {@link PodLister}, so
 * tests drive {@link #tick()} with a fake clock: no sleeping, no timing assertions.
 */
public final class MemoryWatchdog implements AutoCloseable {

  /** How often {@link #tick()} should run: fine enough for the shortest allowed interval. */
  public static final Duration TICK = Duration.ofSeconds(1);

  /**
   * Failed reads in a row after which a NotReady pod counts as unreachable: a pod that is still
   * starting may miss one check without a false alarm; a Ready pod counts at once (the kubelet
   * reaches it, so something between the operator and the pod blocks us).
   */
  static final int UNREACHABLE_AFTER = 2;

  private static final Logger LOG = Logger.getLogger(MemoryWatchdog.class.getName());

  private final Supplier<List<ProxyConfig>> proxies;
  private final PodLister pods;
  private final AdminEndpoints endpoints;
  private final ProxyAdminClient admin;
  private final AdminTokenSource tokens;
  private final WatchdogActions actions;
  private final InstantSource clock;
  private final OperatorMetrics metrics;
  private final RestartBudget budget;
  private final ExecutorService checks = Executors.newVirtualThreadPerTaskExecutor();

  /** When each ProxyConfig ("namespace/name") was last checked. */
  private final Map<String, Instant> lastRound = new HashMap<>();

  /** What we remember of each pod: ProxyConfig key → pod uid → record. */
  private final Map<String, Map<String, PodRecord>> records = new HashMap<>();

  /** Restarts within the breaker window, per ProxyConfig key, oldest first. */
  private final Map<String, Deque<Instant>> restarts = new HashMap<>();

  /** The generation at which the breaker tripped, per key: the cache may lag our own write. */
  private final Map<String, Long> halted = new HashMap<>();

  /** Per-pod memory: streaks and the last cleanup call. */
  private static final class PodRecord {
    int checksAboveMax;
    int failedReads;
    String lastReadError;
    Instant lastCleanup;

    /** Why the last cleanup call couldn't be made or was refused; null once one succeeded. */
    String cleanupProblem;

    String cleanupProblemReason;
  }

  /** What one pod said this round. */
  private record Reading(ProxyPod pod, double memoryMb, boolean shedding) {}

  /**
   * @param budget the operator-wide restart budget, shared by every ProxyConfig
   */
  public MemoryWatchdog(
      Supplier<List<ProxyConfig>> proxies,
      PodLister pods,
      AdminEndpoints endpoints,
      ProxyAdminClient admin,
      AdminTokenSource tokens,
      WatchdogActions actions,
      InstantSource clock,
      OperatorMetrics metrics,
      RestartBudget budget) {
    this.proxies = proxies;
    this.pods = pods;
    this.endpoints = endpoints;
    this.admin = admin;
    this.tokens = tokens;
    this.actions = actions;
    this.clock = clock;
    this.metrics = metrics;
    this.budget = budget;
  }

  /**
   * Checks every ProxyConfig whose interval has elapsed. Called about once a second; a failure with
   * one ProxyConfig never stops the others.
   */
  public synchronized void tick() {
    Instant now = clock.instant();
    Set<String> enabled = new HashSet<>();
    for (ProxyConfig proxy : proxies.get()) {
      String key = Cache.metaNamespaceKeyFunc(proxy);
      WatchdogSpec policy = policy(proxy);
      if (!Boolean.TRUE.equals(policy.getEnabled())) {
        disabled(proxy);
        continue;
      }
      enabled.add(key);
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
    for (String gone : new ArrayList<>(records.keySet())) {
      if (!enabled.contains(gone)) {
        int slash = gone.indexOf('/');
        metrics.forgetProxyConfig(gone.substring(0, slash), gone.substring(slash + 1));
      }
    }
    lastRound.keySet().retainAll(enabled);
    records.keySet().retainAll(enabled);
    restarts.keySet().retainAll(enabled);
    halted.keySet().retainAll(enabled);
  }

  /** A ProxyConfig with the watchdog off: no condition claims anything about its pods. */
  private void disabled(ProxyConfig proxy) {
    ProxyConfigStatus status = proxy.getStatus();
    if (status != null && status.condition(ProxyConfigStatus.WATCHDOG_HEALTHY).isPresent()) {
      try {
        actions.updateStatus(proxy, WatchdogStatus.withoutHealth());
      } catch (RuntimeException e) {
        LOG.warning(() -> "could not clear WatchdogHealthy: " + e);
      }
    }
  }

  /** One round for one ProxyConfig. */
  private void round(ProxyConfig proxy, WatchdogSpec policy, Instant now) {
    ProxyConfigSpec spec = proxy.getSpec();
    String key = Cache.metaNamespaceKeyFunc(proxy);
    String ns = proxy.getMetadata().getNamespace();
    String name = proxy.getMetadata().getName();
    Map<String, PodRecord> podRecords = records.computeIfAbsent(key, k -> new HashMap<>());
    List<ProxyPod> all = pods.pods(proxy);
    List<ProxyPod> checkable = all.stream().filter(ProxyPod::checkable).toList();
    Map<ProxyPod, Future<Optional<MemoryReading>>> pending = new LinkedHashMap<>();
    for (ProxyPod pod : checkable) {
      PodRecord record = podRecords.computeIfAbsent(pod.uid(), uid -> new PodRecord());
      pending.put(pod, checks.submit(() -> read(pod, record)));
    }
    List<String> livePods = all.stream().map(ProxyPod::name).toList();
    List<Reading> candidates = new ArrayList<>();
    Map<String, Reading> readings = new HashMap<>();
    for (ProxyPod pod : checkable) {
      Optional<MemoryReading> answer = await(pending.get(pod));
      PodRecord record = podRecords.get(pod.uid());
      if (answer.isEmpty()) {
        metrics.watchdogCheck(ns, name, "unreachable");
        continue;
      }
      Reading reading =
          new Reading(pod, answer.get().memoryMb(), "shedding".equals(answer.get().status()));
      readings.put(pod.uid(), reading);
      metrics.podMemory(ns, name, pod.name(), reading.memoryMb());
      double mb = reading.memoryMb();
      if (mb > spec.getMaxMemoryUsageMb() || reading.shedding()) {
        record.checksAboveMax++;
        metrics.watchdogCheck(ns, name, reading.shedding() ? "shedding" : "above_max");
      } else {
        record.checksAboveMax = 0;
        metrics.watchdogCheck(
            ns, name, mb > spec.getCleanupThresholdMb() ? "above_threshold" : "ok");
      }
      if (mb > spec.getCleanupThresholdMb()) {
        cleanup(proxy, policy, pod, record, mb, livePods, now);
      }
      if (Boolean.TRUE.equals(policy.getRestartPods())
          && record.checksAboveMax >= policy.getRestartAfterChecks()) {
        candidates.add(reading);
      }
    }
    boolean haltedNow = isHalted(proxy, key);
    if (!candidates.isEmpty()) {
      candidates.sort(Comparator.comparingDouble(Reading::memoryMb).reversed());
      Reading chosen = candidates.get(0);
      if (haltedNow) {
        metrics.watchdogRestart(ns, name, "halted");
      } else if (replacementNeedsRestart(proxy, key, chosen.pod(), policy, now)) {
        haltedNow = true;
      } else if (restart(proxy, policy, chosen, all, readings, now)) {
        podRecords.remove(chosen.pod().uid());
      }
    }
    // Forget pods that are gone, so their uids don't pile up.
    Set<String> liveUids = new HashSet<>();
    all.forEach(p -> liveUids.add(p.uid()));
    podRecords.keySet().retainAll(liveUids);
    metrics.retainPods(ns, name, new HashSet<>(livePods));
    WatchdogHealth health = health(all, podRecords);
    metrics.watchdogState(
        ns, name, haltedNow ? "halted" : health.healthy() ? "healthy" : "unhealthy");
    reportHealth(proxy, health, now);
  }

  /**
   * Reads one pod; tracks failed reads in its record. A reading is the proxy's own {@code /health}:
   * RSS in MB, and {@code status: shedding} while it refuses new requests.
   */
  private Optional<MemoryReading> read(ProxyPod pod, PodRecord record) {
    try {
      MemoryReading reading = admin.health(endpoints.adminBase(pod));
      record.failedReads = 0;
      record.lastReadError = null;
      return Optional.of(reading);
    } catch (ProxyAdminClient.UnreachableException e) {
      record.failedReads++;
      record.lastReadError = e.getMessage();
      LOG.info(() -> "pod " + pod.name() + " unreachable: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** What {@code WatchdogHealthy} should say about this round. */
  private static WatchdogHealth health(List<ProxyPod> all, Map<String, PodRecord> podRecords) {
    List<String> unreachable = new ArrayList<>();
    String firstError = null;
    List<String> problems = new ArrayList<>();
    String problemReason = null;
    int answered = 0;
    for (ProxyPod pod : all) {
      PodRecord record = podRecords.get(pod.uid());
      if (!pod.checkable() || record == null) {
        continue;
      }
      if (record.failedReads == 0) {
        answered++;
      } else if (pod.ready() || record.failedReads >= UNREACHABLE_AFTER) {
        unreachable.add(pod.name());
        firstError = firstError == null ? record.lastReadError : firstError;
      }
      if (record.cleanupProblem != null) {
        problems.add(record.cleanupProblem);
        if (problemReason == null
            || WatchdogHealth.AUTH_FAILED.equals(record.cleanupProblemReason)) {
          problemReason = record.cleanupProblemReason;
        }
      }
    }
    if (!unreachable.isEmpty()) {
      String message =
          "GET /health failed for "
              + unreachable.size()
              + " pod(s): "
              + String.join(", ", unreachable)
              + " ("
              + firstError
              + "); check NetworkPolicies and mesh rules for the operator → admin port path";
      if (!problems.isEmpty()) {
        message += "; " + String.join("; ", problems);
      }
      return new WatchdogHealth(false, WatchdogHealth.PODS_UNREACHABLE, message);
    }
    if (!problems.isEmpty()) {
      return new WatchdogHealth(false, problemReason, String.join("; ", problems));
    }
    return new WatchdogHealth(
        true, WatchdogHealth.REACHABLE, answered + " running pod(s) answered GET /health.");
  }

  private void reportHealth(ProxyConfig proxy, WatchdogHealth health, Instant now) {
    ProxyConfigStatus status = proxy.getStatus();
    boolean changed =
        status == null
            || status
                .condition(ProxyConfigStatus.WATCHDOG_HEALTHY)
                .map(
                    c ->
                        !c.getStatus().equals(health.healthy() ? "True" : "False")
                            || !health.reason().equals(c.getReason()))
                .orElse(true);
    if (changed && !health.healthy()) {
      // One Event per transition into a problem; the condition carries the state in between.
      actions.event(proxy, WatchdogActions.WARNING, health.reason(), health.message());
    }
    actions.updateStatus(proxy, WatchdogStatus.health(proxy, health, now));
  }

  private void cleanup(
      ProxyConfig proxy,
      WatchdogSpec policy,
      ProxyPod pod,
      PodRecord record,
      double mb,
      List<String> livePods,
      Instant now) {
    String ns = proxy.getMetadata().getNamespace();
    String name = proxy.getMetadata().getName();
    if (record.lastCleanup != null
        && now.isBefore(record.lastCleanup.plusSeconds(policy.getCleanupMinIntervalSeconds()))) {
      metrics.watchdogCleanup(ns, name, "rate_limited");
      return;
    }
    record.lastCleanup = now;
    Optional<String> token;
    try {
      token = tokens.token(proxy);
    } catch (AdminTokenSource.MissingTokenException e) {
      metrics.watchdogCleanup(ns, name, "no_token");
      record.cleanupProblemReason = WatchdogHealth.ADMIN_TOKEN_MISSING;
      record.cleanupProblem = "pod " + pod.name() + " needs a cleanup, but " + e.getMessage();
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
      metrics.watchdogCleanup(ns, name, "no_token");
      record.cleanupProblemReason = WatchdogHealth.ADMIN_TOKEN_MISSING;
      record.cleanupProblem =
          "pod " + pod.name() + " needs a cleanup, but the ProxyConfig has no adminTokenSecretRef";
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
      metrics.watchdogCleanup(ns, name, "ok");
      record.cleanupProblem = null;
      record.cleanupProblemReason = null;
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
        metrics.watchdogCleanup(ns, name, "rate_limited");
        return;
      }
      if (e.status() == 401 || e.status() == 403) {
        metrics.watchdogCleanup(ns, name, "auth_failed");
        record.cleanupProblemReason = WatchdogHealth.AUTH_FAILED;
        record.cleanupProblem =
            "pod "
                + pod.name()
                + " refused the admin token ("
                + e.status()
                + " from POST /admin/cleanup); the token in adminTokenSecretRef and the pod's"
                + " token file differ";
      } else {
        metrics.watchdogCleanup(ns, name, "failed");
      }
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "MemoryCleanupFailed",
          "pod " + pod.name() + " uses " + mb(mb) + " MB; " + e.getMessage());
    }
  }

  private boolean isHalted(ProxyConfig proxy, String key) {
    Long generation = generation(proxy);
    if (generation.equals(halted.get(key))) {
      return true;
    }
    WatchdogState state = proxy.getStatus() == null ? null : proxy.getStatus().getWatchdog();
    return state != null && state.haltedAt(generation);
  }

  /**
   * The circuit breaker. True (and restarts halted) when {@code pod} was started after a watchdog
   * restart of this ProxyConfig that is at most {@code restartWindowSeconds} old: the restart's
   * replacement climbed back, so restarting again would only repeat it.
   */
  private boolean replacementNeedsRestart(
      ProxyConfig proxy, String key, ProxyPod pod, WatchdogSpec policy, Instant now) {
    Deque<Instant> recent = recentRestarts(proxy, key);
    Instant windowStart = now.minusSeconds(policy.getRestartWindowSeconds());
    recent.removeIf(t -> t.isBefore(windowStart));
    if (pod.created() == null || recent.isEmpty() || !pod.created().isAfter(recent.peekFirst())) {
      return false;
    }
    String message =
        "pod "
            + pod.name()
            + ", started after the watchdog restarted a pod at "
            + recent.peekFirst()
            + ", stayed above maxMemoryUsageMb ("
            + proxy.getSpec().getMaxMemoryUsageMb()
            + " MB) or shed load for "
            + policy.getRestartAfterChecks()
            + " checks within restartWindowSeconds ("
            + policy.getRestartWindowSeconds()
            + " s): restarts don't help, so they stopped. Raise maxMemoryUsageMb or the memory"
            + " limit, or fix the cause; any spec change re-arms restarts.";
    halted.put(key, generation(proxy));
    metrics.watchdogRestart(
        proxy.getMetadata().getNamespace(), proxy.getMetadata().getName(), "halted");
    actions.event(proxy, WatchdogActions.WARNING, WatchdogStatus.RESTARTS_NOT_HELPING, message);
    actions.updateStatus(proxy, WatchdogStatus.halted(proxy, message, clock.instant()));
    return true;
  }

  /** Restarts within the window, from memory, seeded from the status after an operator restart. */
  private Deque<Instant> recentRestarts(ProxyConfig proxy, String key) {
    return restarts.computeIfAbsent(
        key,
        k -> {
          Deque<Instant> seeded = new ArrayDeque<>();
          WatchdogState state = proxy.getStatus() == null ? null : proxy.getStatus().getWatchdog();
          if (state != null && state.getLastRestartTime() != null) {
            try {
              seeded.add(Instant.parse(state.getLastRestartTime()));
            } catch (DateTimeParseException e) {
              // a hand-edited status: nothing to seed from
            }
          }
          return seeded;
        });
  }

  /** Evicts the pod if policy allows it now; true when it did. */
  private boolean restart(
      ProxyConfig proxy,
      WatchdogSpec policy,
      Reading chosen,
      List<ProxyPod> all,
      Map<String, Reading> readings,
      Instant now) {
    String ns = proxy.getMetadata().getNamespace();
    String name = proxy.getMetadata().getName();
    ProxyPod pod = chosen.pod();
    List<ProxyPod> others = all.stream().filter(p -> !p.uid().equals(pod.uid())).toList();
    // One pod at a time: a sibling that is terminating, starting, or NotReady for a reason other
    // than its own memory means the last restart (or a rollout) hasn't settled yet. A sibling that
    // is NotReady because it sheds load doesn't block: it waits for its own turn.
    boolean settling =
        others.stream()
            .anyMatch(
                p ->
                    p.terminating()
                        || p.starting()
                        || (!p.ready() && !unhealthy(readings.get(p.uid()), proxy)));
    if (settling) {
      metrics.watchdogRestart(ns, name, "blocked_settling");
      LOG.info(
          () ->
              "restart of " + pod.name() + " deferred: another pod of " + name + " is not settled");
      return false;
    }
    boolean lastReady = pod.ready() && others.stream().noneMatch(ProxyPod::ready);
    if (lastReady && !Boolean.TRUE.equals(policy.getAllowSingleReplicaRestart())) {
      metrics.watchdogRestart(ns, name, "blocked_last_ready");
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "RestartBlocked",
          "pod "
              + pod.name()
              + " needs a restart but is the last Ready pod; set"
              + " watchdog.allowSingleReplicaRestart to allow it, or run more replicas");
      return false;
    }
    if (!budget.available(now)) {
      metrics.watchdogRestart(ns, name, "blocked_budget");
      LOG.info(
          () ->
              "restart of "
                  + pod.name()
                  + " deferred: the operator's restart budget ("
                  + budget.describe()
                  + ") is spent");
      return false;
    }
    WatchdogActions.Eviction outcome;
    try {
      outcome = actions.evict(proxy, pod);
    } catch (RuntimeException e) {
      metrics.watchdogRestart(ns, name, "failed");
      actions.event(
          proxy,
          WatchdogActions.WARNING,
          "RestartFailed",
          "evicting pod " + pod.name() + " failed: " + e.getMessage());
      return false;
    }
    switch (outcome) {
      case BLOCKED_BY_DISRUPTION_BUDGET -> {
        metrics.watchdogRestart(ns, name, "blocked_pdb");
        actions.event(
            proxy,
            WatchdogActions.WARNING,
            "RestartBlocked",
            "evicting pod "
                + pod.name()
                + " was refused by a PodDisruptionBudget (429); retrying at a later check");
        return false;
      }
      case GONE -> {
        return true;
      }
      case EVICTED -> {
        budget.spend(now);
        recentRestarts(proxy, Cache.metaNamespaceKeyFunc(proxy)).addLast(now);
        metrics.watchdogRestart(ns, name, "evicted");
        actions.event(
            proxy,
            WatchdogActions.WARNING,
            "MemoryRestart",
            "pod "
                + pod.name()
                + (chosen.shedding() ? " kept shedding load" : " stayed above maxMemoryUsageMb (")
                + (chosen.shedding() ? "" : proxy.getSpec().getMaxMemoryUsageMb() + " MB)")
                + " for "
                + policy.getRestartAfterChecks()
                + " checks after cleanups ("
                + mb(chosen.memoryMb())
                + " MB); evicted it");
        actions.updateStatus(proxy, WatchdogStatus.restarted(pod.name(), now));
        return true;
      }
    }
    return false;
  }

  private static boolean unhealthy(Reading reading, ProxyConfig proxy) {
    return reading != null
        && (reading.shedding() || reading.memoryMb() > proxy.getSpec().getMaxMemoryUsageMb());
  }

  private static Long generation(ProxyConfig proxy) {
    Long generation = proxy.getMetadata().getGeneration();
    return generation == null ? 0L : generation;
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
