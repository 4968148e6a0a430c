package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.List;

/**
 * What the watchdog does to the cluster, behind an interface so its decisions are tested without
 * one. {@link KubernetesWatchdogActions} is the real thing.
 */
public interface WatchdogActions {

  /** Event type for routine actions. */
  String NORMAL = "Normal";

  /** Event type for failures and restarts. */
  String WARNING = "Warning";

  /** Records a Kubernetes Event on the ProxyConfig. */
  void event(ProxyConfig proxy, String type, String reason, String message);

  /** Records a cleanup in the ProxyConfig's {@code status.lastCleanups}, keeping only live pods. */
  void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods);

  /** Deletes the pod; its Deployment replaces it. */
  void deletePod(ProxyConfig proxy, ProxyPod pod);

  /**
   * The fewest ready pods the PodDisruptionBudgets covering this ProxyConfig's pods allow; 0 when
   * none covers them.
   */
  int minReadyPods(ProxyConfig proxy, int expectedPods);
}
