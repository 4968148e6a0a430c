package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.controller.ProxyConfigEvents;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import java.net.HttpURLConnection;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The watchdog's actions on a real cluster. RBAC: {@code events create/get/update}, {@code
 * proxyconfigs get} and {@code proxyconfigs/status update}, {@code pods/eviction create}.
 */
public final class KubernetesWatchdogActions implements WatchdogActions {

  private static final Logger LOG = Logger.getLogger(KubernetesWatchdogActions.class.getName());
  private static final int MAX_ATTEMPTS = 5;

  private final KubernetesClient client;
  private final KubernetesClient evictions;
  private final ProxyConfigEvents events;

  /**
   * @param instance this operator instance's name, reported on Events
   */
  public KubernetesWatchdogActions(KubernetesClient client, InstantSource clock, String instance) {
    this.client = client;
    // fabric8 retries a 429 itself, with backoff, up to requestRetryBackoffLimit times (10 by
    // default): a PDB that blocks an eviction would hold up the watchdog's round for a minute. The
    // watchdog retries at its next check instead, so evictions get no client-side retries.
    this.evictions =
        client
            .newClient(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .adapt(KubernetesClient.class);
    this.events = new ProxyConfigEvents(client, clock, instance);
  }

  @Override
  public void event(ProxyConfig proxy, String type, String reason, String message) {
    events.record(proxy, type, reason, message);
  }

  @Override
  public void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods) {
    updateStatus(
        proxy,
        current -> {
          ProxyConfigStatus status =
              current == null ? new ProxyConfigStatus() : Serialization.clone(current);
          List<PodCleanup> cleanups = new ArrayList<>();
          for (PodCleanup previous :
              status.getLastCleanups() == null ? List.<PodCleanup>of() : status.getLastCleanups()) {
            if (!previous.getPod().equals(cleanup.getPod())
                && livePods.contains(previous.getPod())) {
              cleanups.add(previous);
            }
          }
          cleanups.add(cleanup);
          cleanups.sort(Comparator.comparing(PodCleanup::getPod));
          status.setLastCleanups(cleanups);
          return status;
        });
  }

  @Override
  public void updateStatus(ProxyConfig proxy, UnaryOperator<ProxyConfigStatus> change) {
    // The cached copy is usually current: when the change is a no-op on it, skip the round trip.
    if (WatchdogStatus.sameWatchdogPart(proxy.getStatus(), change.apply(proxy.getStatus()))) {
      return;
    }
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ProxyConfig fresh = client.resource(proxy).get();
      if (fresh == null) {
        return;
      }
      ProxyConfigStatus next = change.apply(fresh.getStatus());
      if (WatchdogStatus.sameWatchdogPart(fresh.getStatus(), next)) {
        return;
      }
      ProxyConfig copy = Serialization.clone(fresh);
      copy.setStatus(next);
      try {
        client.resource(copy).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return;
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // The reconciler wrote the status meanwhile: read again and apply ours on top.
      }
    }
    LOG.warning(
        () ->
            "gave up writing the watchdog status of "
                + proxy.getMetadata().getName()
                + " after "
                + MAX_ATTEMPTS
                + " conflicts");
  }

  @Override
  public Eviction evict(ProxyConfig proxy, ProxyPod pod) {
    String namespace = proxy.getMetadata().getNamespace();
    try {
      boolean evicted =
          evictions
              .pods()
              .inNamespace(namespace)
              .withName(pod.name())
              .evict(
                  new EvictionBuilder()
                      .withNewMetadata()
                      .withName(pod.name())
                      .withNamespace(namespace)
                      .endMetadata()
                      // Only this incarnation: never a same-named successor.
                      .withDeleteOptions(
                          new DeleteOptionsBuilder()
                              .withNewPreconditions()
                              .withUid(pod.uid())
                              .endPreconditions()
                              .build())
                      .build());
      // fabric8 answers false for a 429: the API server refused because of a disruption budget.
      return evicted ? Eviction.EVICTED : Eviction.BLOCKED_BY_DISRUPTION_BUDGET;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND
          || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // 404: already gone; 409: the uid precondition failed, so that incarnation is gone too.
        return Eviction.GONE;
      }
      throw e;
    }
  }
}
