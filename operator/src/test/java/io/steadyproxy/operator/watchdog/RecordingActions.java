package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Records what the watchdog would do to the cluster. Status changes are applied to the ProxyConfig
 * object itself, as the informer cache would show them at the next round.
 */
final class RecordingActions implements WatchdogActions {

  record RecordedEvent(String proxy, String type, String reason, String message) {}

  final List<RecordedEvent> events = new ArrayList<>();
  final List<PodCleanup> cleanups = new ArrayList<>();
  final List<String> evictedPods = new ArrayList<>();

  /** Outcomes the next evictions get, in order; EVICTED once empty. */
  final Deque<Eviction> nextEvictions = new ArrayDeque<>();

  int statusWrites;

  @Override
  public void event(ProxyConfig proxy, String type, String reason, String message) {
    events.add(new RecordedEvent(proxy.getMetadata().getName(), type, reason, message));
  }

  @Override
  public void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods) {
    cleanups.add(cleanup);
  }

  @Override
  public void updateStatus(ProxyConfig proxy, UnaryOperator<ProxyConfigStatus> change) {
    ProxyConfigStatus next = change.apply(proxy.getStatus());
    if (!WatchdogStatus.sameWatchdogPart(proxy.getStatus(), next)) {
      statusWrites++;
      proxy.setStatus(next);
    }
  }

  @Override
  public Eviction evict(ProxyConfig proxy, ProxyPod pod) {
    Eviction outcome = nextEvictions.isEmpty() ? Eviction.EVICTED : nextEvictions.removeFirst();
    if (outcome == Eviction.EVICTED) {
      evictedPods.add(pod.name());
    }
    return outcome;
  }

  List<String> reasons() {
    return events.stream().map(RecordedEvent::reason).toList();
  }
}
