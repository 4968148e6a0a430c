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
      "Poll each ready pod's /health and ask it to clean up above the threshold.")
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
  @JsonPropertyDescription("Delete a pod that stays above maxMemoryUsageMb (one pod at a time).")
  private Boolean restartPods = false;

  @Default("3")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive checks above maxMemoryUsageMb before a pod is restarted.")
  private Integer restartAfterChecks = 3;

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
}
