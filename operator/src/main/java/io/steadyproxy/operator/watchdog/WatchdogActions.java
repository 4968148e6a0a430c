package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What the watchdog does to the cluster, behind an interface so its decisions are tested without
 * one. {@link KubernetesWatchdogActions} is the real thing.
 */
public interface WatchdogActions {

  /** Event type for routine actions. */
  String NORMAL = "Normal";

  /** Event type for failures and restarts. */
  String WARNING = "Warning";

  /** How an eviction ended. */
  enum Eviction {
    /** The API server accepted it; the pod terminates gracefully and its Deployment replaces it. */
    EVICTED,
    /** 429: a PodDisruptionBudget allows no disruption now. Nothing happened; try again later. */
    BLOCKED_BY_DISRUPTION_BUDGET,
    /** 404: the pod was already gone. */
    GONE
  }

  /**
   * Records a Kubernetes Event on the ProxyConfig; repeats of the same type and reason add to one
   * Event's count.
   */
  void event(ProxyConfig proxy, String type, String reason, String message);

  /** Records a cleanup in the ProxyConfig's {@code status.lastCleanups}, keeping only live pods. */
  void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods);

  /**
   * Applies {@code change} to the ProxyConfig's status (see {@link WatchdogStatus}); writes nothing
   * when it changes nothing.
   */
  void updateStatus(ProxyConfig proxy, UnaryOperator<ProxyConfigStatus> change);

  /**
   * Evicts the pod through the Eviction API, so the API server enforces PodDisruptionBudgets.
   *
   * @throws RuntimeException when the API server refuses for another reason (RBAC, 5xx)
   */
  Eviction evict(ProxyConfig proxy, ProxyPod pod);
}
