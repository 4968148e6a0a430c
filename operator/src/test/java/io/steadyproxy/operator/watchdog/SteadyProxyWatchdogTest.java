package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.observe.MemorySample;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog against real SteadyProxy instances from the service module, on 127.0.0.1 with an
 * admin port and an admin token, their memory readings faked through the service's {@code
 * MemoryReader} seam. Thresholds: cleanup 400 MB, maximum 500 MB.
 */
class SteadyProxyWatchdogTest {

  private static final String TOKEN = "s3cret";
  private static final long MB = 1024 * 1024;

  private final MemoryWatchdogTest.MutableClock clock =
      new MemoryWatchdogTest.MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final RecordingActions actions = new RecordingActions();
  private final Map<String, RunningProxy> proxies = new LinkedHashMap<>();
  private final Map<String, ProxyPod> pods = new LinkedHashMap<>();
  private ProxyConfig proxyConfig;
  private String tokenGiven = TOKEN;
  private MemoryWatchdog watchdog;

  /** A proxy "pod": the service, and the RSS its memory reader reports. */
  private record RunningProxy(SteadyProxy proxy, AtomicLong rssMb) {}

  @BeforeEach
  void setUp() {
    proxyConfig = Samples.proxy("shop", "edge");
    proxyConfig.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "token"));
    proxyConfig.getSpec().getWatchdog().setEnabled(true);
    watchdog =
        new MemoryWatchdog(
            () -> List.of(proxyConfig),
            p -> new ArrayList<>(pods.values()),
            pod ->
                proxies.containsKey(pod.name())
                    ? URI.create("http://127.0.0.1:" + proxies.get(pod.name()).proxy().adminPort())
                    : URI.create("http://127.0.0.1:9"),
            new ProxyAdminClient(Duration.ofSeconds(5), Duration.ofSeconds(10)),
            p -> Optional.of(tokenGiven),
            actions,
            clock,
            metrics,
            new RestartBudget(10, Duration.ofMinutes(1)));
  }

  @AfterEach
  void tearDown() {
    watchdog.close();
    proxies.values().forEach(p -> p.proxy().close());
  }

  @Test
  void cleansUpWithTheTokenAboveTheThresholdAndNotBelow() {
    RunningProxy low = pod("edge-a", 399);
    RunningProxy high = pod("edge-b", 450);
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(1L));
    assertThat(actions.cleanups.size(), is(1));
    PodCleanup cleanup = actions.cleanups.get(0);
    assertThat(cleanup.getPod(), is("edge-b"));
    assertThat("the proxy reported its own reading", cleanup.getBeforeMb(), is(450L));
    assertThat(actions.reasons(), contains("MemoryCleanup"));
    // what the proxies themselves did: only the one above the threshold ran a (token-checked)
    // cleanup
    assertThat(
        "the proxy above the threshold ran the admin endpoint's full cleanup",
        high.proxy().monitor().lastCleanup().map(c -> c.kind()),
        is(Optional.of("full")));
    assertThat(
        "the proxy below the threshold was left alone",
        low.proxy().monitor().lastCleanup().isPresent(),
        is(false));
  }

  @Test
  void theProxyRefusesAWrongToken() {
    tokenGiven = "wrong";
    pod("edge-a", 450);
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("auth_failed"), is(1L));
    assertThat(actions.cleanups, is(empty()));
    assertThat(actions.reasons(), contains("MemoryCleanupFailed", "AuthFailed"));
    assertThat(
        proxyConfig.getStatus().condition("WatchdogHealthy").orElseThrow().getReason(),
        is("AuthFailed"));
  }

  @Test
  void cleanupsAreRateLimitedPerPod() {
    pod("edge-a", 450);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(1L));
    assertThat(metrics.watchdogCleanups("rate_limited"), is(1L));
    clock.advance(Duration.ofSeconds(90));
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(2L));
  }

  /** The proxy's own limit (one full cleanup per 10 s, 429 otherwise) counts as a rate limit. */
  @Test
  void theProxysOwn429IsARateLimitNotAFailure() {
    proxyConfig.getSpec().getWatchdog().setCleanupMinIntervalSeconds(0);
    proxyConfig.getSpec().getWatchdog().setIntervalSeconds(5);
    pod("edge-a", 450);
    watchdog.tick();
    clock.advance(Duration.ofSeconds(5));
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(1L));
    assertThat(metrics.watchdogCleanups("rate_limited"), is(1L));
    assertThat(metrics.watchdogCleanups("failed"), is(0L));
    clock.advance(Duration.ofSeconds(5));
    watchdog.tick();
    assertThat(metrics.watchdogCleanups("ok"), is(2L));
  }

  @Test
  void aPodThatStaysAboveTheMaximumIsRestarted() {
    proxyConfig.getSpec().getWatchdog().setRestartPods(true);
    proxyConfig.getSpec().getWatchdog().setRestartAfterChecks(2);
    pod("edge-a", 600);
    pod("edge-b", 100);
    watchdog.tick();
    assertThat(actions.evictedPods, is(empty()));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
  }

  /**
   * The case of issue 13, with the real proxy: above its maximum after its own cleanup it sheds
   * load, says so in {@code /health} and goes NotReady; the watchdog still reads it and evicts it.
   */
  @Test
  void aRealProxyThatShedsLoadIsNotReadyAndStillRestarted() {
    proxyConfig.getSpec().getWatchdog().setRestartPods(true);
    proxyConfig.getSpec().getWatchdog().setRestartAfterChecks(2);
    RunningProxy stuck = pod("edge-a", 600);
    pod("edge-b", 100);
    stuck.proxy().monitor().check(); // its own memory check: full cleanup, still above: shed
    assertThat(stuck.proxy().monitor().shedding(), is(true));
    ProxyPod a = pods.get("edge-a");
    // the kubelet's readiness probe sees the shedding proxy as NotReady
    pods.put("edge-a", new ProxyPod(a.name(), a.uid(), a.ip(), true, false, false, a.created()));
    watchdog.tick();
    assertThat(metrics.watchdogChecks("shedding"), is(1L));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(actions.evictedPods, contains("edge-a"));
    assertThat(
        actions.events.stream().anyMatch(e -> e.message().contains("kept shedding load")),
        is(true));
  }

  @Test
  void anUnreachablePodIsSkippedAndCounted() {
    RunningProxy gone = pod("edge-a", 450);
    pod("edge-b", 100);
    gone.proxy().close();
    watchdog.tick();
    assertThat(metrics.watchdogChecks("unreachable"), is(1L));
    assertThat(metrics.watchdogChecks("ok"), is(1L));
    assertThat(actions.cleanups, is(empty()));
  }

  private RunningProxy pod(String name, long rssMb) {
    AtomicLong rss = new AtomicLong(rssMb);
    String[] flags = {
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--admin-port",
      "0",
      "--admin-token",
      TOKEN,
      "--upstream",
      "http://127.0.0.1:9",
      "--log-file",
      ""
    };
    SteadyProxy proxy =
        SteadyProxy.start(
            ConfigLoader.read(flags, Map.of(), java.nio.file.Path.of("target")).settings(),
            () -> new MemorySample(rss.get() * MB, 64 * MB, 128 * MB, 256 * MB),
            clock); // the proxy limits cleanups to one per 10 s on the same clock the test moves
    RunningProxy running = new RunningProxy(proxy, rss);
    proxies.put(name, running);
    pods.put(
        name,
        new ProxyPod(
            name, "uid-" + name, "10.0.0." + pods.size(), true, true, false, clock.instant()));
    return running;
  }
}
