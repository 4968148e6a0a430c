package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.controller.ProxyConfigEvents;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.reconcile.Ownership;
import java.net.HttpURLConnection;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * The watchdog's actions on a real cluster. RBAC: {@code events create}, {@code proxyconfigs get}
 * and {@code proxyconfigs/status update}, {@code pods delete}, {@code poddisruptionbudgets list}.
 */
public final class KubernetesWatchdogActions implements WatchdogActions {

  private static final Logger LOG = Logger.getLogger(KubernetesWatchdogActions.class.getName());
  private static final int MAX_ATTEMPTS = 5;

  private final KubernetesClient client;
  private final ProxyConfigEvents events;

  /**
   * @param instance this operator instance's name, reported on Events
   */
  public KubernetesWatchdogActions(KubernetesClient client, InstantSource clock, String instance) {
    this.client = client;
    this.events = new ProxyConfigEvents(client, clock, instance);
  }

  @Override
  public void event(ProxyConfig proxy, String type, String reason, String message) {
    events.record(proxy, type, reason, message);
  }

  @Override
  public void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods) {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ProxyConfig fresh = client.resource(proxy).get();
      if (fresh == null) {
        return;
      }
      ProxyConfig copy = Serialization.clone(fresh);
      ProxyConfigStatus status =
          copy.getStatus() == null ? new ProxyConfigStatus() : copy.getStatus();
      List<PodCleanup> cleanups = new ArrayList<>();
      for (PodCleanup previous :
          status.getLastCleanups() == null ? List.<PodCleanup>of() : status.getLastCleanups()) {
        if (!previous.getPod().equals(cleanup.getPod()) && livePods.contains(previous.getPod())) {
          cleanups.add(previous);
        }
      }
      cleanups.add(cleanup);
      cleanups.sort(Comparator.comparing(PodCleanup::getPod));
      status.setLastCleanups(cleanups);
      copy.setStatus(status);
      try {
        client.resource(copy).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // The reconciler wrote the status meanwhile: read again and add ours on top.
      }
    }
    LOG.warning(
        () ->
            "gave up recording the cleanup of "
                + cleanup.getPod()
                + " after "
                + MAX_ATTEMPTS
                + " conflicts");
  }

  @Override
  public void deletePod(ProxyConfig proxy, ProxyPod pod) {
    client.pods().inNamespace(proxy.getMetadata().getNamespace()).withName(pod.name()).delete();
  }

  @Override
  public int minReadyPods(ProxyConfig proxy, int expectedPods) {
    List<PodDisruptionBudget> budgets =
        client
            .policy()
            .v1()
            .podDisruptionBudget()
            .inNamespace(proxy.getMetadata().getNamespace())
            .list()
            .getItems();
    return DisruptionBudget.minReady(budgets, Ownership.labels(proxy), expectedPods);
  }
}
