package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ServiceSpec;
import java.util.LinkedHashMap;

/**
 * The Service in front of the proxy pods. It exposes only the traffic port: the admin port (health,
 * metrics, cleanup) stays reachable by pod IP, for the kubelet and the operator. {@code
 * spec.service.annotations} go on its metadata, next to any others set.
 */
public final class DesiredService {

  private DesiredService() {}

  /** The Service's name: the ProxyConfig's name, so clients address the proxy by it. */
  public static String name(ProxyConfig owner) {
    return owner.getMetadata().getName();
  }

  /** The Service as it should be. Pure: no I/O, same input, same output. */
  public static Service desired(ProxyConfig owner) {
    ServiceSpec service =
        owner.getSpec().getService() == null ? new ServiceSpec() : owner.getSpec().getService();
    ObjectMeta metadata = Ownership.metadata(owner, name(owner));
    if (service.getAnnotations() != null && !service.getAnnotations().isEmpty()) {
      metadata.setAnnotations(new LinkedHashMap<>(service.getAnnotations()));
    }
    return new ServiceBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withType(service.getType() == null ? "ClusterIP" : service.getType())
        .withSelector(Ownership.selector(owner))
        .addNewPort()
        .withName("http")
        .withProtocol("TCP")
        .withPort(service.getPort() == null ? 80 : service.getPort())
        .withTargetPort(new IntOrString("http"))
        .endPort()
        .endSpec()
        .build();
  }
}
