package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.watchdog.WatchdogHealth;
import io.steadyproxy.operator.watchdog.WatchdogStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The reconciler and the watchdog share the status: the reconciler carries the watchdog's part over
 * and keeps its {@code Degraded=RestartsNotHelping} while it has nothing worse to report.
 */
class DesiredStatusWatchdogTest {

  private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-11-28T10:05:00Z");

  private final ProxyConfig proxy = Samples.proxy("shop", "edge");

  @Test
  void watchdogHealthyAndTheRestartRecordAreCarriedOver() {
    proxy.setStatus(
        WatchdogStatus.restarted("edge-a", T0)
            .apply(
                WatchdogStatus.health(
                        proxy,
                        new WatchdogHealth(false, WatchdogHealth.AUTH_FAILED, "pod edge-a: 403"),
                        T0)
                    .apply(null)));
    ProxyConfigStatus next = DesiredStatus.fromDeployment(proxy, rolledOut(), "abc", T1);
    Condition health = next.condition(ProxyConfigStatus.WATCHDOG_HEALTHY).orElseThrow();
    assertThat(health.getStatus(), is("False"));
    assertThat(health.getReason(), is("AuthFailed"));
    assertThat(health.getLastTransitionTime(), is("2026-11-28T10:00:00Z"));
    assertThat(next.getWatchdog().getLastRestartPod(), is("edge-a"));
    assertThat(next.condition("Degraded").orElseThrow().getStatus(), is("False"));
    assertThat(
        "nothing to write when the reconciler has nothing new",
        DesiredStatus.same(
            next, DesiredStatus.fromDeployment(withStatus(next), rolledOut(), "abc", T1)),
        is(true));
  }

  @Test
  void restartsNotHelpingStaysDegradedUntilTheSpecChanges() {
    proxy.setStatus(WatchdogStatus.halted(proxy, "restarts don't help", T0).apply(null));
    ProxyConfigStatus next = DesiredStatus.fromDeployment(proxy, rolledOut(), "abc", T1);
    Condition degraded = next.condition("Degraded").orElseThrow();
    assertThat(degraded.getStatus(), is("True"));
    assertThat(degraded.getReason(), is("RestartsNotHelping"));
    assertThat(degraded.getLastTransitionTime(), is("2026-11-28T10:00:00Z"));

    proxy.getMetadata().setGeneration(2L);
    proxy.setStatus(next);
    ProxyConfigStatus changed = DesiredStatus.fromDeployment(proxy, rolledOut(), "abc", T1);
    assertThat(changed.condition("Degraded").orElseThrow().getReason(), is("AsExpected"));
  }

  @Test
  void aWorseProblemWins() {
    proxy.setStatus(WatchdogStatus.halted(proxy, "restarts don't help", T0).apply(null));
    ProxyConfigStatus next =
        DesiredStatus.fromDeployment(
            proxy,
            rolledOut(),
            "abc",
            Optional.of(new SpecProblem("AdminTokenSecretMissing", "no Secret")),
            T1);
    assertThat(next.condition("Degraded").orElseThrow().getReason(), is("AdminTokenSecretMissing"));
    assertThat(next.getWatchdog().getRestartsHaltedAtGeneration(), is(1L));
  }

  private ProxyConfig withStatus(ProxyConfigStatus status) {
    ProxyConfig copy = Samples.proxy("shop", "edge");
    copy.setStatus(status);
    return copy;
  }

  private static Deployment rolledOut() {
    Deployment deployment = Samples.deployment(Samples.proxy("shop", "edge"));
    deployment.getMetadata().setGeneration(1L);
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(1L)
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    return deployment;
  }
}
