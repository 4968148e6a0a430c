package io.steadyproxy.operator.controller;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The owned PodDisruptionBudget through the whole loop, against the mock API server. */
@EnableKubernetesMockClient(crud = true, https = false)
class PodDisruptionBudgetControllerTest {

  private static final String NS = "shop";

  KubernetesClient client;

  private ProxyConfigController controller;

  @BeforeEach
  void startController() {
    MockCluster.installCrd(client);
    controller =
        new ProxyConfigController(
            client,
            List.of(),
            2,
            Duration.ZERO,
            new OperatorMetrics(),
            Clock.systemUTC(),
            "test",
            Samples.PROXY_IMAGE);
    controller.start();
  }

  @AfterEach
  void stopController() {
    controller.close();
  }

  @Test
  void severalReplicasGetABudgetThatGoesWhenScaledToOne() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(3);
    proxy = create(proxy);
    PodDisruptionBudget budget = awaitValue("PodDisruptionBudget", () -> budget("edge"));
    assertThat(budget.getSpec().getMaxUnavailable(), is(new IntOrString(1)));
    assertThat(budget.getSpec().getSelector().getMatchLabels(), is(Ownership.selector(proxy)));
    assertThat(
        budget.getMetadata().getOwnerReferences().get(0).getUid(),
        is(proxy.getMetadata().getUid()));

    // Someone edits it: the reconcile its event brings puts it back.
    budget.getSpec().setMaxUnavailable(new IntOrString(0));
    client.resource(budget).update();
    await(
        "the edit corrected",
        () -> new IntOrString(1).equals(budget("edge").getSpec().getMaxUnavailable()));

    // a patch, not get-then-update: the operator's status write in between would make that a 409
    client
        .resources(ProxyConfig.class)
        .inNamespace(NS)
        .withName("edge")
        .edit(
            p -> {
              p.getSpec().setReplicas(1);
              return p;
            });
    await("the budget deleted at one replica", () -> budget("edge") == null);
  }

  @Test
  void aSingleReplicaGetsNoBudget() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(1);
    create(proxy);
    awaitValue(
        "status written",
        () -> {
          ProxyConfig seen = client.resource(proxy).get();
          return seen.getStatus() == null ? null : seen.getStatus().getObservedGeneration();
        });
    assertThat(budget("edge"), is((PodDisruptionBudget) null));
  }

  @Test
  void aSameNamedBudgetTheUserMadeIsLeftAlone() {
    PodDisruptionBudget theirs =
        client
            .resource(
                new PodDisruptionBudgetBuilder()
                    .withNewMetadata()
                    .withName("edge")
                    .withNamespace(NS)
                    .withLabels(Map.of(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY))
                    .endMetadata()
                    .withNewSpec()
                    .withMinAvailable(new IntOrString(2))
                    .endSpec()
                    .build())
            .create();
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(3);
    create(proxy);
    awaitValue(
        "status written",
        () -> {
          ProxyConfig seen = client.resource(proxy).get();
          return seen.getStatus() == null ? null : seen.getStatus().getObservedGeneration();
        });
    PodDisruptionBudget after = budget("edge");
    assertThat(after.getSpec().getMinAvailable(), is(new IntOrString(2)));
    assertThat(after.getMetadata().getOwnerReferences().isEmpty(), is(true));
    assertThat(
        after.getMetadata().getResourceVersion(), is(theirs.getMetadata().getResourceVersion()));
  }

  /**
   * A user's budget without our label is invisible to the informer, so the create meets a 409: it
   * is still left alone, and the ProxyConfig is not held back for it (a budget only limits
   * evictions; the watchdog reports those it blocks).
   */
  @Test
  void anUnlabelledBudgetTheUserMadeIsLeftAloneAndTheProxyConfigStaysReady() {
    PodDisruptionBudget theirs =
        client
            .resource(
                new PodDisruptionBudgetBuilder()
                    .withNewMetadata()
                    .withName("edge")
                    .withNamespace(NS)
                    .endMetadata()
                    .withNewSpec()
                    .withMinAvailable(new IntOrString(2))
                    .endSpec()
                    .build())
            .create();
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(3);
    create(proxy);
    String reason =
        awaitValue(
            "status written",
            () -> {
              ProxyConfig seen = client.resource(proxy).get();
              return seen.getStatus() == null
                  ? null
                  : seen.getStatus().getConditions().stream()
                      .filter(c -> "Degraded".equals(c.getType()))
                      .map(c -> c.getReason())
                      .findFirst()
                      .orElse(null);
            });
    assertThat(reason, is("AsExpected"));
    PodDisruptionBudget after = budget("edge");
    assertThat(after.getSpec().getMinAvailable(), is(new IntOrString(2)));
    assertThat(after.getMetadata().getOwnerReferences().isEmpty(), is(true));
    assertThat(
        after.getMetadata().getResourceVersion(), is(theirs.getMetadata().getResourceVersion()));
  }

  private ProxyConfig create(ProxyConfig proxy) {
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    return client.resource(proxy).create();
  }

  private PodDisruptionBudget budget(String name) {
    return client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(name).get();
  }
}
