package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The last cleanup the watchdog asked one pod for, and what it released. */
public class PodCleanup {

  @JsonPropertyDescription("Pod name.")
  private String pod;

  @JsonPropertyDescription("When the cleanup ran (RFC 3339).")
  private String time;

  @JsonPropertyDescription("Memory (RSS, MB) the pod reported before the cleanup.")
  private Long beforeMb;

  @JsonPropertyDescription("Memory (RSS, MB) the pod reported after the cleanup.")
  private Long afterMb;

  public PodCleanup() {}

  public PodCleanup(String pod, String time, Long beforeMb, Long afterMb) {
    this.pod = pod;
    this.time = time;
    this.beforeMb = beforeMb;
    this.afterMb = afterMb;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public Long getBeforeMb() {
    return beforeMb;
  }

  public void setBeforeMb(Long beforeMb) {
    this.beforeMb = beforeMb;
  }

  public Long getAfterMb() {
    return afterMb;
  }

  public void setAfterMb(Long afterMb) {
    this.afterMb = afterMb;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PodCleanup c
        && Objects.equals(pod, c.pod)
        && Objects.equals(time, c.time)
        && Objects.equals(beforeMb, c.beforeMb)
        && Objects.equals(afterMb, c.afterMb);
  }

  @Override
  public int hashCode() {
    return Objects.hash(pod, time, beforeMb, afterMb);
  }
}
