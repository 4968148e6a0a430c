package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The PodDisruptionBudget of a ProxyConfig's pods: at most one of them voluntarily disrupted at a
 * time (a node drain, a cluster upgrade, the watchdog's evictions), so the proxy keeps serving.
 *
 * <p>Only with more than one replica, with replicas left to something else, or under {@code
 * spec.autoscaling} that may scale above one: with one replica a budget would either block every
 * node drain ({@code maxUnavailable: 0}) or allow nothing useful ({@code maxUnavailable: 1} permits
 * evicting the only pod anyway); the watchdog's own rule guards the last Ready pod instead.
 *
 * <p>{@code unhealthyPodEvictionPolicy: AlwaysAllow}: a pod that is not Ready (a proxy shedding
 * load above its memory maximum) may always be evicted. With the default ({@code IfHealthyBudget}),
 * two stuck pods out of three would block each other's eviction for good, and with them every node
 * drain (the Kubernetes docs recommend AlwaysAllow for this reason).
 */
public final class DesiredPodDisruptionBudget {

  /** The fabric8 model's own JSON mapping, for deep copies. */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private DesiredPodDisruptionBudget() {}

  /** The budget's name: the ProxyConfig's, like its Deployment and Service. */
  public static String name(ProxyConfig owner) {
    return owner.getMetadata().getName();
  }

  /** The budget as it should be, or empty when the ProxyConfig should have none. Pure. */
  public static Optional<PodDisruptionBudget> desired(ProxyConfig owner) {
    AutoscalingSpec autoscaling = owner.getSpec().getAutoscaling();
    Integer replicas =
        autoscaling == null ? owner.getSpec().getReplicas() : autoscaling.getMaxReplicas();
    if (replicas != null && replicas <= 1) {
      return Optional.empty();
    }
    return Optional.of(
        new PodDisruptionBudgetBuilder()
            .withMetadata(Ownership.metadata(owner, name(owner)))
            .withNewSpec()
            .withMaxUnavailable(new IntOrString(1))
            .withNewSelector()
            .withMatchLabels(Ownership.selector(owner))
            .endSelector()
            .withUnhealthyPodEvictionPolicy("AlwaysAllow")
            .endSpec()
            .build());
  }

  /** True when {@code actual} lacks our labels, owner reference or spec. */
  public static boolean drifted(PodDisruptionBudget desired, PodDisruptionBudget actual) {
    Map<String, String> labels =
        actual.getMetadata().getLabels() == null ? Map.of() : actual.getMetadata().getLabels();
    PodDisruptionBudgetSpec want = desired.getSpec();
    PodDisruptionBudgetSpec have =
        actual.getSpec() == null ? new PodDisruptionBudgetSpec() : actual.getSpec();
    return !labels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet())
        || !controlledBy(actual, desired.getMetadata().getOwnerReferences().get(0).getUid())
        || !Objects.equals(want.getMaxUnavailable(), have.getMaxUnavailable())
        || have.getMinAvailable() != null
        || !Objects.equals(want.getSelector(), have.getSelector())
        || !Objects.equals(
            want.getUnhealthyPodEvictionPolicy(), have.getUnhealthyPodEvictionPolicy());
  }

  /**
   * {@code actual} with our labels, owner reference and spec; other labels and annotations kept.
   */
  public static PodDisruptionBudget corrected(
      PodDisruptionBudget desired, PodDisruptionBudget actual) {
    PodDisruptionBudget result = SERIALIZATION.clone(actual);
    Map<String, String> labels =
        result.getMetadata().getLabels() == null
            ? new LinkedHashMap<>()
            : new LinkedHashMap<>(result.getMetadata().getLabels());
    labels.putAll(desired.getMetadata().getLabels());
    result.getMetadata().setLabels(labels);
    OwnerReference ours = desired.getMetadata().getOwnerReferences().get(0);
    List<OwnerReference> owners = new ArrayList<>(result.getMetadata().getOwnerReferences());
    if (!controlledBy(result, ours.getUid())) {
      owners.removeIf(o -> Boolean.TRUE.equals(o.getController()));
      owners.add(ours);
    }
    result.getMetadata().setOwnerReferences(owners);
    result.setSpec(SERIALIZATION.clone(desired.getSpec()));
    return result;
  }

  /**
   * Whether the ProxyConfig with that uid controls {@code budget}. A same-named budget anyone else
   * controls (or nobody) is never adopted, changed or deleted.
   */
  public static boolean controlledBy(PodDisruptionBudget budget, String ownerUid) {
    return budget.getMetadata().getOwnerReferences().stream()
        .anyMatch(
            o -> Boolean.TRUE.equals(o.getController()) && Objects.equals(ownerUid, o.getUid()));
  }
}
