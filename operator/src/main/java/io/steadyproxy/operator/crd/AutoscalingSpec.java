package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) the operator creates and owns for the proxy's
 * Deployment. While it is set, the Deployment's replicas belong to the autoscaler: the operator
 * neither writes nor compares them.
 */
@ValidationRule(
    value = "!has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
    message = AutoscalingSpec.MIN_ABOVE_MAX_MESSAGE)
public class AutoscalingSpec {

  /** The API server's answer to a minimum above the maximum. */
  public static final String MIN_ABOVE_MAX_MESSAGE =
      "autoscaling.minReplicas must not exceed autoscaling.maxReplicas";

  @Default("1")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Fewest proxy pods the autoscaler keeps.")
  private Integer minReplicas = 1;

  @Required
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Most proxy pods the autoscaler may run.")
  private Integer maxReplicas;

  @Default("80")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Average CPU use, in percent of the pods' CPU request, the autoscaler aims for. The pods"
          + " need a CPU request (set by default; keep one when resources are set).")
  private Integer targetCPUUtilizationPercentage = 80;

  public AutoscalingSpec() {}

  public AutoscalingSpec(Integer minReplicas, Integer maxReplicas, Integer targetCpu) {
    this.minReplicas = minReplicas;
    this.maxReplicas = maxReplicas;
    this.targetCPUUtilizationPercentage = targetCpu;
  }

  public Integer getMinReplicas() {
    return minReplicas;
  }

  public void setMinReplicas(Integer minReplicas) {
    this.minReplicas = minReplicas;
  }

  public Integer getMaxReplicas() {
    return maxReplicas;
  }

  public void setMaxReplicas(Integer maxReplicas) {
    this.maxReplicas = maxReplicas;
  }

  public Integer getTargetCPUUtilizationPercentage() {
    return targetCPUUtilizationPercentage;
  }

  public void setTargetCPUUtilizationPercentage(Integer targetCPUUtilizationPercentage) {
    this.targetCPUUtilizationPercentage = targetCPUUtilizationPercentage;
  }
}
