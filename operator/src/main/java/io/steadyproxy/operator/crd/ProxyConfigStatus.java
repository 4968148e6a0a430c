package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the operator observed. The reconciler owns everything here except {@code lastCleanups},
 * {@code watchdog} and the {@code WatchdogHealthy} condition, which the memory watchdog owns; each
 * writes only its own part.
 */
public class ProxyConfigStatus {

  /** Condition type: the proxy serves with the requested replicas and config. */
  public static final String READY = "Ready";

  /** Condition type: a rollout is under way. */
  public static final String PROGRESSING = "Progressing";

  /** Condition type: the spec can't be applied, or the Deployment failed. */
  public static final String DEGRADED = "Degraded";

  /**
   * Condition type, owned by the memory watchdog: it can read every pod's memory and call its admin
   * port.
   */
  public static final String WATCHDOG_HEALTHY = "WatchdogHealthy";

  @JsonPropertyDescription(
      "Ready, Progressing, Degraded and (with the watchdog on) WatchdogHealthy.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The metadata.generation the conditions describe.")
  private Long observedGeneration;

  @StatusReplicas
  @JsonPropertyDescription("Pods of the current Deployment.")
  private Integer replicas;

  @JsonPropertyDescription("Ready pods of the current Deployment.")
  private Integer readyReplicas;

  @LabelSelector
  @JsonPropertyDescription(
      "Label selector of the proxy pods, for the scale subresource (kubectl scale, HPA).")
  private String selector;

  @JsonPropertyDescription("sha256 of the rendered proxy_config.json now deployed.")
  private String configChecksum;

  @JsonPropertyDescription("The last watchdog cleanup of each pod.")
  private List<PodCleanup> lastCleanups = new ArrayList<>();

  @JsonPropertyDescription("The memory watchdog's last restart and circuit breaker.")
  private WatchdogState watchdog;

  public ProxyConfigStatus() {}

  /** The condition of that type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public String getConfigChecksum() {
    return configChecksum;
  }

  public void setConfigChecksum(String configChecksum) {
    this.configChecksum = configChecksum;
  }

  public List<PodCleanup> getLastCleanups() {
    return lastCleanups;
  }

  public void setLastCleanups(List<PodCleanup> lastCleanups) {
    this.lastCleanups = lastCleanups;
  }

  public WatchdogState getWatchdog() {
    return watchdog;
  }

  public void setWatchdog(WatchdogState watchdog) {
    this.watchdog = watchdog;
  }
}
