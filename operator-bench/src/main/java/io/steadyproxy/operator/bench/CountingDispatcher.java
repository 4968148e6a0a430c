package io.steadyproxy.operator.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The CRUD dispatcher of the tests, counting requests by method and 409 answers. */
final class CountingDispatcher extends KubernetesCrudDispatcher {
  final LongAdder total = new LongAdder();
  final LongAdder conflicts = new LongAdder();
  private final Map<String, LongAdder> methods = new ConcurrentHashMap<>();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response = super.dispatch(request);
    total.increment();
    String path = request.getPath() == null ? "" : request.getPath();
    String method = request.getMethod() + (path.contains("watch=true") ? " (watch)" : "");
    methods.computeIfAbsent(method, m -> new LongAdder()).increment();
    if (response != null && response.code() == 409) {
      conflicts.increment();
    }
    return response;
  }

  Map<String, Long> byMethod() {
    Map<String, Long> snapshot = new TreeMap<>();
    methods.forEach((m, n) -> snapshot.put(m, n.sum()));
    return snapshot;
  }
}
