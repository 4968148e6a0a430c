package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.steadyproxy.operator.Eventually;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's Kubernetes side against the mock API server: status, Events, pods, evictions,
 * Secrets. The CRUD mock has no eviction subresource, so evictions are answered by expectations
 * that do what the API server does (delete the pod, or refuse with 429 as a PDB would).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesWatchdogActionsTest {

  KubernetesClient client;
  KubernetesMockServer server;

  private final List<String> evictionBodies = new ArrayList<>();

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
    assertThat(event.getCount(), is(1));
    assertThat(event.getInvolvedObject().getKind(), is("ProxyConfig"));
    assertThat(event.getInvolvedObject().getName(), is("edge"));
    assertThat(event.getInvolvedObject().getUid(), is(proxy.getMetadata().getUid()));
  }

  @Test
  void repeatedEventsAggregateIntoOneWithACount() {
    for (int i = 1; i <= 3; i++) {
      actions.event(proxy, WatchdogActions.WARNING, "RestartBlocked", "attempt " + i);
    }
    actions.event(proxy, WatchdogActions.WARNING, "PodsUnreachable", "edge-a");
    List<Event> events = client.v1().events().inNamespace("shop").list().getItems();
    assertThat(events.size(), is(2));
    Event blocked =
        events.stream()
            .filter(e -> e.getReason().equals("RestartBlocked"))
            .findFirst()
            .orElseThrow();
    assertThat(blocked.getCount(), is(3));
    assertThat("the latest message", blocked.getMessage(), is("attempt 3"));
    assertThat(blocked.getFirstTimestamp(), is("2026-11-28T12:00:00Z"));

    // Another operator instance (a new leader) adds to the same Event: its name is derived.
    new KubernetesWatchdogActions(
            client, InstantSource.fixed(Instant.parse("2026-11-28T12:05:00Z")), "op-1")
        .event(proxy, WatchdogActions.WARNING, "RestartBlocked", "attempt 4");
    Event again =
        client.v1().events().inNamespace("shop").withName(blocked.getMetadata().getName()).get();
    assertThat(again.getCount(), is(4));
    assertThat(again.getLastTimestamp(), is("2026-11-28T12:05:00Z"));
  }

  @Test
  void podsAreListedBySelectorReadyOrNot() {
    client.resource(pod("edge-a", "edge", "True", "10.0.0.1")).create();
    client.resource(pod("edge-b", "edge", "False", "10.0.0.2")).create();
    client.resource(pod("other-a", "other", "True", "10.0.0.3")).create();
    Pod done = pod("edge-c", "edge", "False", "10.0.0.4");
    done.getStatus().setPhase("Succeeded");
    client.resource(done).create();

    List<ProxyPod> pods = new KubernetesPodLister(client).pods(proxy);
    assertThat(pods.stream().map(ProxyPod::name).sorted().toList(), contains("edge-a", "edge-b"));
    assertThat(
        "a NotReady pod (shedding load) is read too",
        pods.stream().filter(ProxyPod::checkable).map(ProxyPod::name).sorted().toList(),
        contains("edge-a", "edge-b"));
    ProxyPod b = pods.stream().filter(p -> p.name().equals("edge-b")).findFirst().orElseThrow();
    assertThat(b.ready(), is(false));
    assertThat(b.running(), is(true));
    // The API server sets creationTimestamp; the watchdog tells replacements apart by it.
    assertThat(
        b.created(),
        is(
            Instant.parse(
                client
                    .pods()
                    .inNamespace("shop")
                    .withName("edge-b")
                    .get()
                    .getMetadata()
                    .getCreationTimestamp())));
  }

  @Test
  void aPodIsEvictedThroughTheEvictionApi() {
    client.resource(pod("edge-a", "edge", "False", "10.0.0.1")).create();
    ProxyPod pod = new KubernetesPodLister(client).pods(proxy).get(0);
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/shop/pods/edge-a/eviction")
        .andReply(
            201,
            request -> {
              evictionBodies.add(request.getBody().readUtf8());
              // As the API server does: the eviction deletes the pod (not from the server's own
              // thread, which would wait on itself).
              CompletableFuture.runAsync(
                  () -> client.pods().inNamespace("shop").withName("edge-a").delete());
              return Map.of("kind", "Status", "status", "Success");
            })
        .once();
    assertThat(actions.evict(proxy, pod), is(WatchdogActions.Eviction.EVICTED));
    Eventually.await(
        "the evicted pod is gone",
        () -> client.pods().inNamespace("shop").withName("edge-a").get() == null);
    assertThat(evictionBodies.get(0), containsString("\"apiVersion\":\"policy/v1\""));
    assertThat(evictionBodies.get(0), containsString("\"uid\":\"" + pod.uid() + "\""));
  }

  @Test
  void aTooManyRequestsAnswerIsABlockedEvictionAndThePodStays() {
    client.resource(pod("edge-a", "edge", "True", "10.0.0.1")).create();
    ProxyPod pod = new KubernetesPodLister(client).pods(proxy).get(0);
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/shop/pods/edge-a/eviction")
        .andReturn(
            429,
            Map.of(
                "kind", "Status",
                "status", "Failure",
                "reason", "TooManyRequests",
                "message", "Cannot evict pod as it would violate the pod's disruption budget.",
                "code", 429))
        .once();
    assertThat(
        actions.evict(proxy, pod), is(WatchdogActions.Eviction.BLOCKED_BY_DISRUPTION_BUDGET));
    assertThat(
        client.pods().inNamespace("shop").withName("edge-a").get().getMetadata().getName(),
        is("edge-a"));
  }

  @Test
  void evictingAPodThatIsGoneIsNotAnError() {
    ProxyPod gone = new ProxyPod("edge-x", "uid-x", "10.0.0.9", true, true, false, null);
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/shop/pods/edge-x/eviction")
        .andReturn(
            404, Map.of("kind", "Status", "status", "Failure", "reason", "NotFound", "code", 404))
        .once();
    assertThat(actions.evict(proxy, gone), is(WatchdogActions.Eviction.GONE));
  }

  @Test
  void theWatchdogsStatusIsWrittenOnTopOfTheReconcilers() {
    ProxyConfig withStatus = client.resource(proxy).get();
    ProxyConfigStatus status = new ProxyConfigStatus();
    status.setConditions(
        List.of(new ConditionBuilder().withType("Ready").withStatus("True").build()));
    withStatus.setStatus(status);
    client.resource(withStatus).updateStatus();

    Instant now = Instant.parse("2026-11-28T12:00:00Z");
    // `proxy` is stale: the write must read fresh and keep Ready.
    actions.updateStatus(
        proxy,
        WatchdogStatus.health(
            proxy, new WatchdogHealth(false, WatchdogHealth.PODS_UNREACHABLE, "edge-a"), now));
    actions.updateStatus(proxy, WatchdogStatus.restarted("edge-b", now));
    ProxyConfigStatus after = client.resource(proxy).get().getStatus();
    assertThat(after.condition("Ready").orElseThrow().getStatus(), is("True"));
    assertThat(after.condition("WatchdogHealthy").orElseThrow().getReason(), is("PodsUnreachable"));
    assertThat(after.getWatchdog().getLastRestartPod(), is("edge-b"));
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

  private static Pod pod(String name, String instance, String ready, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("shop")
        .withCreationTimestamp("2026-11-28T11:00:00Z")
        .withLabels(
            Map.of(Ownership.NAME_LABEL, Ownership.APP_NAME, Ownership.INSTANCE_LABEL, instance))
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .endCondition()
        .endStatus()
        .build();
  }
}
