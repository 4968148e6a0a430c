package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.logging.Logger;

/**
 * Records core/v1 Events on a ProxyConfig, where {@code kubectl describe pxc} shows them (RBAC:
 * {@code events create}). An Event is a courtesy: failing to record one is logged, never thrown.
 */
public final class ProxyConfigEvents {

  /** Event type for routine changes. */
  public static final String NORMAL = "Normal";

  /** Event type for problems. */
  public static final String WARNING = "Warning";

  private static final Logger LOG = Logger.getLogger(ProxyConfigEvents.class.getName());

  private final KubernetesClient client;
  private final InstantSource clock;
  private final String instance;

  /**
   * @param instance this operator instance's name, reported on each Event
   */
  public ProxyConfigEvents(KubernetesClient client, InstantSource clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  /** Records one Event about {@code proxy}. */
  public void record(ProxyConfig proxy, String type, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            // Events are named <object>.<unique suffix>, as kubectl and client-go do.
            .withName(proxy.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
            .withNamespace(proxy.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
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
            .withNewSource()
            .withComponent(Ownership.MANAGED_BY)
            .endSource()
            .withReportingComponent(Ownership.MANAGED_BY)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(proxy.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warning(
          () ->
              "could not record event "
                  + reason
                  + " on "
                  + proxy.getMetadata().getName()
                  + ": "
                  + e.getMessage());
    }
  }
}
