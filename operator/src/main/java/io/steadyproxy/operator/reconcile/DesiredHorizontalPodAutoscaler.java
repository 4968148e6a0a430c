package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.Optional;

/**
 * The HorizontalPodAutoscaler (autoscaling/v2) of {@code spec.autoscaling}: it scales the proxy's
 * Deployment on average CPU use in percent of the pods' request. Absent when the spec leaves
 * autoscaling unset, and then the reconciler deletes the one it owns.
 */
public final class DesiredHorizontalPodAutoscaler {

  private DesiredHorizontalPodAutoscaler() {}

  /** The autoscaler's name: the ProxyConfig's (and the Deployment's) name. */
  public static String name(ProxyConfig owner) {
    return owner.getMetadata().getName();
  }

  /** The autoscaler as it should be, or empty when the spec asks for none. Pure. */
  public static Optional<HorizontalPodAutoscaler> desired(ProxyConfig owner) {
    AutoscalingSpec autoscaling = owner.getSpec().getAutoscaling();
    if (autoscaling == null) {
      return Optional.empty();
    }
    return Optional.of(
        new HorizontalPodAutoscalerBuilder()
            .withMetadata(Ownership.metadata(owner, name(owner)))
            .withNewSpec()
            .withNewScaleTargetRef()
            .withApiVersion("apps/v1")
            .withKind("Deployment")
            .withName(DesiredDeployment.name(owner))
            .endScaleTargetRef()
            .withMinReplicas(autoscaling.getMinReplicas())
            .withMaxReplicas(autoscaling.getMaxReplicas())
            .addNewMetric()
            .withType("Resource")
            .withNewResource()
            .withName("cpu")
            .withNewTarget()
            .withType("Utilization")
            .withAverageUtilization(autoscaling.getTargetCPUUtilizationPercentage())
            .endTarget()
            .endResource()
            .endMetric()
            .endSpec()
            .build());
  }
}
