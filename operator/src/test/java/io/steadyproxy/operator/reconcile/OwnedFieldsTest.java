package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import org.junit.jupiter.api.Test;

class OwnedFieldsTest {

  private final ProxyConfig proxy = Samples.proxy("shop", "edge");

  @Test
  void anObjectAsTheApiServerReturnsItHasNotDrifted() {
    // What the operator compares in a cluster: its desired object against the object read back,
    // which went through JSON and the server (metadata filled in, absent lists dropped), not
    // against another copy of itself.
    assertThat(
        OwnedFields.drifted(Samples.deployment(proxy), asStored(Samples.deployment(proxy))),
        is(false));
    assertThat(
        OwnedFields.drifted(DesiredService.desired(proxy), asStored(DesiredService.desired(proxy))),
        is(false));
    assertThat(
        OwnedFields.drifted(
            DesiredConfigMap.desired(proxy), asStored(DesiredConfigMap.desired(proxy))),
        is(false));
  }

  @Test
  void aChangeToAnOwnedFieldOfEachKindIsDrift() {
    Deployment image = asStored(Samples.deployment(proxy));
    image.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("other:1");
    assertThat(OwnedFields.drifted(Samples.deployment(proxy), image), is(true));
    ConfigMap config = asStored(DesiredConfigMap.desired(proxy));
    config.getData().replaceAll((k, v) -> v + " ");
    assertThat(OwnedFields.drifted(DesiredConfigMap.desired(proxy), config), is(true));
    Service service = asStored(DesiredService.desired(proxy));
    service.getSpec().getPorts().get(0).setPort(1);
    assertThat(OwnedFields.drifted(DesiredService.desired(proxy), service), is(true));
  }

  /** The object after a round trip through JSON, with the metadata a server adds. */
  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> T asStored(T desired) {
    T stored = (T) Serialization.unmarshal(Serialization.asJson(desired), desired.getClass());
    stored.getMetadata().setResourceVersion("42");
    stored.getMetadata().setUid("7f0c7a2e-0000-4000-8000-000000000001");
    stored.getMetadata().setCreationTimestamp("2026-12-02T09:00:00Z");
    stored.getMetadata().setGeneration(3L);
    return stored;
  }

  @Test
  void serverDefaultsAndForeignFieldsAreNotDrift() {
    Deployment actual = Samples.deployment(proxy);
    actual.getMetadata().setResourceVersion("17");
    actual.getMetadata().getLabels().put("argocd.argoproj.io/instance", "shop");
    actual.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "3");
    actual.getSpec().setReplicas(5); // an HPA scaled it
    actual.getSpec().setRevisionHistoryLimit(10);
    Container container = actual.getSpec().getTemplate().getSpec().getContainers().get(0);
    container.setTerminationMessagePath("/dev/termination-log");
    container.setImagePullPolicy("IfNotPresent");
    container.getLivenessProbe().setTimeoutSeconds(2);
    actual.getSpec().getTemplate().getSpec().setDnsPolicy("ClusterFirst");
    actual
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put("kubectl.kubernetes.io/restartedAt", "2026-11-28T10:00:00Z");
    assertThat(OwnedFields.drifted(Samples.deployment(proxy), actual), is(false));
  }

  @Test
  void entriesAWebhookAddedToNamedListsAreNotDrift() {
    Deployment actual = asStored(Samples.deployment(proxy));
    var pod = actual.getSpec().getTemplate().getSpec();
    // A mesh injector puts its sidecar first and appends an env var, a volume and a mount.
    pod.getContainers()
        .add(
            0,
            new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("mesh")
                .withImage("mesh:1")
                .build());
    Container proxyContainer = pod.getContainers().get(1);
    proxyContainer
        .getEnv()
        .add(0, new io.fabric8.kubernetes.api.model.EnvVar("MESH_ID", "x", null));
    proxyContainer
        .getVolumeMounts()
        .add(
            new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                .withName("mesh-certs")
                .withMountPath("/certs")
                .build());
    pod.getVolumes()
        .add(
            new io.fabric8.kubernetes.api.model.VolumeBuilder()
                .withName("mesh-certs")
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
    assertThat(OwnedFields.drifted(Samples.deployment(proxy), actual), is(false));

    // Our own entry changed, wherever it sits now, is drift.
    proxyContainer.getEnv().get(1).setValue("-Xmx1g");
    assertThat(OwnedFields.drifted(Samples.deployment(proxy), actual), is(true));
  }

  @Test
  void anEntryWeStoppedAskingForIsDriftThroughTheSpecHash() {
    proxy
        .getSpec()
        .setAdminTokenSecretRef(
            new io.steadyproxy.operator.crd.SecretKeyRef("edge-admin", "token"));
    Deployment withToken = asStored(Samples.deployment(proxy));
    proxy.getSpec().setAdminTokenSecretRef(null);
    Deployment desired = Samples.deployment(proxy);

    // By name alone the old env var looks like someone else's addition ...
    assertThat(
        desired.getMetadata().getAnnotations().get(DesiredDeployment.SPEC_HASH_ANNOTATION),
        not(
            is(
                withToken
                    .getMetadata()
                    .getAnnotations()
                    .get(DesiredDeployment.SPEC_HASH_ANNOTATION))));
    // ... but the hash of what we applied changed, so it is corrected away.
    assertThat(OwnedFields.drifted(desired, withToken), is(true));
    Deployment corrected = OwnedFields.corrected(desired, withToken);
    assertThat(
        corrected.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
            .map(io.fabric8.kubernetes.api.model.EnvVar::getName)
            .toList(),
        is(java.util.List.of("JAVA_TOOL_OPTIONS")));
    assertThat(OwnedFields.drifted(desired, corrected), is(false));
  }

  @Test
  void equalQuantitiesInAnotherUnitAreNotDrift() {
    Deployment actual = Samples.deployment(proxy);
    actual
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getResources()
        .getLimits()
        .put("memory", new Quantity("640000Ki"));
    assertThat(OwnedFields.drifted(Samples.deployment(proxy), actual), is(false));
  }

  @Test
  void changedOwnedFieldsAreDriftAndGetCorrected() {
    Deployment desired = Samples.deployment(proxy);
    Deployment actual = Samples.deployment(proxy);
    actual.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil/proxy:latest");
    actual
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION, "stale");
    actual
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put("kubectl.kubernetes.io/restartedAt", "2026-11-28T10:00:00Z");
    actual.getMetadata().getLabels().remove(Ownership.MANAGED_BY_LABEL);
    actual.getMetadata().getLabels().put("team", "web");
    actual.getSpec().setReplicas(4);
    assertThat(OwnedFields.drifted(desired, actual), is(true));

    Deployment corrected = OwnedFields.corrected(desired, actual);
    assertThat(OwnedFields.drifted(desired, corrected), is(false));
    assertThat(
        corrected.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
        is(Samples.PROXY_IMAGE));
    assertThat(corrected.getMetadata().getLabels(), hasEntry("team", "web"));
    assertThat(
        corrected.getSpec().getTemplate().getMetadata().getAnnotations(),
        hasEntry("kubectl.kubernetes.io/restartedAt", "2026-11-28T10:00:00Z"));
    assertThat(
        "replicas are not ours while the spec leaves them unset",
        corrected.getSpec().getReplicas(),
        is(4));
  }

  @Test
  void replicasAreOursWhenTheSpecSetsThem() {
    proxy.getSpec().setReplicas(2);
    Deployment desired = Samples.deployment(proxy);
    Deployment actual = Serialization.clone(desired);
    actual.getSpec().setReplicas(4);
    assertThat(OwnedFields.drifted(desired, actual), is(true));
    assertThat(OwnedFields.corrected(desired, actual).getSpec().getReplicas(), is(2));
  }

  @Test
  void configMapKeepsForeignKeysButOwnsTheConfigFile() {
    ConfigMap desired = DesiredConfigMap.desired(proxy);
    ConfigMap actual = DesiredConfigMap.desired(proxy);
    actual.getData().put("notes.txt", "hello");
    assertThat(OwnedFields.drifted(desired, actual), is(false));
    actual.getData().put(ProxyConfigFile.FILE_NAME, "{}");
    assertThat(OwnedFields.drifted(desired, actual), is(true));
    ConfigMap corrected = OwnedFields.corrected(desired, actual);
    assertThat(corrected.getData(), hasEntry("notes.txt", "hello"));
    assertThat(
        corrected.getData(),
        hasEntry(ProxyConfigFile.FILE_NAME, ProxyConfigFile.render(proxy.getSpec())));
  }

  @Test
  void serviceCorrectionKeepsTheAllocatedNodePortAndClusterIp() {
    proxy.getSpec().getService().setType("NodePort");
    Service desired = DesiredService.desired(proxy);
    Service actual = DesiredService.desired(proxy);
    actual.getSpec().setClusterIP("10.0.0.7");
    actual.getSpec().getPorts().get(0).setNodePort(31234);
    assertThat(OwnedFields.drifted(desired, actual), is(false));
    actual.getSpec().getPorts().get(0).setPort(1234);
    assertThat(OwnedFields.drifted(desired, actual), is(true));
    Service corrected = OwnedFields.corrected(desired, actual);
    assertThat(corrected.getSpec().getPorts().get(0).getPort(), is(80));
    assertThat(corrected.getSpec().getPorts().get(0).getNodePort(), is(31234));
    assertThat(corrected.getSpec().getClusterIP(), is("10.0.0.7"));
  }
}
