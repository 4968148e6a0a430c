package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.Condition;
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
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.operator.reconcile.Ownership;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole watchdog on the mock API server: the real pod lister, status writes, Events and
 * evictions, with the proxies' admin ports played by servers on 127.0.0.1. The mock server's CRUD
 * mode has no eviction subresource, so its expectations answer evictions as the API server does:
 * 429 while a PodDisruptionBudget forbids it, else 201 and the pod deleted.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class WatchdogOnMockClusterTest {

  private static final String NS = "shop";
  private static final String TOKEN = "s3cret";

  KubernetesClient client;
  KubernetesMockServer server;

  private final MemoryWatchdogTest.MutableClock clock =
      new MemoryWatchdogTest.MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final Map<String, FakeProxyAdmin> admins = new HashMap<>();
  private MemoryWatchdog watchdog;

  @BeforeEach
  void setUp() {
    MockCluster.installCrd(client);
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-admin")
                .withNamespace(NS)
                .endMetadata()
                .addToStringData("token", TOKEN)
                .build())
        .create();
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getMetadata().setUid(null);
    proxy.getSpec().setReplicas(2);
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "token"));
    proxy.getSpec().getWatchdog().setEnabled(true);
    proxy.getSpec().getWatchdog().setRestartPods(true);
    proxy.getSpec().getWatchdog().setRestartAfterChecks(2);
    client.resource(proxy).create();
    watchdog =
        new MemoryWatchdog(
            // What the informer cache would hand over: the ProxyConfig as stored now.
            () -> List.of(stored()),
            new KubernetesPodLister(client),
            pod ->
                admins.containsKey(pod.name())
                    ? admins.get(pod.name()).base()
                    : URI.create("http://127.0.0.1:9"),
            new ProxyAdminClient(Duration.ofSeconds(5), Duration.ofSeconds(10)),
            new SecretTokenSource(client),
            new KubernetesWatchdogActions(client, clock, "op-0"),
            clock,
            metrics,
            new RestartBudget(1, Duration.ofMinutes(1)));
  }

  @AfterEach
  void tearDown() {
    watchdog.close();
    admins.values().forEach(FakeProxyAdmin::close);
  }

  @Test
  void aNotReadyPodAboveTheMaximumIsEvictedAfterAPdbRefusalIsRetried() throws Exception {
    FakeProxyAdmin stuck = pod("edge-a", false, 560);
    stuck.shedding(true);
    pod("edge-b", true, 120);
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
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/shop/pods/edge-a/eviction")
        .andReply(
            201,
            request -> {
              CompletableFuture.runAsync(
                  () -> client.pods().inNamespace(NS).withName("edge-a").delete());
              return Map.of("kind", "Status", "status", "Success");
            })
        .once();

    watchdog.tick(); // 1st check above the maximum: a cleanup, which releases nothing
    assertThat(stuck.cleanupAuthorizations.get(0), is("Bearer " + TOKEN));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick(); // 2nd: due, but the PDB refuses
    assertThat(metrics.watchdogRestarts("blocked_pdb"), is(1L));
    assertThat(metrics.watchdogRestarts("evicted"), is(0L));
    assertThat(client.pods().inNamespace(NS).withName("edge-a").get() != null, is(true));

    clock.advance(Duration.ofSeconds(30));
    watchdog.tick(); // retried at the next check
    assertThat(metrics.watchdogRestarts("evicted"), is(1L));
    Eventually.await(
        "the evicted pod is gone",
        () -> client.pods().inNamespace(NS).withName("edge-a").get() == null);
    assertThat(stored().getStatus().getWatchdog().getLastRestartPod(), is("edge-a"));
    Event restart = event("MemoryRestart");
    assertThat(restart.getMessage(), containsString("edge-a kept shedding load"));
    assertThat(event("RestartBlocked").getCount(), is(1));
  }

  @Test
  void anUnreachablePodIsReportedInTheStatusAndOneEventCountsTheRepeats() throws Exception {
    pod("edge-a", true, 120);
    client.resource(runningPod("edge-b", true)).create(); // its admin port never answers
    watchdog.tick();
    Condition health = condition("WatchdogHealthy");
    assertThat(health.getStatus(), is("False"));
    assertThat(health.getReason(), is("PodsUnreachable"));
    assertThat(health.getMessage(), containsString("edge-b"));
    assertThat(metrics.watchdogState(NS, "edge"), is(Optional.of("unhealthy")));

    // The reconciler's conditions are untouched; the watchdog's Event is one, however long it
    // lasts.
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofSeconds(30));
      watchdog.tick();
    }
    assertThat(event("PodsUnreachable").getCount(), is(1));

    // The pod answers again: the condition recovers.
    admins.put("edge-b", new FakeProxyAdmin(TOKEN, 100));
    clock.advance(Duration.ofSeconds(30));
    watchdog.tick();
    assertThat(condition("WatchdogHealthy").getStatus(), is("True"));
    assertThat(condition("WatchdogHealthy").getReason(), is("PodsReachable"));
  }

  @Test
  void aRotatedSecretThatThePodDoesNotHaveYetIsAnAuthFailure() throws Exception {
    FakeProxyAdmin a = pod("edge-a", true, 450); // needs a cleanup
    pod("edge-b", true, 100);
    var secret = client.secrets().inNamespace(NS).withName("edge-admin").get();
    secret.setStringData(Map.of("token", "rotated"));
    secret.setData(null);
    client.resource(secret).update();
    watchdog.tick();
    assertThat(a.cleanupAuthorizations.get(0), is("Bearer rotated"));
    Condition health = condition("WatchdogHealthy");
    assertThat(health.getReason(), is("AuthFailed"));
    assertThat(health.getMessage(), containsString("edge-a"));
    assertThat(event("AuthFailed").getType(), is("Warning"));
    assertThat(event("MemoryCleanupFailed").getCount(), is(1));
  }

  private ProxyConfig stored() {
    return client.resources(ProxyConfig.class).inNamespace(NS).withName("edge").get();
  }

  private Condition condition(String type) {
    return stored().getStatus().condition(type).orElseThrow();
  }

  private Event event(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .reduce(
            (a, b) -> {
              throw new AssertionError("more than one " + reason + " Event: not aggregated");
            })
        .orElseThrow(() -> new AssertionError("no " + reason + " Event"));
  }

  private FakeProxyAdmin pod(String name, boolean ready, double memoryMb) throws Exception {
    FakeProxyAdmin admin = new FakeProxyAdmin(TOKEN, memoryMb);
    admins.put(name, admin);
    client.resource(runningPod(name, ready)).create();
    return admin;
  }

  /** A pod as the kubelet reports it: Running, with an IP and a Ready condition. */
  private static Pod runningPod(String name, boolean ready) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withLabels(
            Map.of(
                Ownership.NAME_LABEL,
                Ownership.APP_NAME,
                Ownership.INSTANCE_LABEL,
                "edge",
                Ownership.MANAGED_BY_LABEL,
                Ownership.MANAGED_BY))
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0." + (name.hashCode() & 0x7f))
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }
}
