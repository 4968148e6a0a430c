package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
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
 * that answer like the proxy's. Thresholds: cleanup 400 MB, maximum 500 MB.
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
  private ProxyConfig proxy;
  private MemoryWatchdog watchdog;

  @BeforeEach
  void setUp() {
    proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "token"));
    proxy.getSpec().getWatchdog().setEnabled(true);
    proxy.getSpec().getWatchdog().setIntervalSeconds(30);
    proxy.getSpec().getWatchdog().setCleanupMinIntervalSeconds(120);
    proxies.add(proxy);
    AdminEndpoints loopback =
        pod ->
            admins.containsKey(pod.name())
                ? admins.get(pod.name()).base()
                : URI.create(
                    "http://127.0.0.1:9"); // discard port: nothing listens, connection refused
    watchdog =
        new MemoryWatchdog(
            () -> proxies,
            p -> new ArrayList<>(pods.values()),
            loopback,
            new ProxyAdminClient(Duration.ofSeconds(5), Duration.ofSeconds(10)),
            p -> token,
            actions,
            clock,
            metrics);
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
  void aPodThatStaysAboveTheMaximumIsRestartedAfterNChecks() throws Exception {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(3);
    pod("edge-a", 520);
    pod("edge-b", 100);
    for (int check = 1; check <= 2; check++) {
      watchdog.tick();
      clock.advance(Duration.ofSeconds(30));
    }
    assertThat(actions.deletedPods, is(empty()));
    watchdog.tick();
    assertThat(actions.deletedPods, contains("edge-a"));
    assertThat(metrics.watchdogRestarts("deleted"), is(1L));
    assertThat(actions.reasons().contains("MemoryRestart"), is(true));
  }

  @Test
  void aDipBelowTheMaximumResetsTheStreak() throws Exception {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(2);
    FakeProxyAdmin pod = pod("edge-a", 520);
    pod("edge-b", 100);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    pod.memory(480);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    pod.memory(520);
    watchdog.tick();
    assertThat(actions.deletedPods, is(empty()));
  }

  @Test
  void restartsAreOffUnlessTheSpecTurnsThemOn() throws Exception {
    proxy.getSpec().getWatchdog().setRestartAfterChecks(1);
    pod("edge-a", 900);
    pod("edge-b", 100);
    watchdog.tick();
    assertThat(actions.deletedPods, is(empty()));
  }

  @Test
  void onlyOnePodPerProxyConfigIsRestartedAtATime() throws Exception {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(1);
    pod("edge-a", 600);
    pod("edge-b", 700);
    pod("edge-c", 100);
    watchdog.tick();
    assertThat("the hungriest pod goes first", actions.deletedPods, contains("edge-b"));

    // The Deployment replaces it; the new pod isn't ready yet.
    pods.put("edge-b", new ProxyPod("edge-b", "uid-edge-b", "10.0.0.2", false, true));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.deletedPods, contains("edge-b"));
    assertThat(metrics.watchdogRestarts("blocked"), is(1L));

    // Replaced and ready: the next one may go.
    pods.remove("edge-b");
    pod("edge-d", 100);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.deletedPods, contains("edge-b", "edge-a"));
  }

  @Test
  void aPodDisruptionBudgetCanBlockARestart() throws Exception {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(1);
    pod("edge-a", 600);
    pod("edge-b", 100);
    actions.minReady = 2; // minAvailable: 2 of 2
    watchdog.tick();
    assertThat(actions.deletedPods, is(empty()));
    assertThat(metrics.watchdogRestarts("blocked"), is(1L));
    actions.minReady = 1;
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.deletedPods, contains("edge-a"));
  }

  @Test
  void anUnreachablePodIsCountedAndNeverTakenAsHealthy() throws Exception {
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(2);
    FakeProxyAdmin a = pod("edge-a", 520);
    pod("edge-b", 100);
    watchdog.tick(); // a: 1 check above the maximum
    a.close(); // a stops answering
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(metrics.watchdogChecks("unreachable"), is(1L));
    assertThat(actions.deletedPods, is(empty()));

    // Back, still high: the streak continued through the silence instead of restarting from 0.
    FakeProxyAdmin back = new FakeProxyAdmin(TOKEN, 520);
    admins.put("edge-a", back);
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.deletedPods, contains("edge-a"));
  }

  @Test
  void podsThatAreNotReadyAreNotChecked() throws Exception {
    FakeProxyAdmin pod = pod("edge-a", 450);
    pods.put("edge-a", new ProxyPod("edge-a", "uid-edge-a", "10.0.0.1", false, false));
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogChecks("ok") + metrics.watchdogChecks("above_threshold"), is(0L));
  }

  @Test
  void aWrongTokenIsAFailedCleanupWithAWarning() throws Exception {
    FakeProxyAdmin pod = new FakeProxyAdmin("other-token", 450);
    admins.put("edge-a", pod);
    pods.put("edge-a", new ProxyPod("edge-a", "uid-edge-a", "10.0.0.1", true, false));
    watchdog.tick();
    assertThat(pod.cleanups(), is(1));
    assertThat(metrics.watchdogCleanups("failed"), is(1L));
    assertThat(actions.reasons(), contains("MemoryCleanupFailed"));
    assertThat(actions.cleanups, is(empty()));
  }

  @Test
  void withoutATokenTheWatchdogWarnsInsteadOfCallingInVain() throws Exception {
    token = Optional.empty();
    FakeProxyAdmin pod = pod("edge-a", 450);
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogCleanups("no_token"), is(1L));
    assertThat(actions.reasons(), contains("MemoryCleanupSkipped"));
  }

  @Test
  void aDisabledWatchdogCallsNobody() throws Exception {
    proxy.getSpec().getWatchdog().setEnabled(false);
    FakeProxyAdmin pod = pod("edge-a", 900);
    watchdog.tick();
    assertThat(pod.cleanups(), is(0));
    assertThat(metrics.watchdogChecks("above_max"), is(0L));
  }

  private FakeProxyAdmin pod(String name, double memoryMb) throws Exception {
    FakeProxyAdmin admin = new FakeProxyAdmin(TOKEN, memoryMb);
    admins.put(name, admin);
    pods.put(name, new ProxyPod(name, "uid-" + name, "10.0.0." + pods.size(), true, false));
    return admin;
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
