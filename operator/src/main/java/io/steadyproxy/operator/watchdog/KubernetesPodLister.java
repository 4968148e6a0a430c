package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.Ownership;
import java.util.List;

/** Lists a ProxyConfig's pods by its selector labels (RBAC: {@code pods list}). */
public final class KubernetesPodLister implements PodLister {

  private final KubernetesClient client;

  public KubernetesPodLister(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public List<ProxyPod> pods(ProxyConfig proxy) {
    return client
        .pods()
        .inNamespace(proxy.getMetadata().getNamespace())
        .withLabels(Ownership.selector(proxy))
        .list()
        .getItems()
        .stream()
        .map(KubernetesPodLister::toProxyPod)
        .toList();
  }

  static ProxyPod toProxyPod(Pod pod) {
    boolean ready =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new ProxyPod(
        pod.getMetadata().getName(),
        pod.getMetadata().getUid(),
        pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
        ready,
        pod.getMetadata().getDeletionTimestamp() != null);
  }
}
