package io.steadyproxy.operator;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.reconcile.Ownership;
import io.steadyproxy.operator.watchdog.FakeProxyAdmin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two operator instances on one API server: only the Lease holder reconciles. */
@EnableKubernetesMockClient(crud = true, https = false)
class OperatorTest {

  KubernetesMockServer server;
  KubernetesClient client;

  private static final java.time.Duration TAKEOVER = java.time.Duration.ofSeconds(90);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  @Test
  void onlyTheLeaderReconcilesAndAStandbyTakesOverWhenItStops() {
    MockCluster.installCrd(client);
    Operator alpha = operator("alpha");
    Operator bravo = operator("bravo");

    await("one leader", () -> alpha.isLeader() ^ bravo.isLeader());
    Operator leader = alpha.isLeader() ? alpha : bravo;
    Operator standby = leader == alpha ? bravo : alpha;
    Lease lease = client.leases().inNamespace("ops").withName("steadyproxy-operator").get();
    assertThat(lease.getSpec().getHolderIdentity(), is(leader == alpha ? "alpha" : "bravo"));

    client.resource(proxy("first")).create();
    awaitValue(
        "first reconciled",
        () -> client.apps().deployments().inNamespace("shop").withName("first").get());
    await("the leader counted its reconcile", () -> leader.metrics().reconciles("success") > 0);
    assertThat(standby.metrics().reconciles("success"), is(0L));
    assertThat(standby.isLeader(), is(false));

    leader.close(); // releases the Lease
    // Closing the leader's watches can stall the mock server's event loop for up to 30 s (its
    // WatchEventsListener waits for in-flight writes), so the takeover gets a longer bound.
    await("standby leads", TAKEOVER, standby::isLeader);
    client.resource(proxy("second")).create();
    await(
        "second reconciled by the new leader",
        TAKEOVER,
        () -> client.apps().deployments().inNamespace("shop").withName("second").get() != null);
    await(
        "the new leader counted its reconciles", () -> standby.metrics().reconciles("success") > 0);
  }

  @Test
  void servesHealthReadinessAndMetrics() throws Exception {
    MockCluster.installCrd(client);
    Operator operator = operator("solo");
    await("leading", operator::isLeader);
    await("ready", operator::isReady);
    HttpClient http = HttpClient.newHttpClient();
    assertThat(get(http, operator, "/healthz").statusCode(), is(200));
    assertThat(get(http, operator, "/readyz").statusCode(), is(200));
    HttpResponse<String> metrics = get(http, operator, "/metrics");
    assertThat(metrics.statusCode(), is(200));
    assertThat(metrics.body(), containsString("steadyproxy_operator_leader 1"));
    assertThat(
        metrics.body(),
        containsString("# TYPE steadyproxy_operator_reconcile_duration_seconds histogram"));
    assertThat(metrics.body(), containsString("steadyproxy_operator_queue_depth"));
  }

  @Test
  void theLeadersWatchdogCleansUpAProxyPodAndRecordsIt() throws Exception {
    MockCluster.installCrd(client);
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-admin")
                .withNamespace("shop")
                .endMetadata()
                .addToStringData("token", "s3cret")
                .build())
        .create();
    ProxyConfig proxy = proxy("edge");
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "token"));
    proxy.getSpec().getWatchdog().setEnabled(true);
    proxy.getSpec().getWatchdog().setIntervalSeconds(5);
    client.resource(proxy).create();
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("edge-7f9c-abcde")
                .withNamespace("shop")
                .withLabels(Ownership.labels(proxy))
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("10.0.0.1")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();

    try (FakeProxyAdmin pod = new FakeProxyAdmin("s3cret", 450)) {
      pod.releasesTo(280);
      OperatorConfig config =
          OperatorConfig.parse(
              new String[] {"--leader-election=false", "--http-host=127.0.0.1", "--http-port=0"},
              Map.of());
      Operator operator =
          new Operator(config, client, Clock.systemUTC(), () -> {}, p -> pod.base());
      toClose.add(operator);
      operator.start();

      await("cleanup called", () -> pod.cleanups() >= 1);
      assertThat(pod.cleanupAuthorizations.get(0), is("Bearer s3cret"));
      await(
          "cleanup in status",
          () -> {
            var cleanups =
                client
                    .resources(ProxyConfig.class)
                    .inNamespace("shop")
                    .withName("edge")
                    .get()
                    .getStatus()
                    .getLastCleanups();
            return cleanups.size() == 1
                && cleanups.get(0).getPod().equals("edge-7f9c-abcde")
                && cleanups.get(0).getAfterMb() == 280L;
          });
      await(
          "event recorded",
          () ->
              client.v1().events().inNamespace("shop").list().getItems().stream()
                  .anyMatch(e -> "MemoryCleanup".equals(e.getReason())));
      assertThat(operator.metrics().watchdogCleanups("ok") >= 1, is(true));
      await(
          "the round finished", () -> operator.metrics().watchdogState("shop", "edge").isPresent());
      String scrape = operator.metrics().render();
      assertThat(
          scrape,
          containsString(
              "steadyproxy_operator_pod_memory_mb{namespace=\"shop\",proxyconfig=\"edge\","
                  + "pod=\"edge-7f9c-abcde\"} 450.0"));
      assertThat(
          "read from the ProxyConfig cache at scrape time",
          scrape,
          containsString(
              "steadyproxy_operator_proxyconfig_ready_replicas{namespace=\"shop\","
                  + "proxyconfig=\"edge\"} 0"));
      assertThat(
          scrape,
          containsString(
              "steadyproxy_operator_watchdog_state{namespace=\"shop\",proxyconfig=\"edge\","
                  + "state=\"healthy\"} 1"));
    }
  }

  private static HttpResponse<String> get(HttpClient http, Operator operator, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Operator operator(String identity) {
    OperatorConfig config =
        OperatorConfig.parse(
            new String[] {
              "--identity=" + identity,
              "--lease-namespace=ops",
              // Long enough that a busy 2-core machine never makes the leader miss a renewal;
              // the takeover is quick anyway, since a closing leader releases the Lease.
              "--lease-duration-seconds=10",
              "--http-host=127.0.0.1",
              "--http-port=0"
            },
            Map.of());
    KubernetesClient own = server.createClient();
    try {
      Operator operator = new Operator(config, own, Clock.systemUTC(), () -> {});
      toClose.add(own);
      toClose.add(operator);
      operator.start();
      return operator;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ProxyConfig proxy(String name) {
    ProxyConfig proxy = Samples.proxy("shop", name);
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    return proxy;
  }
}
