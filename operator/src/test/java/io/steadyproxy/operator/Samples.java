package io.steadyproxy.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.Route;
import java.util.ArrayList;
import java.util.List;

/** ProxyConfigs for tests: the golden sample and small variations of it. */
public final class Samples {

  private Samples() {}

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
