package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every owned object has in common: labels, owner reference, namespace, purity. */
class DesiredObjectsTest {

  static List<Function<ProxyConfig, HasMetadata>> kinds() {
    return List.of(DesiredConfigMap::desired, Samples::deployment, DesiredService::desired);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void carriesTheStandardLabels(Function<ProxyConfig, HasMetadata> desired) {
    HasMetadata object = desired.apply(Samples.proxy("shop", "edge"));
    assertThat(object.getMetadata().getLabels(), hasEntry("app.kubernetes.io/name", "steadyproxy"));
    assertThat(object.getMetadata().getLabels(), hasEntry("app.kubernetes.io/instance", "edge"));
    assertThat(
        object.getMetadata().getLabels(),
        hasEntry("app.kubernetes.io/managed-by", "steadyproxy-operator"));
    assertThat(object.getMetadata().getNamespace(), is("shop"));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void isControlledByItsProxyConfig(Function<ProxyConfig, HasMetadata> desired) {
    HasMetadata object = desired.apply(Samples.proxy("shop", "edge"));
    List<OwnerReference> owners = object.getMetadata().getOwnerReferences();
    assertThat(owners.size(), is(1));
    OwnerReference owner = owners.get(0);
    assertThat(owner.getApiVersion(), is("steadyproxy.io/v1alpha1"));
    assertThat(owner.getKind(), is("ProxyConfig"));
    assertThat(owner.getName(), is("edge"));
    assertThat(owner.getUid(), is("uid-edge"));
    assertThat(owner.getController(), is(true));
    assertThat(owner.getBlockOwnerDeletion(), is(true));
    assertThat(Ownership.controllingProxyConfig(object).orElseThrow(), is("edge"));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void isPure(Function<ProxyConfig, HasMetadata> desired) {
    assertThat(
        desired.apply(Samples.proxy("shop", "edge")),
        is(desired.apply(Samples.proxy("shop", "edge"))));
  }

  @org.junit.jupiter.api.Test
  void configMapHoldsTheRenderedFile() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    ConfigMap configMap = DesiredConfigMap.desired(proxy);
    assertThat(configMap.getMetadata().getName(), is("edge-config"));
    assertThat(configMap.getData().keySet(), contains("proxy_config.json"));
    assertThat(
        configMap.getData().get("proxy_config.json"), is(ProxyConfigFile.render(proxy.getSpec())));
  }

  @org.junit.jupiter.api.Test
  void serviceTargetsTheHttpPortOfTheProxyPods() {
    ProxyConfig proxy = Samples.proxy("shop", "edge");
    proxy.getSpec().getService().setType("LoadBalancer");
    proxy.getSpec().getService().setPort(8080);
    Service service = DesiredService.desired(proxy);
    assertThat(service.getMetadata().getName(), is("edge"));
    assertThat(service.getSpec().getType(), is("LoadBalancer"));
    assertThat(service.getSpec().getSelector(), is(Ownership.selector(proxy)));
    assertThat(service.getSpec().getPorts().size(), is(1));
    assertThat(service.getSpec().getPorts().get(0).getPort(), is(8080));
    assertThat(service.getSpec().getPorts().get(0).getTargetPort().getStrVal(), is("http"));
  }

  @org.junit.jupiter.api.Test
  void serviceDefaultsToClusterIpOnPort80() {
    Service service = DesiredService.desired(Samples.proxy("shop", "edge"));
    assertThat(service.getSpec().getType(), is("ClusterIP"));
    assertThat(service.getSpec().getPorts().get(0).getPort(), is(80));
    assertThat(service.getSpec().getPorts().get(0).getNodePort(), nullValue());
  }

  @org.junit.jupiter.api.Test
  void selectorHoldsOnlyStableLabels() {
    Deployment deployment = Samples.deployment(Samples.proxy("shop", "edge"));
    assertThat(deployment.getSpec().getSelector().getMatchLabels().size(), is(2));
    assertThat(
        deployment.getSpec().getSelector().getMatchLabels(),
        not(hasEntry("app.kubernetes.io/managed-by", "steadyproxy-operator")));
  }
}
