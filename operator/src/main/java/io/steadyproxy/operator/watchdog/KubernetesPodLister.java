package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Lists every pod of a ProxyConfig by its selector labels, Ready or not (RBAC: {@code pods list}).
 * Pods that finished (Succeeded, Failed) are left out: they hold no memory and get no traffic.
 */
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
        .filter(KubernetesPodLister::notFinished)
        .map(KubernetesPodLister::toProxyPod)
        .toList();
  }

  private static boolean notFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  static ProxyPod toProxyPod(Pod pod) {
    boolean ready =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
    return new ProxyPod(
        pod.getMetadata().getName(),
        pod.getMetadata().getUid(),
        pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
        running,
        ready,
        pod.getMetadata().getDeletionTimestamp() != null,
        instant(pod.getMetadata().getCreationTimestamp()));
  }

  private static Instant instant(String timestamp) {
    if (timestamp == null) {
      return null;
    }
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
