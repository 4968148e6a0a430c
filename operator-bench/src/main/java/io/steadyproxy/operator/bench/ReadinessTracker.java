package io.steadyproxy.operator.bench;

import static io.steadyproxy.operator.bench.ScaleBenchmark.seconds;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;

/** Records when each ProxyConfig is first seen Ready for its current generation. */
final class ReadinessTracker implements AutoCloseable {
  private final KubernetesClient client;
  private final SharedIndexInformer<ProxyConfig> informer;
  private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
  private final Map<String, Long> createdAt = new ConcurrentHashMap<>();
  private final LongAccumulator last = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private volatile long clockStart = Long.MAX_VALUE;

  ReadinessTracker(KubernetesClient client) {
    this.client = client;
    this.informer =
        client
            .resources(ProxyConfig.class)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ProxyConfig proxy) {
                    observe(proxy);
                  }

                  @Override
                  public void onUpdate(ProxyConfig before, ProxyConfig after) {
                    observe(after);
                  }

                  @Override
                  public void onDelete(ProxyConfig proxy, boolean finalStateUnknown) {
                    readyAt.remove(key(proxy));
                  }
                });
  }

  void startClock(long nanos) {
    clockStart = nanos;
  }

  void created(String key, long nanos) {
    createdAt.put(key, nanos);
  }

  /** Seconds from each ProxyConfig's create to its Ready, sorted. */
  List<Double> latencies() {
    List<Double> seconds = new ArrayList<>();
    readyAt.forEach(
        (key, ready) -> {
          Long created = createdAt.get(key);
          if (created != null) {
            seconds.add(seconds(ready - created));
          }
        });
    Collections.sort(seconds);
    return seconds;
  }

  private void observe(ProxyConfig proxy) {
    long now = System.nanoTime();
    if (isReady(proxy)) {
      if (readyAt.putIfAbsent(key(proxy), now) == null) {
        last.accumulate(now);
      }
    } else {
      readyAt.remove(key(proxy));
    }
  }

  static boolean isReady(ProxyConfig proxy) {
    Long generation = proxy.getMetadata().getGeneration();
    if (proxy.getStatus() == null
        || !Objects.equals(proxy.getStatus().getObservedGeneration(), generation)) {
      return false;
    }
    Optional<Condition> ready = proxy.getStatus().condition("Ready");
    return ready.isPresent()
        && "True".equals(ready.get().getStatus())
        && Objects.equals(ready.get().getObservedGeneration(), generation);
  }

  int ready() {
    return readyAt.size();
  }

  long lastReadyAt() {
    return Math.max(last.get(), clockStart);
  }

  /** One list from the API server, to make sure the informer's picture is the real one. */
  String verifyAllReady(int count) {
    List<ProxyConfig> all = client.resources(ProxyConfig.class).inAnyNamespace().list().getItems();
    long ready = all.stream().filter(ReadinessTracker::isReady).count();
    return all.size() == count && ready == count
        ? null
        : "after settling, the API server lists "
            + ready
            + " Ready of "
            + all.size()
            + " ProxyConfigs (expected "
            + count
            + ")";
  }

  private static String key(ProxyConfig proxy) {
    return proxy.getMetadata().getNamespace() + "/" + proxy.getMetadata().getName();
  }

  @Override
  public void close() {
    informer.close();
  }
}
