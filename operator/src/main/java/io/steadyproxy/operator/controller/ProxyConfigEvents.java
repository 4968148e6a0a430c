package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.Ownership;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.logging.Logger;

/**
 * Records core/v1 Events on a ProxyConfig, where {@code kubectl describe pxc} shows them (RBAC:
 * {@code events create, get, update}). An Event is a courtesy: failing to record one is logged,
 * never thrown.
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

  /**
   * Records an Event about {@code proxy}, aggregated as client-go's event correlator does: one
   * Event per ProxyConfig, type and reason, whose {@code count} and {@code lastTimestamp} grow with
   * each repeat and whose message is the latest. A watchdog that checks every 30 s then shows "x12
   * over 6m" in {@code kubectl describe} instead of flooding the namespace with Events. Its name is
   * derived from those three, so repeats find it after an operator restart too; once the API server
   * expired it (after an hour by default), the next one starts again at 1.
   */
  public void record(ProxyConfig proxy, String type, String reason, String message) {
    String namespace = proxy.getMetadata().getNamespace();
    String name = eventName(proxy, type, reason);
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        Event existing = client.v1().events().inNamespace(namespace).withName(name).get();
        if (existing == null) {
          client
              .v1()
              .events()
              .inNamespace(namespace)
              .resource(fresh(proxy, name, type, reason, message, now))
              .create();
        } else {
          existing.setCount(existing.getCount() == null ? 2 : existing.getCount() + 1);
          existing.setLastTimestamp(now);
          existing.setMessage(message);
          // An update carries the resourceVersion just read: a concurrent repeat gets a 409.
          client.v1().events().inNamespace(namespace).resource(existing).update();
        }
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT && attempt < 3) {
          continue; // created or counted by someone else meanwhile: read it again
        }
        LOG.warning(
            () ->
                "could not record event "
                    + reason
                    + " on "
                    + proxy.getMetadata().getName()
                    + ": "
                    + e.getMessage());
        return;
      }
    }
  }

  /**
   * {@code <proxyconfig>.<16 hex digits>}: the digits hash the ProxyConfig's uid, the type and the
   * reason, so a re-created ProxyConfig of the same name starts new Events.
   */
  static String eventName(ProxyConfig proxy, String type, String reason) {
    String key = proxy.getMetadata().getUid() + "/" + type + "/" + reason;
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    String prefix = proxy.getMetadata().getName();
    // Event names are DNS subdomains: at most 253 characters.
    if (prefix.length() > 253 - 17) {
      prefix = prefix.substring(0, 253 - 17);
    }
    return prefix + "." + HexFormat.of().formatHex(digest, 0, 8);
  }

  private Event fresh(
      ProxyConfig proxy, String name, String type, String reason, String message, String now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
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
  }
}
