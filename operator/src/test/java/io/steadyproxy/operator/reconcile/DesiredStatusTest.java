package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DesiredStatusTest {

  private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-11-28T10:05:00Z");

  private final ProxyConfig proxy = withReplicas(Samples.proxy("shop", "edge"), 2);

  @Test
  void aFreshDeploymentIsProgressingAndNotReady() {
    ProxyConfigStatus status =
        DesiredStatus.fromDeployment(proxy, deployment(2, null, 0, 0, 0), "abc", T0);
    assertCondition(status, "Ready", "False", "ReplicasNotReady");
    assertCondition(status, "Progressing", "True", "RollingOut");
    assertCondition(status, "Degraded", "False", "AsExpected");
    assertThat(status.getObservedGeneration(), is(1L));
    assertThat(status.getConfigChecksum(), is("abc"));
    assertThat(
        status.getSelector(),
        is("app.kubernetes.io/name=steadyproxy,app.kubernetes.io/instance=edge"));
  }

  @Test
  void aRolledOutDeploymentIsReady() {
    ProxyConfigStatus status =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T0);
    assertCondition(status, "Ready", "True", "AllReplicasReady");
    assertCondition(status, "Progressing", "False", "RolloutComplete");
    assertThat(status.getReadyReplicas(), is(2));
    assertThat(status.getReplicas(), is(2));
  }

  @Test
  void aStalledRolloutIsDegraded() {
    Deployment d = deployment(2, 1L, 3, 1, 2);
    d.getStatus()
        .setConditions(
            List.of(
                new DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet edge-abc has timed out progressing.")
                    .build()));
    ProxyConfigStatus status = DesiredStatus.fromDeployment(proxy, d, "abc", T0);
    assertCondition(status, "Degraded", "True", "RolloutStalled");
  }

  @Test
  void anInvalidSpecIsDegradedWithItsReason() {
    ProxyConfigStatus status =
        DesiredStatus.invalid(proxy, new SpecProblem("MemoryLimitTooLow", "too low"), T0);
    assertCondition(status, "Degraded", "True", "MemoryLimitTooLow");
    assertCondition(status, "Ready", "False", "InvalidSpec");
    assertThat(condition(status, "Degraded").getMessage(), is("too low"));
  }

  @Test
  void anObjectNotAppliedIsNotReadyAndKeepsWhatWasObserved() {
    ProxyConfigStatus ready =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T0);
    proxy.setStatus(ready);

    ProxyConfigStatus status =
        DesiredStatus.notApplied(
            proxy,
            new SpecProblem(
                "OwnershipConflict", "Service shop/edge already exists and has no controller"),
            T1);

    assertCondition(status, "Ready", "False", "OwnershipConflict");
    assertCondition(status, "Progressing", "False", "OwnershipConflict");
    assertCondition(status, "Degraded", "True", "OwnershipConflict");
    assertThat(
        condition(status, "Ready").getMessage(),
        is("Service shop/edge already exists and has no controller"));
    assertThat(condition(status, "Ready").getLastTransitionTime(), is(T1.toString()));
    assertThat("the last observed pods are kept", status.getReadyReplicas(), is(2));
    assertThat(status.getConfigChecksum(), is("abc"));
  }

  @Test
  void transitionTimeMovesOnlyWhenTheStatusChanges() {
    proxy.setStatus(DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 1, 1), "abc", T0));
    ProxyConfigStatus later =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 1), "abc", T1);
    assertThat(condition(later, "Ready").getLastTransitionTime(), is("2026-11-28T10:00:00Z"));
    ProxyConfigStatus ready =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T1);
    assertThat(condition(ready, "Ready").getLastTransitionTime(), is("2026-11-28T10:05:00Z"));
    assertThat(condition(ready, "Degraded").getLastTransitionTime(), is("2026-11-28T10:00:00Z"));
  }

  @Test
  void theWatchdogsCleanupsAreCarriedOver() {
    ProxyConfigStatus current = new ProxyConfigStatus();
    current.setLastCleanups(List.of(new PodCleanup("edge-1", "2026-11-28T09:00:00Z", 450L, 300L)));
    proxy.setStatus(current);
    ProxyConfigStatus next =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T0);
    assertThat(next.getLastCleanups(), is(current.getLastCleanups()));
  }

  @Test
  void recomputingTheSameStateIsTheSameStatus() {
    proxy.setStatus(DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T0));
    ProxyConfigStatus again =
        DesiredStatus.fromDeployment(proxy, deployment(2, 1L, 2, 2, 2), "abc", T1);
    assertThat(DesiredStatus.same(proxy.getStatus(), again), is(true));
  }

  private static ProxyConfig withReplicas(ProxyConfig proxy, int replicas) {
    proxy.getSpec().setReplicas(replicas);
    return proxy;
  }

  private Deployment deployment(
      int wanted, Long observedGeneration, int updated, int ready, int available) {
    Deployment d = Samples.deployment(proxy);
    d.getSpec().setReplicas(wanted);
    d.getMetadata().setGeneration(1L);
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(observedGeneration)
            .withReplicas(updated)
            .withUpdatedReplicas(updated)
            .withReadyReplicas(ready)
            .withAvailableReplicas(available)
            .build());
    return d;
  }

  private static Condition condition(ProxyConfigStatus status, String type) {
    return status.condition(type).orElseThrow();
  }

  private static void assertCondition(
      ProxyConfigStatus status, String type, String value, String reason) {
    Condition c = condition(status, type);
    assertThat(type + " status", c.getStatus(), is(value));
    assertThat(type + " reason", c.getReason(), is(reason));
  }
}
