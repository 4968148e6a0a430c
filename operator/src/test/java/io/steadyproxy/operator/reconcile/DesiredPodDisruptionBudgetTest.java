package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PodDisruptionBudget is pure data from the spec: tested without any server. */
class DesiredPodDisruptionBudgetTest {

  private static ProxyConfig proxy(Integer replicas) {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setReplicas(replicas);
    return proxy;
  }

  @Test
  void withSeveralReplicasAtMostOnePodIsDisruptedAtATime() {
    PodDisruptionBudget budget = DesiredPodDisruptionBudget.desired(proxy(3)).orElseThrow();
    assertThat(budget.getMetadata().getName(), is("edge"));
    assertThat(budget.getMetadata().getNamespace(), is("shop"));
    assertThat(budget.getSpec().getMaxUnavailable(), is(new IntOrString(1)));
    assertThat(budget.getSpec().getMinAvailable(), is((IntOrString) null));
    assertThat(
        "the Deployment's pod selector, exactly",
        budget.getSpec().getSelector().getMatchLabels(),
        is(Ownership.selector(proxy(3))));
    assertThat(budget.getSpec().getUnhealthyPodEvictionPolicy(), is("AlwaysAllow"));
    assertThat(
        budget.getMetadata().getLabels(),
        hasEntry("app.kubernetes.io/managed-by", "steadyproxy-operator"));
    assertThat(Ownership.controllingProxyConfig(budget), is(Optional.of("edge")));
  }

  @Test
  void oneReplicaGetsNoBudget() {
    assertThat(DesiredPodDisruptionBudget.desired(proxy(1)), is(Optional.empty()));
    assertThat(DesiredPodDisruptionBudget.desired(proxy(0)), is(Optional.empty()));
  }

  @Test
  void replicasLeftToAnAutoscalerGetABudget() {
    assertThat(DesiredPodDisruptionBudget.desired(proxy(null)).isPresent(), is(true));
  }

  @Test
  void underSpecAutoscalingTheAutoscalersMaximumDecidesNotTheIgnoredReplicas() {
    ProxyConfig scaled = proxy(1);
    scaled.getSpec().setAutoscaling(new AutoscalingSpec(2, 6, 70));
    assertThat(
        "replicas 1 is ignored under spec.autoscaling: up to 6 pods need the budget",
        DesiredPodDisruptionBudget.desired(scaled).isPresent(),
        is(true));
    ProxyConfig single = proxy(3);
    single.getSpec().setAutoscaling(new AutoscalingSpec(1, 1, 70));
    assertThat(DesiredPodDisruptionBudget.desired(single), is(Optional.empty()));
  }

  @Test
  void isPure() {
    assertThat(
        Serialization.asJson(DesiredPodDisruptionBudget.desired(proxy(2)).orElseThrow()),
        is(Serialization.asJson(DesiredPodDisruptionBudget.desired(proxy(2)).orElseThrow())));
  }

  @Test
  void driftIsOurSpecLabelsOrOwnerMissingNotOthersAdditions() {
    PodDisruptionBudget desired = DesiredPodDisruptionBudget.desired(proxy(2)).orElseThrow();
    PodDisruptionBudget actual = Serialization.clone(desired);
    actual.getMetadata().getLabels().put("team", "edge");
    actual.getMetadata().setAnnotations(Map.of("argocd.argoproj.io/sync-wave", "1"));
    actual.getMetadata().setResourceVersion("7");
    assertThat(DesiredPodDisruptionBudget.drifted(desired, actual), is(false));

    PodDisruptionBudget edited = Serialization.clone(actual);
    edited.getSpec().setMaxUnavailable(new IntOrString(0));
    assertThat(DesiredPodDisruptionBudget.drifted(desired, edited), is(true));
    PodDisruptionBudget corrected = DesiredPodDisruptionBudget.corrected(desired, edited);
    assertThat(corrected.getSpec().getMaxUnavailable(), is(new IntOrString(1)));
    assertThat(corrected.getMetadata().getLabels(), hasEntry("team", "edge"));
    assertThat(corrected.getMetadata().getResourceVersion(), is("7"));
    assertThat(DesiredPodDisruptionBudget.drifted(desired, corrected), is(false));

    PodDisruptionBudget minAvailable = Serialization.clone(actual);
    minAvailable.getSpec().setMinAvailable(new IntOrString(2));
    assertThat(DesiredPodDisruptionBudget.drifted(desired, minAvailable), is(true));
  }

  @Test
  void aBudgetSomeoneElseControlsIsNotOurs() {
    PodDisruptionBudget theirs = DesiredPodDisruptionBudget.desired(proxy(2)).orElseThrow();
    theirs
        .getMetadata()
        .setOwnerReferences(
            new ArrayList<>(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("argoproj.io/v1alpha1")
                        .withKind("Application")
                        .withName("edge")
                        .withUid("uid-argo")
                        .withController(true)
                        .build())));
    assertThat(DesiredPodDisruptionBudget.controlledBy(theirs, "uid-edge"), is(false));
  }
}
