package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.Route;
import io.steadyproxy.operator.crd.TlsSpec;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  @Test
  void theGoldenSampleIsValid() {
    assertThat(SpecValidator.check(Samples.proxy("shop", "edge")).isEmpty(), is(true));
  }

  @Test
  void anUnsetImageIsValidASetOneMustHaveNoSpaces() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setImage(null); // the operator's --proxy-image
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));
    proxy.getSpec().setImage("registry.example.com/steadyproxy/proxy:2.0");
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));
    assertProblem(p -> p.getSpec().setImage(""), "InvalidImage");
    assertProblem(p -> p.getSpec().setImage("steadyproxy/proxy 2.0"), "InvalidImage");
  }

  @Test
  void aNameTheServiceOrALabelCannotTakeIsInvalid() {
    assertProblem(p -> p.getMetadata().setName("edge.v2"), "InvalidName");
    assertProblem(p -> p.getMetadata().setName("Edge"), "InvalidName");
    assertProblem(p -> p.getMetadata().setName("e".repeat(64)), "InvalidName");
    ProxyConfig longest = Samples.proxy("shop", "e".repeat(63));
    assertThat(SpecValidator.check(longest).isEmpty(), is(true));
    ProxyConfig dotted = Samples.proxy("shop", "edge.v2");
    assertThat(
        SpecValidator.check(dotted).orElseThrow().message(), containsString("got 'edge.v2'"));
  }

  @Test
  void theTunedProxySettingsAndPodSettingsAreChecked() {
    assertProblem(p -> p.getSpec().setLogLevel("DEBUG"), "InvalidLogLevel");
    assertProblem(
        p -> p.getSpec().setPodLabels(java.util.Map.of("app.kubernetes.io/name", "x")),
        "InvalidPodLabels");
    assertProblem(p -> p.getSpec().setMaxRequestBody(new Quantity("-1")), "InvalidMaxRequestBody");
    assertProblem(
        p -> p.getSpec().setMaxClientConnections(1_000_000), "MaxClientConnectionsTooHigh");
    assertProblem(p -> p.getSpec().setShutdownDelaySeconds(null), "MissingField");
    ProxyConfig fine = Samples.proxy("shop", "edge");
    fine.getSpec().setMaxClientConnections(500);
    fine.getSpec().setMaxRequestBody(new Quantity("10Mi"));
    fine.getSpec().setLogLevel("WARNING");
    fine.getSpec().setPodLabels(java.util.Map.of("team", "web"));
    assertThat(SpecValidator.check(fine).isEmpty(), is(true));
  }

  @Test
  void autoscalingNeedsAValidRangeAndACpuRequest() {
    assertProblem(
        p -> p.getSpec().setAutoscaling(new AutoscalingSpec(5, 2, 80)), "InvalidAutoscaling");
    assertProblem(
        p -> p.getSpec().setAutoscaling(new AutoscalingSpec(1, null, 80)), "InvalidAutoscaling");
    assertProblem(
        p -> {
          p.getSpec().setAutoscaling(new AutoscalingSpec(1, 4, 80));
          p.getSpec().setResources(memoryLimit("1Gi")); // no CPU request left
        },
        "AutoscalingNeedsCpuRequest");
    ProxyConfig defaults = Samples.proxy("shop", "edge");
    defaults.getSpec().setAutoscaling(new AutoscalingSpec(1, 4, 80)); // default resources: 100m
    assertThat(SpecValidator.check(defaults).isEmpty(), is(true));
  }

  @Test
  void eachProblemHasItsOwnReason() {
    assertProblem(p -> p.setSpec(null), "MissingSpec");
    assertProblem(p -> p.getSpec().setImage(" "), "InvalidImage");
    assertProblem(p -> p.getSpec().setUpstreamUrl("backend:8080"), "InvalidUpstreamUrl");
    assertProblem(p -> p.getSpec().setUpstreamUrl(null), "InvalidUpstreamUrl");
    assertProblem(
        p -> p.getSpec().getRoutes().add(new Route("api", "http://x", false)), "InvalidRoute");
    assertProblem(
        p -> p.getSpec().getRoutes().add(new Route("/api", "http://x", false)), "InvalidRoute");
    assertProblem(
        p -> p.getSpec().getRoutes().add(new Route("/b", "ftp://x", false)), "InvalidRoute");
    assertProblem(p -> p.getSpec().setCleanupThresholdMb(500), "ThresholdsInverted");
    // the JVM's resting footprint (heap plus about 128 MiB) must fit under the cleanup threshold
    assertProblem(p -> p.getSpec().setCleanupThresholdMb(191), "ThresholdsTooLow");
    assertProblem(
        p -> {
          p.getSpec().setMaxMemoryUsageMb(127);
          p.getSpec().setCleanupThresholdMb(100);
        },
        "ThresholdsTooLow");
    assertProblem(p -> p.getSpec().setMaxKeepaliveConnections(101), "PoolLimitsInverted");
    assertProblem(p -> p.getSpec().setReadTimeoutSeconds(null), "MissingField");
    assertProblem(p -> p.getSpec().setResources(memoryLimit("500Mi")), "MemoryLimitTooLow");
    assertProblem(p -> p.getSpec().getService().setType("ExternalName"), "InvalidServiceType");
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("Secrets", "ca", "ca.crt")),
        "InvalidUpstreamCaRef");
    assertProblem(
        p -> p.getSpec().setTrustedProxies(java.util.List.of("10.0.0.0/8", "lb.example")),
        "InvalidTrustedProxies");
    // passes the schema's pattern, is no address: the proxy would exit 2 on it
    assertProblem(
        p -> p.getSpec().setTrustedProxies(java.util.List.of(":::")), "InvalidTrustedProxies");
  }

  @Test
  void trustedProxiesTakeIpv4AndIpv6Cidrs() {
    for (String ok : java.util.List.of("10.0.0.0/8", "192.168.1.7", "::1/128", "fd00::/8", "::")) {
      assertThat(ok, SpecValidator.isCidr(ok), is(true));
    }
  }

  @Test
  void upstreamCaRefNeedsAConfigMapOrSecretANameAndAKey() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    for (String kind : new String[] {null, "ConfigMap", "Secret"}) {
      proxy.getSpec().setUpstreamCaRef(new CaBundleRef(kind, "edge-ca", null));
      assertThat(String.valueOf(kind), SpecValidator.check(proxy).isEmpty(), is(true));
    }
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("configmap", "edge-ca", "ca.crt")),
        "InvalidUpstreamCaRef");
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("PersistentVolumeClaim", "x", "ca.crt")),
        "InvalidUpstreamCaRef");
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("ConfigMap", null, "ca.crt")),
        "InvalidUpstreamCaRef");
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("ConfigMap", "Edge_CA", "ca.crt")),
        "InvalidUpstreamCaRef");
    assertProblem(
        p -> p.getSpec().setUpstreamCaRef(new CaBundleRef("Secret", "edge-ca", "ca/crt")),
        "InvalidUpstreamCaRef");

    proxy.getSpec().setUpstreamCaRef(new CaBundleRef("Configmap", "edge-ca", "ca.crt"));
    String message = SpecValidator.check(proxy).orElseThrow().message();
    assertThat(message, containsString("upstreamCaRef.kind"));
    assertThat(message, containsString("ConfigMap or Secret"));
    assertThat(message, containsString("'Configmap'"));
  }

  @Test
  void tlsNeedsASecretNameAndAClientCaRefItsVolumeCanProject() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    TlsSpec tls = new TlsSpec("edge-tls");
    tls.setClientCaRef(new CaBundleRef(null, "edge-clients", null));
    proxy.getSpec().setTls(tls);
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));

    assertProblem(p -> p.getSpec().setTls(new TlsSpec(null)), "InvalidTls");
    assertProblem(p -> p.getSpec().setTls(new TlsSpec("Edge_TLS")), "InvalidTls");
    assertProblem(
        p -> p.getSpec().setTls(withClientCa(new CaBundleRef("Secret", null, "ca.crt"))),
        "InvalidTlsClientCaRef");
    assertProblem(
        p -> p.getSpec().setTls(withClientCa(new CaBundleRef("Secrets", "x", "ca.crt"))),
        "InvalidTlsClientCaRef");
    assertProblem(
        p -> p.getSpec().setTls(withClientCa(new CaBundleRef("Secret", "x", "../ca.crt"))),
        "InvalidTlsClientCaRef");

    proxy.getSpec().setTls(withClientCa(new CaBundleRef("ConfigMap", "edge-clients", "a b")));
    String message = SpecValidator.check(proxy).orElseThrow().message();
    assertThat(message, containsString("tls.clientCaRef.key"));
    assertThat(message, containsString("'a b'"));
  }

  @Test
  void protocolAndClientSettingsTheProxyRefusesAtZeroAreOutOfRange() {
    // Each of these would make the proxy exit 2 at start (a crash-looping rollout).
    assertProblem(p -> p.getSpec().setHttp2MaxConcurrentStreams(0), "OutOfRange");
    assertProblem(p -> p.getSpec().setHttp2MaxConcurrentStreams(100_001), "OutOfRange");
    assertProblem(p -> p.getSpec().setClientHeaderTimeoutSeconds(0), "OutOfRange");
    assertProblem(p -> p.getSpec().setClientBodyTimeoutSeconds(0), "OutOfRange");
    assertProblem(p -> p.getSpec().setSendTimeoutSeconds(0), "OutOfRange");
    assertProblem(p -> p.getSpec().setClientKeepaliveTimeoutSeconds(3601), "OutOfRange");
    assertProblem(p -> p.getSpec().setSendTimeoutSeconds(null), "MissingField");
    assertProblem(p -> p.getSpec().setClientBodyTimeoutSeconds(-1), "NegativeValue");
    assertProblem(
        p -> p.getSpec().setClientBodyBufferSize(new Quantity("-1Ki")), "InvalidClientBodyBuffer");
    assertProblem(
        p -> p.getSpec().setClientBodyBuffersMax(new Quantity("-8Mi")), "InvalidClientBodyBuffer");

    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setSendTimeoutSeconds(0);
    assertThat(
        SpecValidator.check(proxy).orElseThrow().message(),
        is("spec.sendTimeoutSeconds must be between 1 and 3600, got 0"));

    ProxyConfig fine = Samples.proxy("shop", "edge");
    fine.getSpec().setHttp2(false);
    fine.getSpec().setHttp2MaxConcurrentStreams(1);
    fine.getSpec().setClientHeaderTimeoutSeconds(3600);
    fine.getSpec().setClientBodyBufferSize(new Quantity("0"));
    fine.getSpec().setClientBodyBuffersMax(new Quantity("64Mi"));
    assertThat(SpecValidator.check(fine).isEmpty(), is(true));
  }

  private static TlsSpec withClientCa(CaBundleRef ref) {
    TlsSpec tls = new TlsSpec("edge-tls");
    tls.setClientCaRef(ref);
    return tls;
  }

  @Test
  void aMemoryLimitJustAboveTheMaximumIsEnough() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setResources(memoryLimit("501Mi"));
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));
  }

  @Test
  void theMessageNamesTheFieldsAndValues() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().setResources(memoryLimit("256Mi"));
    String message = SpecValidator.check(proxy).orElseThrow().message();
    assertThat(message, containsString("256Mi"));
    assertThat(message, containsString("maxMemoryUsageMb (500)"));
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements memoryLimit(String limit) {
    return new ResourceRequirementsBuilder().addToLimits("memory", new Quantity(limit)).build();
  }

  private static void assertProblem(Consumer<ProxyConfig> change, String reason) {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    change.accept(proxy);
    assertThat(SpecValidator.check(proxy).orElseThrow().reason(), is(reason));
  }
}
