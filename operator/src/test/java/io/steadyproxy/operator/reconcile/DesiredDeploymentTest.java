package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.crd.TlsSpec;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DesiredDeploymentTest {

  @Test
  void checksumAnnotationIsTheSha256OfTheRenderedConfig() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    String expected = ProxyConfigFile.checksum(ProxyConfigFile.render(proxy.getSpec()));
    assertThat(checksum(proxy), is(expected));
  }

  @Test
  void checksumChangesWhenTheConfigChanges() {
    assertChecksumChanges(p -> p.getSpec().setMaxConnections(99));
    assertChecksumChanges(p -> p.getSpec().setUpstreamUrl("http://other:8080"));
    assertChecksumChanges(p -> p.getSpec().getRoutes().get(0).setStripPrefix(false));
    assertChecksumChanges(p -> p.getSpec().setCleanupThresholdMb(300));
    // upstream_ca_file appears in the config file.
    assertChecksumChanges(p -> p.getSpec().setUpstreamCaRef(caRef(null, "edge-ca", null)));
  }

  @Test
  void checksumStaysWhenOnlyNonConfigFieldsChange() {
    assertChecksumStays(p -> p.getSpec().setReplicas(7));
    assertChecksumStays(p -> p.getSpec().setImage("steadyproxy/proxy:9.9.9"));
    assertChecksumStays(p -> p.getSpec().getWatchdog().setEnabled(true));
    assertChecksumStays(p -> p.getSpec().setAdminTokenSecretRef(new SecretKeyRef("s", "k")));
    assertChecksumStays(p -> p.getMetadata().setLabels(java.util.Map.of("team", "web")));
    assertChecksumStays(p -> p.getMetadata().setGeneration(42L));
  }

  @Test
  void anUnsetImageIsTheOperatorsDefaultAndASetOneWins() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    assertThat(proxy.getSpec().getImage(), nullValue());
    assertThat(DesiredDeployment.image(proxy.getSpec(), "op/default:1"), is("op/default:1"));
    assertThat(container(proxy).getImage(), is(Samples.PROXY_IMAGE));

    proxy.getSpec().setImage("registry.example.com/mine/proxy:2.0");
    assertThat(
        DesiredDeployment.image(proxy.getSpec(), "op/default:1"),
        is("registry.example.com/mine/proxy:2.0"));
    assertThat(container(proxy).getImage(), is("registry.example.com/mine/proxy:2.0"));
  }

  @Test
  void desiredUsesTheImageItIsGivenAndNothingElse() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setImage("ignored/by-desired:1");
    // desired() takes the effective image; choosing it is image()'s job, not a global's.
    Container container =
        DesiredDeployment.desired(proxy, "given/proxy:3")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(container.getImage(), is("given/proxy:3"));
  }

  @Test
  void aNewOperatorDefaultRollsOnlyTheProxiesThatRelyOnIt() {
    ProxyConfig relying = Samples.proxy("shop", "edge");
    ProxyConfig pinned = Samples.proxy("shop", "pinned");
    pinned.getSpec().setImage("registry.example.com/mine/proxy:2.0");

    Deployment relyingBefore = withDefault(relying, "steadyproxy/proxy:1.0");
    Deployment relyingAfter = withDefault(relying, "steadyproxy/proxy:1.1");
    // The pod template changes (the Deployment rolls) through the image alone: the config file,
    // and so the checksum annotation and the ConfigChanged event, stay as they were.
    assertThat(
        relyingAfter.getSpec().getTemplate(), not(is(relyingBefore.getSpec().getTemplate())));
    assertThat(
        relyingAfter.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
        is("steadyproxy/proxy:1.1"));
    assertThat(
        relyingAfter.getSpec().getTemplate().getMetadata().getAnnotations(),
        is(relyingBefore.getSpec().getTemplate().getMetadata().getAnnotations()));
    relyingBefore.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("x");
    relyingAfter.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("x");
    assertThat(
        "nothing but the image differs",
        relyingAfter.getSpec().getTemplate(),
        is(relyingBefore.getSpec().getTemplate()));

    assertThat(
        "a ProxyConfig with its own spec.image doesn't roll",
        withDefault(pinned, "steadyproxy/proxy:1.1").getSpec().getTemplate(),
        is(withDefault(pinned, "steadyproxy/proxy:1.0").getSpec().getTemplate()));
  }

  @Test
  void aNewSpecImageRollsThatProxyWithoutTouchingTheChecksum() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    Deployment before = Samples.deployment(proxy);
    proxy.getSpec().setImage("registry.example.com/mine/proxy:2.0");
    Deployment after = Samples.deployment(proxy);
    assertThat(after.getSpec().getTemplate(), not(is(before.getSpec().getTemplate())));
    assertThat(
        after.getSpec().getTemplate().getMetadata().getAnnotations(),
        is(before.getSpec().getTemplate().getMetadata().getAnnotations()));
  }

  @Test
  void replicasFollowTheSpecAndStayUnsetForAnHpa() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    assertThat(Samples.deployment(proxy).getSpec().getReplicas(), nullValue());
    proxy.getSpec().setReplicas(3);
    assertThat(Samples.deployment(proxy).getSpec().getReplicas(), is(3));
  }

  @Test
  void probesHitTheObserveEndpointsOnTheAdminPort() {
    Container proxy = container(Samples.proxy("shop", "edge"));
    Probe liveness = proxy.getLivenessProbe();
    Probe readiness = proxy.getReadinessProbe();
    assertThat(liveness.getHttpGet().getPath(), is("/observe/health/live"));
    assertThat(readiness.getHttpGet().getPath(), is("/observe/health/ready"));
    assertThat(liveness.getHttpGet().getPort().getStrVal(), is("admin"));
    assertThat(readiness.getHttpGet().getPort().getStrVal(), is("admin"));
    assertThat(
        proxy.getPorts().stream().map(ContainerPort::getName).toList(), contains("http", "admin"));
    assertThat(
        proxy.getPorts().stream().map(ContainerPort::getContainerPort).toList(),
        contains(8000, 9090));
  }

  @Test
  void runsWithARestrictedSecurityContext() {
    Deployment deployment = Samples.deployment(Samples.proxy("shop", "edge"));
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot(), is(true));
    assertThat(pod.getSecurityContext().getSeccompProfile().getType(), is("RuntimeDefault"));
    assertThat(pod.getAutomountServiceAccountToken(), is(false));
    SecurityContext container = pod.getContainers().get(0).getSecurityContext();
    assertThat(container.getRunAsNonRoot(), is(true));
    assertThat(container.getReadOnlyRootFilesystem(), is(true));
    assertThat(container.getAllowPrivilegeEscalation(), is(false));
    assertThat(container.getCapabilities().getDrop(), contains("ALL"));
    assertThat(container.getCapabilities().getAdd(), is(java.util.List.of()));
    assertThat(container.getSeccompProfile().getType(), is("RuntimeDefault"));
  }

  @Test
  void mountsTheConfigReadOnlyAndAWritableTmp() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    Deployment deployment = Samples.deployment(proxy);
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs(), contains("--config", "/etc/steadyproxy/proxy_config.json"));
    assertThat(
        container.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList(),
        containsInAnyOrder("/etc/steadyproxy", "/tmp"));
    var volumes = deployment.getSpec().getTemplate().getSpec().getVolumes();
    assertThat(volumes.get(0).getConfigMap().getName(), is("edge-config"));
    assertThat(volumes.get(1).getEmptyDir() != null, is(true));
  }

  @Test
  void defaultResourcesLeaveHeadroomAboveTheMaximum() {
    Container container = container(Samples.proxy("shop", "edge"));
    // 500 MB maximum + 25%.
    assertThat(container.getResources().getLimits().get("memory"), is(new Quantity("625Mi")));
    assertThat(container.getResources().getRequests().get("memory"), is(new Quantity("625Mi")));
    assertThat(container.getResources().getRequests().get("cpu"), is(new Quantity("100m")));
  }

  @Test
  void userResourcesAreKeptAsGiven() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy
        .getSpec()
        .setResources(
            new ResourceRequirementsBuilder()
                .addToLimits("memory", new Quantity("1Gi"))
                .addToRequests("cpu", new Quantity("250m"))
                .addToRequests("memory", new Quantity("768Mi"))
                .build());
    Container container = container(proxy);
    assertThat(container.getResources().getLimits().get("memory"), is(new Quantity("1Gi")));
    assertThat(container.getResources().getRequests().get("memory"), is(new Quantity("768Mi")));
    assertThat(container.getResources().getRequests().get("cpu"), is(new Quantity("250m")));
  }

  @Test
  void jvmHeapIsHalfTheMaximumAsAPercentageOfTheLimit() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    assertThat(
        env(container(proxy), "JAVA_TOOL_OPTIONS").getValue(),
        is(
            "-XX:InitialRAMPercentage=40.0 -XX:MaxRAMPercentage=40.0"
                + " -XX:+ExitOnOutOfMemoryError"));
    proxy
        .getSpec()
        .setResources(
            new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build());
    // 250 MiB of 1024 MiB.
    assertThat(
        env(container(proxy), "JAVA_TOOL_OPTIONS").getValue(),
        is(
            "-XX:InitialRAMPercentage=24.4 -XX:MaxRAMPercentage=24.4"
                + " -XX:+ExitOnOutOfMemoryError"));
  }

  @Test
  void theHeapShrinksSoTheJvmsRestingFootprintStaysUnderTheCleanupThreshold() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setCleanupThresholdMb(300);
    // min(500 / 2, 300 - 128) = 172 MiB of the default 625 MiB limit
    assertThat(
        env(container(proxy), "JAVA_TOOL_OPTIONS").getValue(),
        is(
            "-XX:InitialRAMPercentage=27.5 -XX:MaxRAMPercentage=27.5"
                + " -XX:+ExitOnOutOfMemoryError"));
    assertThat(MemoryBudget.of(proxy.getSpec()).heapMib(), is(172L));
  }

  /**
   * The token reaches the proxy as a file it reads at each admin request, never as an env var
   * (which would freeze the token at pod start while the operator follows the Secret).
   */
  @Test
  void adminTokenIsAMountedFileFromTheSecret() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    assertThat(
        container(proxy).getEnv().stream().map(EnvVar::getName).toList(),
        not(hasItem(startsWith("PROXY_ADMIN_TOKEN"))));
    proxy.getSpec().setAdminTokenSecretRef(new SecretKeyRef("edge-admin", "bearer"));
    Container container = container(proxy);
    assertThat(
        container.getEnv().stream().map(EnvVar::getName).toList(),
        not(hasItem("PROXY_ADMIN_TOKEN")));
    assertThat(
        env(container, "PROXY_ADMIN_TOKEN_FILE").getValue(),
        is("/etc/steadyproxy-admin-token/token"));

    PodSpec pod = Samples.deployment(proxy).getSpec().getTemplate().getSpec();
    Volume volume = volume(pod, DesiredDeployment.ADMIN_TOKEN_VOLUME);
    assertThat(volume.getSecret().getSecretName(), is("edge-admin"));
    assertThat(volume.getSecret().getOptional(), is(false));
    assertThat(volume.getSecret().getDefaultMode(), is(0440));
    KeyToPath item = volume.getSecret().getItems().get(0);
    assertThat(item.getKey(), is("bearer"));
    assertThat(item.getPath(), is("token"));
    VolumeMount mount = mount(container, DesiredDeployment.ADMIN_TOKEN_VOLUME);
    assertThat(mount.getMountPath(), is("/etc/steadyproxy-admin-token"));
    assertThat(mount.getReadOnly(), is(true));
    assertThat("a subPath mount would never see a rotated Secret", mount.getSubPath(), nullValue());
  }

  @Test
  void upstreamCaFromAConfigMapIsMountedReadOnlyWithOnlyItsKey() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    // kind and key unset: the schema's defaults, ConfigMap and ca.crt.
    proxy.getSpec().setUpstreamCaRef(caRef(null, "edge-ca", null));
    PodSpec pod = Samples.deployment(proxy).getSpec().getTemplate().getSpec();

    Volume volume = volume(pod, DesiredDeployment.UPSTREAM_CA_VOLUME);
    assertThat(volume.getSecret(), nullValue());
    assertThat(volume.getConfigMap().getName(), is("edge-ca"));
    assertThat(volume.getConfigMap().getOptional(), is(false));
    assertThat(volume.getConfigMap().getItems().size(), is(1));
    KeyToPath item = volume.getConfigMap().getItems().get(0);
    assertThat(item.getKey(), is("ca.crt"));
    assertThat(item.getPath(), is("ca.crt"));

    VolumeMount mount = mount(pod.getContainers().get(0), DesiredDeployment.UPSTREAM_CA_VOLUME);
    assertThat(mount.getReadOnly(), is(true));
    assertThat(mount.getSubPath(), nullValue()); // a subPath mount would never see an update
    // The file the proxy is told to read is the one the volume projects.
    assertThat(mount.getMountPath() + "/" + item.getPath(), is(ProxyConfigFile.UPSTREAM_CA_PATH));
    assertThat(
        ProxyConfigFile.render(proxy.getSpec()),
        org.hamcrest.Matchers.containsString(
            "\"upstream_ca_file\":\"/etc/steadyproxy-upstream-ca/ca.crt\""));
    // Not inside the config ConfigMap's read-only volume.
    assertThat(mount.getMountPath().startsWith(ProxyConfigFile.MOUNT_DIR + "/"), is(false));
  }

  @Test
  void aClientCaBundleIsMountedWholeAsTheProxysClientCaFile() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    TlsSpec tls = new TlsSpec("edge-tls");
    proxy.getSpec().setTls(tls);
    PodSpec without = Samples.deployment(proxy).getSpec().getTemplate().getSpec();
    assertThat(
        without.getVolumes().stream()
            .noneMatch(v -> DesiredDeployment.TLS_CLIENT_CA_VOLUME.equals(v.getName())),
        is(true));

    tls.setClientCaRef(new CaBundleRef("Secret", "edge-clients", "bundle.pem"));
    PodSpec pod = Samples.deployment(proxy).getSpec().getTemplate().getSpec();
    Volume volume = volume(pod, DesiredDeployment.TLS_CLIENT_CA_VOLUME);
    assertThat(volume.getSecret().getSecretName(), is("edge-clients"));
    assertThat(volume.getSecret().getOptional(), is(false));
    KeyToPath item = volume.getSecret().getItems().get(0);
    assertThat(item.getKey(), is("bundle.pem"));
    VolumeMount mount = mount(pod.getContainers().get(0), DesiredDeployment.TLS_CLIENT_CA_VOLUME);
    assertThat(mount.getReadOnly(), is(true));
    assertThat("a subPath mount would never see a new bundle", mount.getSubPath(), nullValue());
    // the file the proxy is told to trust is the one the volume projects, outside the other mounts
    assertThat(mount.getMountPath() + "/" + item.getPath(), is(ProxyConfigFile.TLS_CLIENT_CA_PATH));
    assertThat(
        ProxyConfigFile.render(proxy.getSpec()),
        org.hamcrest.Matchers.containsString(
            "\"tls_client_ca_file\":\"" + ProxyConfigFile.TLS_CLIENT_CA_PATH + "\""));
    for (VolumeMount other : pod.getContainers().get(0).getVolumeMounts()) {
      if (other != mount) {
        assertThat(
            other.getName(),
            mount.getMountPath().startsWith(other.getMountPath() + "/"),
            is(false));
      }
    }

    // a ConfigMap bundle (trust-manager's Bundle writes one) is projected the same way
    tls.setClientCaRef(new CaBundleRef(null, "client-cas", null));
    Volume fromConfigMap =
        volume(
            Samples.deployment(proxy).getSpec().getTemplate().getSpec(),
            DesiredDeployment.TLS_CLIENT_CA_VOLUME);
    assertThat(fromConfigMap.getConfigMap().getName(), is("client-cas"));
    assertThat(fromConfigMap.getConfigMap().getItems().get(0).getKey(), is("ca.crt"));
    assertThat(
        fromConfigMap.getConfigMap().getItems().get(0).getPath(),
        is(ProxyConfigFile.TLS_CLIENT_CA_FILE_NAME));
  }

  @Test
  void aTlsSecretIsMountedAsTheProxysCertificateAndKeyWhileProbesStayPlain() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setTls(new TlsSpec("edge-tls"));
    PodSpec pod = Samples.deployment(proxy).getSpec().getTemplate().getSpec();

    Volume volume = volume(pod, DesiredDeployment.TLS_VOLUME);
    assertThat(volume.getSecret().getSecretName(), is("edge-tls"));
    assertThat(volume.getSecret().getOptional(), is(false));
    assertThat(volume.getSecret().getDefaultMode(), is(0440));
    assertThat(
        volume.getSecret().getItems().stream().map(i -> i.getKey() + "=" + i.getPath()).toList(),
        is(java.util.List.of("tls.crt=tls.crt", "tls.key=tls.key")));
    Container container = pod.getContainers().get(0);
    VolumeMount mount = mount(container, DesiredDeployment.TLS_VOLUME);
    assertThat(mount.getReadOnly(), is(true));
    assertThat("a subPath mount would never see a renewal", mount.getSubPath(), nullValue());
    // the files the proxy is told to serve are the ones the volume projects
    String rendered = ProxyConfigFile.render(proxy.getSpec());
    assertThat(
        rendered,
        org.hamcrest.Matchers.containsString(
            "\"tls_cert_file\":\""
                + mount.getMountPath()
                + "/tls.crt\",\"tls_key_file\":\""
                + mount.getMountPath()
                + "/tls.key\""));
    // probes keep asking the plain admin port
    for (var probe :
        java.util.List.of(container.getLivenessProbe(), container.getReadinessProbe())) {
      assertThat(probe.getHttpGet().getPort().getStrVal(), is("admin"));
      assertThat(probe.getHttpGet().getScheme(), org.hamcrest.Matchers.not("HTTPS"));
    }
    assertThat(rendered, org.hamcrest.Matchers.containsString("\"admin_port\":9090"));
  }

  @Test
  void upstreamCaFromASecretProjectsTheGivenKeyAsCaCrt() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setUpstreamCaRef(caRef("Secret", "edge-ca-secret", "bundle.pem"));
    PodSpec pod = Samples.deployment(proxy).getSpec().getTemplate().getSpec();

    Volume volume = volume(pod, DesiredDeployment.UPSTREAM_CA_VOLUME);
    assertThat(volume.getConfigMap(), nullValue());
    assertThat(volume.getSecret().getSecretName(), is("edge-ca-secret"));
    assertThat(volume.getSecret().getOptional(), is(false));
    assertThat(volume.getSecret().getItems().size(), is(1));
    assertThat(volume.getSecret().getItems().get(0).getKey(), is("bundle.pem"));
    assertThat(volume.getSecret().getItems().get(0).getPath(), is("ca.crt"));
    VolumeMount mount = mount(pod.getContainers().get(0), DesiredDeployment.UPSTREAM_CA_VOLUME);
    assertThat(mount.getMountPath(), is(ProxyConfigFile.UPSTREAM_CA_DIR));
    assertThat(mount.getReadOnly(), is(true));
  }

  @Test
  void withoutUpstreamCaRefThePodTemplateHasNoTraceOfIt() {
    // Existing Deployments must not roll when the operator learns the field.
    PodTemplateSpec template =
        Samples.deployment(Samples.proxy("shop", "edge")).getSpec().getTemplate();
    assertThat(
        template.getSpec().getVolumes().stream().map(Volume::getName).toList(),
        contains("config", "tmp"));
    assertThat(
        template.getSpec().getContainers().get(0).getVolumeMounts().stream()
            .map(VolumeMount::getName)
            .toList(),
        contains("config", "tmp"));
    assertThat(
        ProxyConfigFile.render(Samples.proxy("shop", "edge").getSpec()),
        not(org.hamcrest.Matchers.containsString("upstream_ca_file")));

    // Setting the field adds one volume and one mount, and changes the config file; nothing else.
    ProxyConfig withCa = Samples.proxy("shop", "edge");
    withCa.getSpec().setUpstreamCaRef(caRef("Secret", "edge-ca", "ca.pem"));
    PodTemplateSpec stripped =
        Serialization.clone(Samples.deployment(withCa).getSpec().getTemplate());
    stripped.getSpec().getVolumes().removeIf(v -> v.getName().equals("upstream-ca"));
    stripped
        .getSpec()
        .getContainers()
        .get(0)
        .getVolumeMounts()
        .removeIf(m -> m.getName().equals("upstream-ca"));
    stripped
        .getMetadata()
        .getAnnotations()
        .put(
            DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION,
            template
                .getMetadata()
                .getAnnotations()
                .get(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION));
    assertThat(stripped, is(template));
  }

  @Test
  void pointingUpstreamCaRefElsewhereRollsThroughTheVolumeNotTheChecksum() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setUpstreamCaRef(caRef("ConfigMap", "ca-v1", "ca.crt"));
    Deployment before = Samples.deployment(proxy);
    proxy.getSpec().setUpstreamCaRef(caRef("ConfigMap", "ca-v2", "ca.crt"));
    Deployment after = Samples.deployment(proxy);
    // The proxy reads the same fixed path; the new object reaches the new pods through the volume.
    assertThat(after.getSpec().getTemplate(), not(is(before.getSpec().getTemplate())));
    assertThat(
        after.getSpec().getTemplate().getMetadata().getAnnotations(),
        is(before.getSpec().getTemplate().getMetadata().getAnnotations()));
  }

  @Test
  void podTemplateCarriesTheLabelsTheSelectorMatches() {
    Deployment deployment = Samples.deployment(Samples.proxy("shop", "edge"));
    var templateLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    deployment
        .getSpec()
        .getSelector()
        .getMatchLabels()
        .forEach((k, v) -> assertThat(templateLabels, hasKey(k)));
  }

  private static Deployment withDefault(ProxyConfig proxy, String operatorDefault) {
    return DesiredDeployment.desired(
        proxy, DesiredDeployment.image(proxy.getSpec(), operatorDefault));
  }

  private static void assertChecksumChanges(Consumer<ProxyConfig> change) {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    String before = checksum(proxy);
    change.accept(proxy);
    assertThat(checksum(proxy), not(is(before)));
  }

  private static void assertChecksumStays(Consumer<ProxyConfig> change) {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    String before = checksum(proxy);
    change.accept(proxy);
    assertThat(checksum(proxy), is(before));
  }

  private static String checksum(ProxyConfig proxy) {
    return Samples.deployment(proxy)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION);
  }

  private static CaBundleRef caRef(String kind, String name, String key) {
    CaBundleRef ref = new CaBundleRef();
    ref.setKind(kind);
    ref.setName(name);
    ref.setKey(key);
    return ref;
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> name.equals(v.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static VolumeMount mount(Container container, String name) {
    return container.getVolumeMounts().stream()
        .filter(m -> name.equals(m.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static Container container(ProxyConfig proxy) {
    return Samples.deployment(proxy).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> name.equals(e.getName()))
        .findFirst()
        .orElseThrow();
  }
}
