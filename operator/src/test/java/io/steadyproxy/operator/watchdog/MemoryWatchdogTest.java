package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.fabric8.kubernetes.api.model.Condition;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's policy, driven tick by tick with a fake clock against admin servers on 127.0.0.1
 * that answer like the proxy's. Thresholds: cleanup 400 MB, maximum 500 MB. Pods are Ready unless a
 * test says otherwise; a shedding proxy is running but NotReady, as in a cluster.
 */
class MemoryWatchdogTest {

  private static final String TOKEN = "s3cret";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final RecordingActions actions = new RecordingActions();
  private final Map<String, FakeProxyAdmin> admins = new LinkedHashMap<>();
  private final Map<String, ProxyPod> pods = new LinkedHashMap<>();
  private final List<ProxyConfig> proxies = new ArrayList<>();
  private Optional<String> token = Optional.of(TOKEN);
  private RestartBudget budget = new RestartBudget(100, Duration.ofMinutes(1));
  private ProxyConfig proxy;
  private MemoryWatchdog watchdog;

  @BeforeEach
  void setUp() {
    proxy = proxy("edge");
    proxies.add(proxy);
    watchdog = watchdog();
  }

  private MemoryWatchdog watchdog() {
    AdminEndpoints loopback =
        pod ->
            admins.containsKey(pod.name())
                ? admins.get(pod.name()).base()
                : URI.create(
                    "http://127.0.0.1:9"); // discard port: nothing listens, connection refused
    return new MemoryWatchdog(
        () -> proxies,
        p ->
            pods.values().stream()
                .filter(pod -> pod.name().startsWith(p.getMetadata().getName() + "-"))
                .toList(),
        loopback,
        new ProxyAdminClient(Duration.ofSeconds(5), Duration.ofSeconds(10)),
        p -> token,
        actions,
        clock,
        metrics,
        budget);
  }

  private static ProxyConfig proxy(String name) {
    ProxyConfig proxy = Samples.proxy("shop", name);
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef(name + "-admin", "token"));
    proxy.getSpec().getWatchdog().setEnabled(true);
    proxy.getSpec().getWatchdog().setIntervalSeconds(30);
    proxy.getSpec().getWatchdog().setCleanupMinIntervalSeconds(120);
    return proxy;
  }

  @AfterEach
  void tearDown() {
    watchdog.close();
    admins.values().forEach(FakeProxyAdmin::close);
  }

  @Test
  void belowTheThresholdNothingIsCleaned() throws Exception {
    FakeProxyAdmin pod = pod("edge-a", 399);
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogChecks("ok"), is(1L));
    assertThat(actions.events, is(empty()));
  }

  @Test
  void aboveTheThresholdTheWatchdogCleansUpWithTheToken() throws Exception {
    FakeProxyAdmin pod = pod("edge-a", 450);
    pod.releasesTo(300);
    watchdog.tick();
    assertThat(pod.cleanupAuthorizations, contains("Bearer " + TOKEN));
    assertThat(metrics.watchdogCleanups("ok"), is(1L));
    assertThat(
        actions.cleanups, contains(new PodCleanup("edge-a", "2026-11-28T12:00:00Z", 450L, 300L)));
    assertThat(actions.reasons(), contains("MemoryCleanup"));
  }

  @Test
  void checksRunOncePerInterval() throws Exception {
    FakeProxyAdmin pod = pod("edge-a", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(29));
    watchdog.tick();
    assertThat(metrics.watchdogChecks("ok"), is(1L));
    clock.advance(Duration.ofSeconds(1));
    watchdog.tick();
    assertThat(metrics.watchdogChecks("ok"), is(2L));
    assertThat(pod.cleanups(), is(0));
  }

  @Test
  void cleanupsAreRateLimitedPerPod() throws Exception {
    FakeProxyAdmin a = pod("edge-a", 450); // stays high: the cleanup releases nothing
    FakeProxyAdmin b = pod("edge-b", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    b.memory(450);
    watchdog.tick(); // a: 30 s after its cleanup, rate-limited; b: first cleanup
    assertThat(a.cleanups(), is(1));
    assertThat(b.cleanups(), is(1));
    assertThat(metrics.watchdogCleanups("rate_limited"), is(1L));
    clock.advance(Duration.ofSeconds(90)); // 120 s after a's cleanup
    watchdog.tick();
    assertThat(a.cleanups(), is(2));
  }

  @Test
  void aPodThatStaysAboveTheMaximumIsEvictedAfterNChecks() throws Exception {
    restartsOn(3);
    pod("edge-a", 520);
    pod("edge-b", 100);
    for (int check = 1; check <= 2; check++) {
      watchdog.tick();
      clock.advance(Duration.ofSeconds(30));
    }
    assertThat(actions.evictedPods, is(empty()));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
    assertThat(metrics.watchdogRestarts("evicted"), is(1L));
    assertThat(actions.reasons(), hasItem("MemoryRestart"));
    assertThat(proxy.getStatus().getWatchdog().getLastRestartPod(), is("edge-a"));
  }

  /** The bug of issue 13: a shedding pod is NotReady, and it is exactly the one to restart. */
  @Test
  void aNotReadyPodThatShedsLoadIsReadAndEvicted() throws Exception {
    restartsOn(2);
    FakeProxyAdmin stuck = pod("edge-a", 540);
    stuck.shedding(true);
    notReady("edge-a");
    pod("edge-b", 100);
    watchdog.tick();
    assertThat("the NotReady pod was read", metrics.watchdogChecks("shedding"), is(1L));
    assertThat("and asked to clean up", stuck.cleanups(), is(1));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  @Test
  void sheddingCountsEvenBelowTheMaximum() throws Exception {
    restartsOn(2);
    FakeProxyAdmin stuck = pod("edge-a", 480); // the proxy's own reading says it sheds
    stuck.shedding(true);
    notReady("edge-a");
    pod("edge-b", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  @Test
  void aDipBelowTheMaximumResetsTheStreak() throws Exception {
    restartsOn(2);
    FakeProxyAdmin pod = pod("edge-a", 520);
    pod("edge-b", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    pod.memory(480);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    pod.memory(520);
    watchdog.tick();
    assertThat(actions.evictedPods, is(empty()));
  }

  @Test
  void restartsAreOffUnlessTheSpecTurnsThemOn() throws Exception {
    proxy.getSpec().getWatchdog().setRestartAfterChecks(1);
    pod("edge-a", 900);
    pod("edge-b", 100);
    watchdog.tick();
    assertThat(actions.evictedPods, is(empty()));
  }

  @Test
  void onlyOnePodPerProxyConfigIsRestartedAtATime() throws Exception {
    restartsOn(1);
    pod("edge-a", 600);
    pod("edge-b", 700);
    pod("edge-c", 100);
    watchdog.tick();
    assertThat("the hungriest pod goes first", actions.evictedPods, contains("edge-b"));

    // It terminates; its replacement is starting (Pending, no IP yet).
    pods.put("edge-b", pods.get("edge-b").withTerminating());
    pods.put("edge-d", new ProxyPod("edge-d", "uid-edge-d", null, false, false, false, now()));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-b"));
    assertThat(metrics.watchdogRestarts("blocked_settling"), is(1L));

    // Replaced and Ready: the next one may go.
    pods.remove("edge-b");
    pods.remove("edge-d");
    pod("edge-d", 100);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-b", "edge-a"));
  }

  /** Two stuck pods must not block each other (the deadlock of the old all-Ready rule). */
  @Test
  void aSiblingThatShedsDoesNotBlockARestartButAStartingOneDoes() throws Exception {
    restartsOn(1);
    pod("edge-a", 600).shedding(true);
    notReady("edge-a");
    pod("edge-b", 700).shedding(true);
    notReady("edge-b");
    pod("edge-c", 100);
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-b"));

    pods.remove("edge-b");
    pod("edge-d", 100);
    notReady("edge-d"); // just started: NotReady without any memory problem
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-b"));
    assertThat(metrics.watchdogRestarts("blocked_settling"), is(1L));
  }

  @Test
  void anEvictionRefusedByTheDisruptionBudgetIsRetriedAndNotCountedAsARestart() throws Exception {
    restartsOn(1);
    pod("edge-a", 600);
    pod("edge-b", 100);
    actions.nextEvictions.add(WatchdogActions.Eviction.BLOCKED_BY_DISRUPTION_BUDGET);
    watchdog.tick();
    assertThat(actions.evictedPods, is(empty()));
    assertThat(metrics.watchdogRestarts("blocked_pdb"), is(1L));
    assertThat(metrics.watchdogRestarts("evicted"), is(0L));
    assertThat(actions.reasons(), hasItem("RestartBlocked"));
    assertThat("no restart recorded", proxy.getStatus().getWatchdog(), is((Object) null));
    // Nor did it spend the global budget: with a budget of one, the retry still goes through.
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  @Test
  void theGlobalBudgetHoldsAcrossProxyConfigs() throws Exception {
    budget = new RestartBudget(1, Duration.ofSeconds(60));
    watchdog.close();
    watchdog = watchdog();
    ProxyConfig other = proxy("api");
    proxies.add(other);
    restartsOn(1);
    other.getSpec().getWatchdog().setRestartPods(true);
    other.getSpec().getWatchdog().setRestartAfterChecks(1);
    pod("edge-a", 600);
    pod("edge-b", 100);
    pod("api-a", 600);
    pod("api-b", 100);
    watchdog.tick();
    assertThat(
        "one restart in the window, not one per ProxyConfig",
        actions.evictedPods,
        contains("edge-a"));
    assertThat(metrics.watchdogRestarts("shop", "api", "blocked_budget"), is(1L));
    pods.remove("edge-a"); // gone; its replacement is Ready
    pod("edge-c", 100);

    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods.size(), is(1));

    clock.advance(Duration.ofSeconds(30)); // 60 s after the first restart: a new slot
    watchdog.tick();
    assertThat(actions.evictedPods.size(), is(2));
    assertThat(actions.evictedPods, hasItem("api-a"));
    assertThat(actions.evictedPods, hasItem("edge-a"));
  }

  @Test
  void theBreakerTripsWhenTheReplacementClimbsBackAndSetsDegraded() throws Exception {
    restartsOn(2);
    proxy.getSpec().getWatchdog().setRestartWindowSeconds(600);
    pod("edge-a", 600);
    pod("edge-b", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));

    // Its replacement starts, and climbs back above the maximum for two checks.
    pods.remove("edge-a");
    clock.advance(Duration.ofSeconds(30));
    pod("edge-c", 600);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat("no second restart", actions.evictedPods, contains("edge-a"));
    Condition degraded = condition(ProxyConfigStatus.DEGRADED);
    assertThat(degraded.getStatus(), is("True"));
    assertThat(degraded.getReason(), is("RestartsNotHelping"));
    assertThat(degraded.getMessage(), containsString("edge-c"));
    assertThat(proxy.getStatus().getWatchdog().getRestartsHaltedAtGeneration(), is(1L));
    assertThat(actions.reasons(), hasItem("RestartsNotHelping"));
    assertThat(metrics.watchdogState("shop", "edge"), is(Optional.of("halted")));

    // Halted: later rounds don't evict either, even an old pod.
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));

    // A spec change (a higher maximum, a fixed image) re-arms restarts.
    proxy.getMetadata().setGeneration(2L);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(
        "the replacement is still within the window: the breaker would trip again",
        actions.evictedPods,
        contains("edge-a"));
    assertThat(proxy.getStatus().getWatchdog().getRestartsHaltedAtGeneration(), is(2L));
  }

  @Test
  void aPodStartedLongAfterTheLastRestartIsRestartedNormally() throws Exception {
    restartsOn(1);
    proxy.getSpec().getWatchdog().setRestartWindowSeconds(600);
    pod("edge-a", 600);
    pod("edge-b", 100);
    watchdog.tick();
    pods.remove("edge-a");
    pod("edge-c", 100);
    clock.advance(Duration.ofSeconds(601));
    admins.get("edge-c").memory(600);
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a", "edge-c"));
    assertThat(proxy.getStatus().getWatchdog().getRestartsHaltedAtGeneration(), is((Long) null));
  }

  @Test
  void theLastReadyPodIsNotEvictedUnlessTheSpecAllowsIt() throws Exception {
    restartsOn(1);
    proxy.getSpec().setReplicas(1);
    pod("edge-a", 600);
    watchdog.tick();
    assertThat(actions.evictedPods, is(empty()));
    assertThat(metrics.watchdogRestarts("blocked_last_ready"), is(1L));
    assertThat(actions.reasons(), hasItem("RestartBlocked"));

    proxy.getSpec().getWatchdog().setAllowSingleReplicaRestart(true);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  @Test
  void aSingleReplicaThatShedsServesNothingNewAndIsEvicted() throws Exception {
    restartsOn(1);
    proxy.getSpec().setReplicas(1);
    pod("edge-a", 600).shedding(true);
    notReady("edge-a");
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  @Test
  void anUnreachableReadyPodMakesWatchdogHealthyFalse() throws Exception {
    restartsOn(2);
    FakeProxyAdmin a = pod("edge-a", 520);
    pod("edge-b", 100);
    watchdog.tick(); // a: 1 check above the maximum
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getStatus(), is("True"));
    a.close(); // a stops answering: a NetworkPolicy, say
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(metrics.watchdogChecks("unreachable"), is(1L));
    assertThat(actions.evictedPods, is(empty()));
    Condition health = condition(ProxyConfigStatus.WATCHDOG_HEALTHY);
    assertThat(health.getStatus(), is("False"));
    assertThat(health.getReason(), is("PodsUnreachable"));
    assertThat(health.getMessage(), containsString("edge-a"));
    assertThat(events("PodsUnreachable"), is(1L));
    assertThat(metrics.watchdogState("shop", "edge"), is(Optional.of("unhealthy")));

    // Still unreachable: no second Event, the condition carries the state.
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(events("PodsUnreachable"), is(1L));

    // Back, still high: the streak continued through the silence instead of restarting from 0.
    FakeProxyAdmin back = new FakeProxyAdmin(TOKEN, 520);
    admins.put("edge-a", back);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getStatus(), is("True"));
  }

  @Test
  void aStartingPodMayMissOneCheckWithoutAnAlarm() throws Exception {
    pod("edge-a", 100);
    pods.put("edge-b", new ProxyPod("edge-b", "uid-edge-b", "10.0.0.9", true, false, false, now()));
    watchdog.tick(); // edge-b is running but its admin port doesn't answer yet
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getStatus(), is("True"));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getReason(), is("PodsUnreachable"));
  }

  @Test
  void aWrongTokenMakesWatchdogHealthyFalseWithAuthFailed() throws Exception {
    FakeProxyAdmin pod = new FakeProxyAdmin("other-token", 450);
    admins.put("edge-a", pod);
    pods.put("edge-a", ready("edge-a"));
    watchdog.tick();
    assertThat(pod.cleanups(), is(1));
    assertThat(metrics.watchdogCleanups("auth_failed"), is(1L));
    assertThat(actions.reasons(), hasItem("MemoryCleanupFailed"));
    assertThat(actions.reasons(), hasItem("AuthFailed"));
    assertThat(actions.cleanups, is(empty()));
    Condition health = condition(ProxyConfigStatus.WATCHDOG_HEALTHY);
    assertThat(health.getStatus(), is("False"));
    assertThat(health.getReason(), is("AuthFailed"));
    assertThat(health.getMessage(), containsString("401"));

    // The token is rotated and the pod re-reads it: the next cleanup succeeds, the alarm clears.
    token = Optional.of("other-token");
    clock.advance(Duration.ofSeconds(120));
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(1L));
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getStatus(), is("True"));
  }

  @Test
  void withoutATokenTheWatchdogWarnsInsteadOfCallingInVain() throws Exception {
    token = Optional.empty();
    FakeProxyAdmin pod = pod("edge-a", 450);
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogCleanups("no_token"), is(1L));
    assertThat(actions.reasons(), hasItem("MemoryCleanupSkipped"));
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getReason(), is("AdminTokenMissing"));
  }

  @Test
  void aDisabledWatchdogCallsNobodyAndClearsItsCondition() throws Exception {
    FakeProxyAdmin pod = pod("edge-a", 100);
    watchdog.tick();
    assertThat(condition(ProxyConfigStatus.WATCHDOG_HEALTHY).getStatus(), is("True"));
    proxy.getSpec().getWatchdog().setEnabled(false);
    pod.memory(900);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogChecks("above_max"), is(0L));
    assertThat(
        proxy.getStatus().condition(ProxyConfigStatus.WATCHDOG_HEALTHY).isPresent(), is(false));
    assertThat(metrics.watchdogState("shop", "edge"), is(Optional.empty()));
  }

  @Test
  void theLastReadingOfEachPodIsAGaugeThatForgetsGonePods() throws Exception {
    pod("edge-a", 123);
    pod("edge-b", 456);
    watchdog.tick();
    assertThat(metrics.podMemory("shop", "edge", "edge-a"), is(Optional.of(123.0)));
    assertThat(
        metrics.render(),
        containsString(
            "steadyproxy_operator_pod_memory_mb{namespace=\"shop\",proxyconfig=\"edge\",pod=\"edge-b\"} 456.0"));
    pods.remove("edge-b");
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(metrics.podMemory("shop", "edge", "edge-b"), is(Optional.empty()));
    assertThat(metrics.render(), not(containsString("pod=\"edge-b\"")));
    assertThat(
        metrics.render(),
        containsString(
            "steadyproxy_operator_watchdog_state{namespace=\"shop\",proxyconfig=\"edge\",state=\"healthy\"} 1"));
  }

  private long events(String reason) {
    return actions.reasons().stream().filter(reason::equals).count();
  }

  private void restartsOn(int afterChecks) {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(afterChecks);
  }

  private Condition condition(String type) {
    return proxy.getStatus().condition(type).orElseThrow();
  }

  private FakeProxyAdmin pod(String name, double memoryMb) throws Exception {
    FakeProxyAdmin admin = new FakeProxyAdmin(TOKEN, memoryMb);
    admins.put(name, admin);
    pods.put(name, ready(name));
    return admin;
  }

  private ProxyPod ready(String name) {
    return new ProxyPod(name, "uid-" + name, "10.0.0." + pods.size(), true, true, false, now());
  }

  private void notReady(String name) {
    ProxyPod pod = pods.get(name);
    pods.put(
        name,
        new ProxyPod(
            pod.name(), pod.uid(), pod.ip(), true, false, pod.terminating(), pod.created()));
  }

  private Instant now() {
    return clock.instant();
  }

  /** A clock the test moves by hand. */
  static final class MutableClock implements InstantSource {
    private Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
