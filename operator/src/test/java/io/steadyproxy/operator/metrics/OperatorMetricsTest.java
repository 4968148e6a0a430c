package io.steadyproxy.operator.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-ProxyConfig series, in the Prometheus text format. */
class OperatorMetricsTest {

  private final OperatorMetrics metrics = new OperatorMetrics();

  @Test
  void replicaGaugesComeFromTheSourceAtScrapeTime() {
    metrics.replicas(
        () ->
            List.of(
                new OperatorMetrics.Replicas("shop", "edge", 3, 2),
                new OperatorMetrics.Replicas("blog", "www", 1, 1)));
    String text = metrics.render();
    assertThat(
        text, containsString("# TYPE steadyproxy_operator_proxyconfig_ready_replicas gauge\n"));
    assertThat(
        text,
        containsString(
            "steadyproxy_operator_proxyconfig_ready_replicas{namespace=\"shop\",proxyconfig=\"edge\"} 2\n"));
    assertThat(
        text,
        containsString(
            "steadyproxy_operator_proxyconfig_replicas{namespace=\"shop\",proxyconfig=\"edge\"} 3\n"));
    assertThat(
        "sorted, so scrapes are stable",
        text.indexOf("namespace=\"blog\"") < text.indexOf("namespace=\"shop\""),
        is(true));
  }

  @Test
  void watchdogCountersArePerProxyConfigAndSumUp() {
    metrics.watchdogRestart("shop", "edge", "evicted");
    metrics.watchdogRestart("shop", "api", "evicted");
    metrics.watchdogRestart("shop", "api", "blocked_pdb");
    assertThat(metrics.watchdogRestarts("evicted"), is(2L));
    assertThat(metrics.watchdogRestarts("shop", "api", "blocked_pdb"), is(1L));
    assertThat(
        metrics.render(),
        containsString(
            "steadyproxy_operator_watchdog_restarts_total{namespace=\"shop\",proxyconfig=\"api\",result=\"blocked_pdb\"} 1\n"));
  }

  @Test
  void theStateGaugeHasOneSeriesPerStateAndGoesWithTheProxyConfig() {
    metrics.watchdogState("shop", "edge", "halted");
    metrics.podMemory("shop", "edge", "edge-a", 512.5);
    String text = metrics.render();
    assertThat(
        text,
        containsString(
            "steadyproxy_operator_watchdog_state{namespace=\"shop\",proxyconfig=\"edge\",state=\"halted\"} 1\n"));
    assertThat(
        text,
        containsString(
            "steadyproxy_operator_watchdog_state{namespace=\"shop\",proxyconfig=\"edge\",state=\"healthy\"} 0\n"));
    metrics.forgetProxyConfig("shop", "edge");
    assertThat(metrics.render(), not(containsString("proxyconfig=\"edge\"")));
  }

  @Test
  void gonePodsAreDroppedAndLabelValuesAreEscaped() {
    metrics.podMemory("shop", "edge", "edge-a", 100);
    metrics.podMemory("shop", "edge", "odd\"pod\\", 200);
    assertThat(metrics.render(), containsString("pod=\"odd\\\"pod\\\\\"} 200.0\n"));
    metrics.retainPods("shop", "edge", Set.of("edge-a"));
    assertThat(metrics.render(), not(containsString("odd")));
    assertThat(metrics.render(), containsString("pod=\"edge-a\"} 100.0\n"));
  }
}
