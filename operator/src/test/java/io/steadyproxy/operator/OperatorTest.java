package io.steadyproxy.operator;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.steadyproxy.operator.crd.ProxyConfig;
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
    awaitValue("first reconciled", () -> client.apps().deployments().inNamespace("shop").withName("first").get());
    await("the leader counted its reconcile", () -> leader.metrics().reconciles("success") > 0);
    assertThat(standby.metrics().reconciles("success"), is(0L));
    assertThat(standby.isLeader(), is(false));

    leader.close(); // releases the Lease
    await("standby leads", standby::isLeader);
    client.resource(proxy("second")).create();
    awaitValue("second reconciled by the new leader",
        () -> client.apps().deployments().inNamespace("shop").withName("second").get());
    await("the new leader counted its reconciles", () -> standby.metrics().reconciles("success") > 0);
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
    assertThat(metrics.body(), containsString("# TYPE steadyproxy_operator_reconcile_duration_seconds histogram"));
    assertThat(metrics.body(), containsString("steadyproxy_operator_queue_depth"));
  }

  private static HttpResponse<String> get(HttpClient http, Operator operator, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Operator operator(String identity) {
    OperatorConfig config = OperatorConfig.parse(
        new String[] {"--identity=" + identity, "--lease-namespace=ops", "--lease-duration-seconds=3",
            "--http-host=127.0.0.1", "--http-port=0"},
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
