package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The memory watchdog's policy for one ProxyConfig: how often to read each pod's memory, how often
 * a pod may be asked to clean up, and whether a pod that stays above the maximum is restarted.
 */
public class WatchdogSpec {

  @Default("false")
  @JsonPropertyDescription(
      "Poll each running pod's /health and ask it to clean up above the threshold.")
  private Boolean enabled = false;

  @Default("30")
  @Min(5)
  @Max(3600)
  @JsonPropertyDescription("Seconds between two memory checks of a pod.")
  private Integer intervalSeconds = 30;

  @Default("120")
  @Min(0)
  @Max(86400)
  @JsonPropertyDescription("Minimum seconds between two cleanup calls to the same pod.")
  private Integer cleanupMinIntervalSeconds = 120;

  @Default("false")
  @JsonPropertyDescription(
      "Restart (evict) a pod that stays above maxMemoryUsageMb or keeps shedding load, one pod at a"
          + " time, within the operator's global restart budget and the PodDisruptionBudget.")
  private Boolean restartPods = false;

  @Default("3")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Consecutive checks above maxMemoryUsageMb (or shedding) before a pod is restarted.")
  private Integer restartAfterChecks = 3;

  @Default("false")
  @JsonPropertyDescription(
      "Allow restarting the last Ready pod (with one replica: the only one), which leaves no pod"
          + " serving until its replacement is Ready.")
  private Boolean allowSingleReplicaRestart = false;

  @Default("600")
  @Min(60)
  @Max(86400)
  @JsonPropertyDescription(
      "Circuit breaker: when a pod started within this many seconds after a watchdog restart needs"
          + " a restart itself, restarts stop (Degraded, reason RestartsNotHelping) until the spec"
          + " changes.")
  private Integer restartWindowSeconds = 600;

  public WatchdogSpec() {}

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Integer getIntervalSeconds() {
    return intervalSeconds;
  }

  public void setIntervalSeconds(Integer intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

  public Integer getCleanupMinIntervalSeconds() {
    return cleanupMinIntervalSeconds;
  }

  public void setCleanupMinIntervalSeconds(Integer cleanupMinIntervalSeconds) {
    this.cleanupMinIntervalSeconds = cleanupMinIntervalSeconds;
  }

  public Boolean getRestartPods() {
    return restartPods;
  }

  public void setRestartPods(Boolean restartPods) {
    this.restartPods = restartPods;
  }

  public Integer getRestartAfterChecks() {
    return restartAfterChecks;
  }

  public void setRestartAfterChecks(Integer restartAfterChecks) {
    this.restartAfterChecks = restartAfterChecks;
  }

  public Boolean getAllowSingleReplicaRestart() {
    return allowSingleReplicaRestart;
  }

  public void setAllowSingleReplicaRestart(Boolean allowSingleReplicaRestart) {
    this.allowSingleReplicaRestart = allowSingleReplicaRestart;
  }

  public Integer getRestartWindowSeconds() {
    return restartWindowSeconds;
  }

  public void setRestartWindowSeconds(Integer restartWindowSeconds) {
    this.restartWindowSeconds = restartWindowSeconds;
  }
}
