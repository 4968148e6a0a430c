package io.steadyproxy.operator.controller;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A controller given a list of namespaces acts in those only; a deleted ProxyConfig is no error.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class WatchedNamespacesTest {

  KubernetesClient client;

  @Test
  void onlyTheWatchedNamespacesAreReconciled() {
    MockCluster.installCrd(client);
    OperatorMetrics metrics = new OperatorMetrics();
    try (ProxyConfigController controller =
        new ProxyConfigController(
            client,
            List.of("shop", "blog"),
            1,
            Duration.ZERO,
            metrics,
            Clock.systemUTC(),
            "test",
            Samples.PROXY_IMAGE)) {
      controller.start();
      create("other", "edge");
      create("shop", "edge");
      create("blog", "edge");

      awaitValue(
          "shop reconciled",
          () -> client.apps().deployments().inNamespace("shop").withName("edge").get());
      awaitValue(
          "blog reconciled",
          () -> client.apps().deployments().inNamespace("blog").withName("edge").get());
      await("both statuses written", () -> metrics.reconciles("success") >= 2);
      assertThat(
          client.apps().deployments().inNamespace("other").withName("edge").get(), nullValue());
      assertThat(
          client
              .resources(ProxyConfig.class)
              .inNamespace("other")
              .withName("edge")
              .get()
              .getStatus(),
          nullValue());
    }
  }

  @Test
  void aDeletedProxyConfigIsGoneNotAnError() {
    MockCluster.installCrd(client);
    OperatorMetrics metrics = new OperatorMetrics();
    try (ProxyConfigController controller =
        new ProxyConfigController(
            client,
            List.of(),
            1,
            Duration.ZERO,
            metrics,
            Clock.systemUTC(),
            "test",
            Samples.PROXY_IMAGE)) {
      controller.start();
      ProxyConfig proxy = create("shop", "edge");
      awaitValue(
          "reconciled",
          () -> client.apps().deployments().inNamespace("shop").withName("edge").get());

      client.resource(proxy).delete();

      await("the delete event reconciled as gone", () -> metrics.reconciles("gone") >= 1);
      assertThat(metrics.reconciles("error"), is(0L));
    }
  }

  private ProxyConfig create(String namespace, String name) {
    ProxyConfig proxy = Samples.proxy(namespace, name);
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    return client.resource(proxy).create();
  }
}
