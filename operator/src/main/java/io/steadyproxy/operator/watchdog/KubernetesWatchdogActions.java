package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.reconcile.Ownership;
import java.net.HttpURLConnection;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
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
  private final InstantSource clock;
  private final String instance;

  /**
   * @param instance this operator instance's name, reported on Events
   */
  public KubernetesWatchdogActions(KubernetesClient client, InstantSource clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void event(ProxyConfig proxy, String type, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    Event event = new EventBuilder()
        .withNewMetadata()
        // Events are named <object>.<unique suffix>, as kubectl and client-go do.
        .withName(proxy.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
        .withNamespace(proxy.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(proxy.getApiVersion())
            .withKind(proxy.getKind())
            .withName(proxy.getMetadata().getName())
            .withNamespace(proxy.getMetadata().getNamespace())
            .withUid(proxy.getMetadata().getUid())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withCount(1)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withNewSource().withComponent(Ownership.MANAGED_BY).endSource()
        .withReportingComponent(Ownership.MANAGED_BY)
        .withReportingInstance(instance)
        .build();
    try {
      client.v1().events().inNamespace(proxy.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // An Event is a courtesy; losing one must not stop the watchdog.
      LOG.warning(() -> "could not record event " + reason + ": " + e.getMessage());
    }
  }

  @Override
  public void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods) {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ProxyConfig fresh = client.resource(proxy).get();
      if (fresh == null) {
        return;
      }
      ProxyConfig copy = Serialization.clone(fresh);
      ProxyConfigStatus status = copy.getStatus() == null ? new ProxyConfigStatus() : copy.getStatus();
      List<PodCleanup> cleanups = new ArrayList<>();
      for (PodCleanup previous : status.getLastCleanups() == null ? List.<PodCleanup>of() : status.getLastCleanups()) {
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
    LOG.warning(() -> "gave up recording the cleanup of " + cleanup.getPod() + " after " + MAX_ATTEMPTS + " conflicts");
  }

  @Override
  public void deletePod(ProxyConfig proxy, ProxyPod pod) {
    client.pods().inNamespace(proxy.getMetadata().getNamespace()).withName(pod.name()).delete();
  }

  @Override
  public int minReadyPods(ProxyConfig proxy, int expectedPods) {
    List<PodDisruptionBudget> budgets = client.policy().v1().podDisruptionBudget()
        .inNamespace(proxy.getMetadata().getNamespace()).list().getItems();
    return DisruptionBudget.minReady(budgets, Ownership.labels(proxy), expectedPods);
  }
}
