package io.steadyproxy.operator.controller;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.apiserver.RealisticApiServer;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Steady state against a mock server that stores what a real API server would: defaulted objects
 * with a mesh's sidecar and env var injected. Once the owned objects exist and the status is
 * written, later reconciles (resyncs every 200 ms, owned-object events) must write nothing.
 */
class RealisticDriftTest {

  private static final String NS = "shop";

  private RealisticApiServer server;
  private KubernetesClient client;
  private ProxyConfigController controller;
  private final OperatorMetrics metrics = new OperatorMetrics();

  @BeforeEach
  void start() {
    server = RealisticApiServer.start();
    client = server.client();
    MockCluster.installCrd(client);
    controller =
        new ProxyConfigController(
            client,
            List.of(),
            2,
            Duration.ofMillis(200),
            metrics,
            Clock.systemUTC(),
            "test",
            Samples.PROXY_IMAGE);
    controller.start();
  }

  @AfterEach
  void stop() {
    controller.close();
    client.close();
    server.close();
  }

  @Test
  void laterReconcilesWriteNothingDespiteDefaultsAndInjectedEntries() {
    createReferencedObjects();
    client.resource(everyFeature()).create();

    Deployment deployment = awaitValue("Deployment", () -> deployment());
    awaitValue(
        "HPA",
        () ->
            client
                .autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(NS)
                .withName("edge")
                .get());
    await("status written", () -> status() != null);
    // What the server stores is what a cluster would: defaulted, with the mesh's additions.
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(
        pod.getContainers().stream().map(Container::getName).toList(),
        is(List.of("proxy", RealisticApiServer.SIDECAR)));
    assertThat(pod.getContainers().get(0).getImagePullPolicy(), is("IfNotPresent"));
    assertThat(pod.getDnsPolicy(), is("ClusterFirst"));
    assertThat(deployment.getSpec().getRevisionHistoryLimit(), is(10));
    assertThat(
        pod.getContainers().get(0).getEnv().stream().map(e -> e.getName()).toList(),
        hasItem(RealisticApiServer.INJECTED_ENV));
    assertThat(service().getSpec().getClusterIP().startsWith("10.96.0."), is(true));

    assertQuiet();
  }

  @Test
  void realDriftIsCorrectedOnceAndThenAllIsQuietAgain() {
    createReferencedObjects();
    client.resource(everyFeature()).create();
    awaitValue("Deployment", () -> deployment());
    await("status written", () -> status() != null);
    assertQuiet();

    // Someone edits our container's image and our Service port: one correction each.
    Deployment edited = deployment();
    edited.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:1");
    client.resource(edited).update();
    await(
        "image reverted",
        () ->
            Samples.PROXY_IMAGE.equals(
                deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
    Service service = service();
    Integer nodePort = service.getSpec().getPorts().get(0).getNodePort();
    service.getSpec().getPorts().get(0).setPort(1234);
    client.resource(service).update();
    await("port reverted", () -> service().getSpec().getPorts().get(0).getPort() == 8080);
    assertThat(
        "the allocated node port is kept",
        service().getSpec().getPorts().get(0).getNodePort(),
        is(nodePort));
    assertThat(
        "the mesh's sidecar is back after the correction",
        deployment().getSpec().getTemplate().getSpec().getContainers().size(),
        is(2));

    assertQuiet();
  }

  /** After the writes so far, several more reconciles run and write nothing at all. */
  private void assertQuiet() {
    // Let any reconcile already queued by the last write finish first.
    long settledAt = metrics.reconciles("success") + 2;
    await("reconciles after the last write", () -> metrics.reconciles("success") >= settledAt);
    List<String> before = server.writes();
    long reconciles = metrics.reconciles("success");
    await("five more reconciles", () -> metrics.reconciles("success") >= reconciles + 5);
    List<String> after = server.writes();
    assertThat(
        "writes by later reconciles", after.subList(before.size(), after.size()), is(List.of()));
  }

  /** A ProxyConfig using every field that reaches the Deployment, Service or autoscaler. */
  private static ProxyConfig everyFeature() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    var spec = proxy.getSpec();
    spec.setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "token"));
    spec.setUpstreamCaRef(new CaBundleRef(CaBundleRef.CONFIG_MAP, "edge-ca", "ca.crt"));
    spec.setTrustedProxies(List.of("10.0.0.0/8"));
    spec.setAutoscaling(new AutoscalingSpec(2, 6, 70));
    spec.setImagePullSecrets(List.of(new LocalObjectReference("regcred")));
    spec.setNodeSelector(Map.of("pool", "edge"));
    spec.setTolerations(
        List.of(
            new TolerationBuilder()
                .withKey("dedicated")
                .withOperator("Equal")
                .withValue("edge")
                .withEffect("NoSchedule")
                .build()));
    spec.setTopologySpreadConstraints(
        List.of(
            new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey("topology.kubernetes.io/zone")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .build()));
    spec.setPriorityClassName("edge-critical");
    spec.setPodLabels(Map.of("team", "web"));
    spec.setPodAnnotations(Map.of("example.com/scrape", "true"));
    spec.getService().setType("NodePort");
    spec.getService().setPort(8080);
    spec.getService()
        .setAnnotations(Map.of("external-dns.alpha.kubernetes.io/hostname", "edge.example.com"));
    return proxy;
  }

  private void createReferencedObjects() {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-admin")
                .withNamespace(NS)
                .endMetadata()
                .addToStringData("token", "s3cret")
                .build())
        .create();
    client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("edge-ca")
                .withNamespace(NS)
                .endMetadata()
                .addToData(
                    "ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
                .build())
        .create();
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(NS).withName("edge").get();
  }

  private Service service() {
    return client.services().inNamespace(NS).withName("edge").get();
  }

  private Object status() {
    ProxyConfig proxy = client.resources(ProxyConfig.class).inNamespace(NS).withName("edge").get();
    return proxy == null
        ? null
        : proxy.getStatus() == null ? null : proxy.getStatus().getObservedGeneration();
  }
}
