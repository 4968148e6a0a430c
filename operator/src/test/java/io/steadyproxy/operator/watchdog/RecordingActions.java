package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.ArrayList;
import java.util.List;

/** Records what the watchdog would do to the cluster. */
final class RecordingActions implements WatchdogActions {

  record RecordedEvent(String type, String reason, String message) {}

  final List<RecordedEvent> events = new ArrayList<>();
  final List<PodCleanup> cleanups = new ArrayList<>();
  final List<String> deletedPods = new ArrayList<>();
  int minReady;

  @Override
  public void event(ProxyConfig proxy, String type, String reason, String message) {
    events.add(new RecordedEvent(type, reason, message));
  }

  @Override
  public void cleanupRecorded(ProxyConfig proxy, PodCleanup cleanup, List<String> livePods) {
    cleanups.add(cleanup);
  }

  @Override
  public void deletePod(ProxyConfig proxy, ProxyPod pod) {
    deletedPods.add(pod.name());
  }

  @Override
  public int minReadyPods(ProxyConfig proxy, int expectedPods) {
    return minReady;
  }

  List<String> reasons() {
    return events.stream().map(RecordedEvent::reason).toList();
  }
}
