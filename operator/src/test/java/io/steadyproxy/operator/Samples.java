package io.steadyproxy.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.Route;
import io.steadyproxy.operator.crd.TlsSpec;
import io.steadyproxy.operator.reconcile.DesiredDeployment;
import java.util.ArrayList;
import java.util.List;

/** ProxyConfigs for tests: the golden sample and small variations of it. */
public final class Samples {

  /**
   * The operator's default proxy image in tests (what {@code --proxy-image} says); deliberately
   * unlike any built-in default, so a test can tell which one was used.
   */
  public static final String PROXY_IMAGE = "registry.example.com/steadyproxy/proxy:9.8.7";

  private Samples() {}

  /**
   * The Deployment the reconciler wants for {@code proxy}, with {@link #PROXY_IMAGE} as default.
   */
  public static Deployment deployment(ProxyConfig proxy) {
    return DesiredDeployment.desired(proxy, DesiredDeployment.image(proxy.getSpec(), PROXY_IMAGE));
  }

  /**
   * The spec the golden file {@code testdata/proxy_config.golden.json} is rendered from: every
   * default, one upstream and one stripped route.
   */
  public static ProxyConfigSpec goldenSpec() {
    ProxyConfigSpec spec = new ProxyConfigSpec();
    spec.setUpstreamUrl("http://backend:8080");
    spec.setRoutes(new ArrayList<>(List.of(new Route("/api", "http://api:8080", true))));
    return spec;
  }

  /** A route whose upstream speaks gRPC (the route's protocol unlike its default). */
  private static Route grpcRoute(String prefix, String upstream) {
    Route route = new Route(prefix, upstream, false);
    route.setProtocol(Route.Protocol.GRPC);
    return route;
  }

  /**
   * The spec the second golden file {@code testdata/proxy_config.every-field.golden.json} is
   * rendered from: every field the file carries set to a value unlike its default, so a key the
   * proxy failed to read would show as a default on the service's side.
   */
  public static ProxyConfigSpec everyFieldSpec() {
    ProxyConfigSpec spec = new ProxyConfigSpec();
    spec.setUpstreamUrl("https://backend.internal:8443");
    spec.setRoutes(
        new ArrayList<>(
            List.of(
                new Route("/api", "http://api:8080", true),
                new Route("/static/", "http://static:8081", false),
                grpcRoute("/shop.Orders", "http://orders:50051"))));
    spec.setUpstreamCaRef(new CaBundleRef("ConfigMap", "edge-ca", "ca.pem"));
    TlsSpec tls = new TlsSpec("edge-tls");
    tls.setClientCaRef(new CaBundleRef("Secret", "edge-client-ca", "ca.crt"));
    spec.setTls(tls);
    spec.setHttp2(false);
    spec.setHttp2MaxConcurrentStreams(64);
    spec.setPreserveHost(true);
    spec.setMaxConnections(150);
    spec.setMaxKeepaliveConnections(30);
    spec.setKeepaliveExpirySeconds(45);
    spec.setConnectTimeoutSeconds(3);
    spec.setReadTimeoutSeconds(120);
    spec.setWriteTimeoutSeconds(20);
    spec.setPoolTimeoutSeconds(2);
    spec.setMaxUpgradedConnections(1000);
    spec.setUpgradeIdleTimeoutSeconds(300);
    spec.setMemoryCheckIntervalSeconds(15);
    spec.setMaxMemoryUsageMb(800);
    spec.setCleanupThresholdMb(600);
    spec.setMaxHeapPercent(80);
    spec.setTrustedProxies(new ArrayList<>(List.of("10.0.0.0/8", "fd00::/8")));
    spec.setMaxClientConnections(5000);
    spec.setMaxRequestBody(new Quantity("10Mi"));
    spec.setClientHeaderTimeoutSeconds(20);
    spec.setClientBodyTimeoutSeconds(30);
    spec.setSendTimeoutSeconds(40);
    spec.setClientKeepaliveTimeoutSeconds(15);
    spec.setClientBodyBufferSize(new Quantity("128Ki"));
    spec.setClientBodyBuffersMax(new Quantity("16Mi"));
    spec.setShutdownDelaySeconds(8);
    spec.setShutdownGracePeriodSeconds(45);
    spec.setLogLevel("FINE");
    return spec;
  }

  /** A ProxyConfig named {@code name} in namespace {@code ns}, with the golden spec. */
  public static ProxyConfig proxy(String ns, String name) {
    ProxyConfig proxy = new ProxyConfig();
    proxy.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(ns)
            .withName(name)
            .withUid("uid-" + name)
            .withGeneration(1L)
            .build());
    proxy.setSpec(goldenSpec());
    return proxy;
  }
}
