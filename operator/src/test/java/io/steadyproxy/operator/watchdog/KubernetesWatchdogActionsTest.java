package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's Kubernetes side against the mock API server: status, Events, pods, PDBs, Secrets.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesWatchdogActionsTest {

  KubernetesClient client;

  private ProxyConfig proxy;
  private KubernetesWatchdogActions actions;

  @BeforeEach
  void setUp() {
    MockCluster.installCrd(client);
    ProxyConfig sample = Samples.proxy("shop", "edge");
    sample.getMetadata().setUid(null);
    proxy = client.resource(sample).create();
    actions =
        new KubernetesWatchdogActions(
            client, InstantSource.fixed(Instant.parse("2026-11-28T12:00:00Z")), "op-0");
  }

  @Test
  void aCleanupIsRecordedInStatusWithoutTouchingTheConditions() {
    ProxyConfig withStatus = client.resource(proxy).get();
    ProxyConfigStatus status = new ProxyConfigStatus();
    status.setConditions(
        List.of(new ConditionBuilder().withType("Ready").withStatus("True").build()));
    status.setLastCleanups(
        List.of(
            new PodCleanup("edge-gone", "2026-11-28T11:00:00Z", 450L, 300L),
            new PodCleanup("edge-b", "2026-11-28T11:00:00Z", 460L, 310L)));
    withStatus.setStatus(status);
    client.resource(withStatus).updateStatus();

    // `proxy` is stale now: the action must read fresh and not lose the reconciler's conditions.
    actions.cleanupRecorded(
        proxy,
        new PodCleanup("edge-a", "2026-11-28T12:00:00Z", 470L, 320L),
        List.of("edge-a", "edge-b"));

    ProxyConfigStatus after = client.resource(proxy).get().getStatus();
    assertThat(
        after.getLastCleanups().stream().map(PodCleanup::getPod).toList(),
        contains("edge-a", "edge-b"));
    assertThat(after.condition("Ready").orElseThrow().getStatus(), is("True"));
  }

  @Test
  void eventsAreRecordedOnTheProxyConfig() {
    actions.event(proxy, WatchdogActions.NORMAL, "MemoryCleanup", "pod edge-a used 450 MB");
    List<Event> events = client.v1().events().inNamespace("shop").list().getItems();
    assertThat(events.size(), is(1));
    Event event = events.get(0);
    assertThat(event.getReason(), is("MemoryCleanup"));
    assertThat(event.getType(), is("Normal"));
    assertThat(event.getInvolvedObject().getKind(), is("ProxyConfig"));
    assertThat(event.getInvolvedObject().getName(), is("edge"));
    assertThat(event.getInvolvedObject().getUid(), is(proxy.getMetadata().getUid()));
  }

  @Test
  void podsAreListedBySelectorWithTheirReadinessAndDeleted() {
    client.resource(pod("edge-a", "edge", "True", "10.0.0.1")).create();
    client.resource(pod("edge-b", "edge", "False", "10.0.0.2")).create();
    client.resource(pod("other-a", "other", "True", "10.0.0.3")).create();

    List<ProxyPod> pods = new KubernetesPodLister(client).pods(proxy);
    assertThat(pods.stream().map(ProxyPod::name).sorted().toList(), contains("edge-a", "edge-b"));
    assertThat(
        pods.stream().filter(ProxyPod::checkable).map(ProxyPod::name).toList(), contains("edge-a"));

    actions.deletePod(
        proxy, pods.stream().filter(p -> p.name().equals("edge-a")).findFirst().orElseThrow());
    assertThat(client.pods().inNamespace("shop").withName("edge-a").get(), nullValue());
  }

  @Test
  void disruptionBudgetsOnTheProxyPodsAreRead() {
    assertThat(actions.minReadyPods(proxy, 3), is(0));
    client
        .resource(
            new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                .withName("edge")
                .withNamespace("shop")
                .endMetadata()
                .withNewSpec()
                .withMinAvailable(new IntOrString(2))
                .withNewSelector()
                .withMatchLabels(Ownership.selector(proxy))
                .endSelector()
                .endSpec()
                .build())
        .create();
    assertThat(actions.minReadyPods(proxy, 3), is(2));
  }

  @Test
  void theTokenComesFromTheNamedSecretKey() {
    SecretTokenSource tokens = new SecretTokenSource(client);
    assertThat(tokens.token(proxy).isPresent(), is(false));
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "bearer"));
    assertThrows(AdminTokenSource.MissingTokenException.class, () -> tokens.token(proxy));
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-admin")
                .withNamespace("shop")
                .endMetadata()
                .addToData(
                    "bearer", java.util.Base64.getEncoder().encodeToString("s3cret\n".getBytes()))
                .build())
        .create();
    assertThat(tokens.token(proxy).orElseThrow(), is("s3cret"));
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "missing"));
    assertThrows(AdminTokenSource.MissingTokenException.class, () -> tokens.token(proxy));
  }

  private static io.fabric8.kubernetes.api.model.Pod pod(
      String name, String instance, String ready, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("shop")
        .withLabels(
            Map.of(Ownership.NAME_LABEL, Ownership.APP_NAME, Ownership.INSTANCE_LABEL, instance))
        .endMetadata()
        .withNewStatus()
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .endCondition()
        .endStatus()
        .build();
  }
}
