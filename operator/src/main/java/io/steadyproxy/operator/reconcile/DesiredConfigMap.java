package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.steadyproxy.operator.crd.ProxyConfig;

/** The ConfigMap holding the proxy's {@code proxy_config.json}. */
public final class DesiredConfigMap {

  private DesiredConfigMap() {}

  /** The ConfigMap's name for a ProxyConfig. */
  public static String name(ProxyConfig owner) {
    return owner.getMetadata().getName() + "-config";
  }

  /** The ConfigMap as it should be. Pure: no I/O, same input, same output. */
  public static ConfigMap desired(ProxyConfig owner) {
    return new ConfigMapBuilder()
        .withMetadata(Ownership.metadata(owner, name(owner)))
        .addToData(ProxyConfigFile.FILE_NAME, ProxyConfigFile.render(owner.getSpec()))
        .build();
  }
}
