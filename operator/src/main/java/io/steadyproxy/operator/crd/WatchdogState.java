package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What the memory watchdog keeps in the status, so it survives an operator restart or a change of
 * leader: its last restart and whether its circuit breaker stopped restarts. The watchdog owns it;
 * the reconciler carries it over.
 */
public class WatchdogState {

  @JsonPropertyDescription("The pod the watchdog last restarted (evicted).")
  private String lastRestartPod;

  @JsonPropertyDescription("When it did (RFC 3339).")
  private String lastRestartTime;

  @JsonPropertyDescription(
      "The metadata.generation at which the circuit breaker stopped restarts (restarts did not"
          + " help); any later spec change re-arms them.")
  private Long restartsHaltedAtGeneration;

  @JsonPropertyDescription("Why restarts stopped.")
  private String restartsHaltedMessage;

  public WatchdogState() {}

  /** Whether restarts are halted for the spec at {@code generation}. */
  public boolean haltedAt(Long generation) {
    return restartsHaltedAtGeneration != null
        && restartsHaltedAtGeneration.equals(generation == null ? 0L : generation);
  }

  public String getLastRestartPod() {
    return lastRestartPod;
  }

  public void setLastRestartPod(String lastRestartPod) {
    this.lastRestartPod = lastRestartPod;
  }

  public String getLastRestartTime() {
    return lastRestartTime;
  }

  public void setLastRestartTime(String lastRestartTime) {
    this.lastRestartTime = lastRestartTime;
  }

  public Long getRestartsHaltedAtGeneration() {
    return restartsHaltedAtGeneration;
  }

  public void setRestartsHaltedAtGeneration(Long restartsHaltedAtGeneration) {
    this.restartsHaltedAtGeneration = restartsHaltedAtGeneration;
  }

  public String getRestartsHaltedMessage() {
    return restartsHaltedMessage;
  }

  public void setRestartsHaltedMessage(String restartsHaltedMessage) {
    this.restartsHaltedMessage = restartsHaltedMessage;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WatchdogState w
        && Objects.equals(lastRestartPod, w.lastRestartPod)
        && Objects.equals(lastRestartTime, w.lastRestartTime)
        && Objects.equals(restartsHaltedAtGeneration, w.restartsHaltedAtGeneration)
        && Objects.equals(restartsHaltedMessage, w.restartsHaltedMessage);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        lastRestartPod, lastRestartTime, restartsHaltedAtGeneration, restartsHaltedMessage);
  }
}
