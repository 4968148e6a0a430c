package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * The fields the operator owns on each kind, and nothing else: how to tell whether an actual object
 * drifted from the desired one, and how to put our fields back while keeping everyone else's
 * (labels and annotations added by GitOps tools, {@code kubectl rollout restart}'s template
 * annotation, an HPA's replicas, a NodePort the API server allocated, server defaults).
 */
public final class OwnedFields {

  /** The fabric8 model's own JSON mapping, so trees compare as the API server sees the objects. */
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private OwnedFields() {}

  /** True when {@code actual} lacks something {@code desired} asks for. */
  public static boolean drifted(ConfigMap desired, ConfigMap actual) {
    return metadataDrifted(desired.getMetadata(), actual.getMetadata())
        || !JsonSubset.covers(tree(actual.getData()), tree(desired.getData()));
  }

  /** True when {@code actual} lacks something {@code desired} asks for. */
  public static boolean drifted(Service desired, Service actual) {
    return metadataDrifted(desired.getMetadata(), actual.getMetadata())
        || !JsonSubset.covers(tree(actual.getSpec()), tree(desired.getSpec()));
  }

  /** True when {@code actual} lacks something {@code desired} asks for. */
  public static boolean drifted(Deployment desired, Deployment actual) {
    return metadataDrifted(desired.getMetadata(), actual.getMetadata())
        || !JsonSubset.covers(tree(actual.getSpec()), tree(desired.getSpec()));
  }

  /** True when {@code actual} lacks something {@code desired} asks for. */
  public static boolean drifted(HorizontalPodAutoscaler desired, HorizontalPodAutoscaler actual) {
    return metadataDrifted(desired.getMetadata(), actual.getMetadata())
        || !JsonSubset.covers(tree(actual.getSpec()), tree(desired.getSpec()));
  }

  /**
   * {@code actual} with our spec: target, bounds and metrics are all ours; the {@code behavior} the
   * API server defaulted comes back when it defaults the update.
   */
  public static HorizontalPodAutoscaler corrected(
      HorizontalPodAutoscaler desired, HorizontalPodAutoscaler actual) {
    HorizontalPodAutoscaler result = SERIALIZATION.clone(actual);
    correctMetadata(desired.getMetadata(), result.getMetadata());
    result.setSpec(SERIALIZATION.clone(desired.getSpec()));
    return result;
  }

  /** {@code actual} with our fields set as desired; other keys of {@code data} are kept. */
  public static ConfigMap corrected(ConfigMap desired, ConfigMap actual) {
    ConfigMap result = SERIALIZATION.clone(actual);
    correctMetadata(desired.getMetadata(), result.getMetadata());
    Map<String, String> data =
        result.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(result.getData());
    data.putAll(desired.getData());
    result.setData(data);
    return result;
  }

  /**
   * {@code actual} with our fields set as desired: type, selector and ports. A node port the API
   * server allocated is carried over, so correcting a port never reallocates it.
   */
  public static Service corrected(Service desired, Service actual) {
    Service result = SERIALIZATION.clone(actual);
    correctMetadata(desired.getMetadata(), result.getMetadata());
    result.getSpec().setType(desired.getSpec().getType());
    result.getSpec().setSelector(desired.getSpec().getSelector());
    List<ServicePort> ports = new ArrayList<>();
    for (ServicePort port : desired.getSpec().getPorts()) {
      ServicePort copy = SERIALIZATION.clone(port);
      if (!"ClusterIP".equals(desired.getSpec().getType())) {
        actual.getSpec().getPorts().stream()
            .filter(p -> Objects.equals(p.getName(), port.getName()))
            .map(ServicePort::getNodePort)
            .filter(Objects::nonNull)
            .findFirst()
            .ifPresent(copy::setNodePort);
      }
      ports.add(copy);
    }
    result.getSpec().setPorts(ports);
    return result;
  }

  /**
   * {@code actual} with our fields set as desired. The selector is immutable and never touched;
   * replicas only when the ProxyConfig sets them; the pod template's labels and annotations are
   * merged (so a {@code restartedAt} annotation survives), its spec replaced.
   */
  public static Deployment corrected(Deployment desired, Deployment actual) {
    Deployment result = SERIALIZATION.clone(actual);
    correctMetadata(desired.getMetadata(), result.getMetadata());
    DeploymentSpec want = desired.getSpec();
    DeploymentSpec spec = result.getSpec();
    if (want.getReplicas() != null) {
      spec.setReplicas(want.getReplicas());
    }
    spec.setStrategy(want.getStrategy());
    ObjectMeta templateMeta = spec.getTemplate().getMetadata();
    if (templateMeta == null) {
      templateMeta = new ObjectMeta();
      spec.getTemplate().setMetadata(templateMeta);
    }
    templateMeta.setLabels(
        merged(templateMeta.getLabels(), want.getTemplate().getMetadata().getLabels()));
    templateMeta.setAnnotations(
        merged(templateMeta.getAnnotations(), want.getTemplate().getMetadata().getAnnotations()));
    spec.getTemplate().setSpec(want.getTemplate().getSpec());
    return result;
  }

  private static boolean metadataDrifted(ObjectMeta desired, ObjectMeta actual) {
    return !JsonSubset.covers(tree(actual.getLabels()), tree(desired.getLabels()))
        || !JsonSubset.covers(tree(actual.getAnnotations()), tree(desired.getAnnotations()));
  }

  private static void correctMetadata(ObjectMeta desired, ObjectMeta actual) {
    actual.setLabels(merged(actual.getLabels(), desired.getLabels()));
    if (desired.getAnnotations() != null && !desired.getAnnotations().isEmpty()) {
      actual.setAnnotations(merged(actual.getAnnotations(), desired.getAnnotations()));
    }
    // Owner references are never touched: ObjectApplier corrects only objects that already carry
    // our controller reference, and never adopts one that lacks it.
  }

  private static Map<String, String> merged(Map<String, String> theirs, Map<String, String> ours) {
    Map<String, String> merged =
        theirs == null ? new LinkedHashMap<>() : new LinkedHashMap<>(theirs);
    if (ours != null) {
      merged.putAll(ours);
    }
    return merged;
  }

  private static JsonNode tree(Object value) {
    return value == null ? null : SERIALIZATION.convertValue(value, JsonNode.class);
  }
}
