package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The marks that tie an owned object to its ProxyConfig: the standard {@code app.kubernetes.io/*}
 * labels and a controller owner reference (so Kubernetes' garbage collector deletes the objects
 * with the ProxyConfig, and our informers find the owner).
 */
public final class Ownership {

  public static final String NAME_LABEL = "app.kubernetes.io/name";
  public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String APP_NAME = "steadyproxy";
  public static final String MANAGED_BY = "steadyproxy-operator";

  private Ownership() {}

  /** The three standard labels every owned object and pod carries. */
  public static Map<String, String> labels(ProxyConfig owner) {
    Map<String, String> labels = new LinkedHashMap<>(selector(owner));
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    return labels;
  }

  /**
   * The labels that select this ProxyConfig's pods. Immutable on a Deployment, so they never
   * include anything that might change.
   */
  public static Map<String, String> selector(ProxyConfig owner) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(NAME_LABEL, APP_NAME);
    selector.put(INSTANCE_LABEL, owner.getMetadata().getName());
    return selector;
  }

  /** A controller reference to the ProxyConfig, blocking its deletion until the object is gone. */
  public static OwnerReference ownerReference(ProxyConfig owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Metadata of an owned object: its name, the owner's namespace, labels and owner reference. */
  public static ObjectMeta metadata(ProxyConfig owner, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(owner.getMetadata().getNamespace())
        .withLabels(labels(owner))
        .withOwnerReferences(ownerReference(owner))
        .build();
  }

  /** The name of the ProxyConfig controlling {@code object}, if a ProxyConfig controls it. */
  public static Optional<String> controllingProxyConfig(HasMetadata object) {
    return object.getMetadata().getOwnerReferences().stream()
        .filter(ref -> Boolean.TRUE.equals(ref.getController()))
        .filter(ref -> "ProxyConfig".equals(ref.getKind()))
        .filter(
            ref ->
                ref.getApiVersion() != null
                    && ref.getApiVersion().startsWith(ProxyConfig.GROUP + "/"))
        .map(OwnerReference::getName)
        .findFirst();
  }
}
