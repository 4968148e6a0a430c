package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The informers for one kind: one over all namespaces, or one per watched namespace. Lookups go to
 * the local caches; {@link #allRunning()} feeds the operator's liveness.
 *
 * @param <T> the kind
 */
public final class InformerSet<T extends HasMetadata> {

  private final String kind;
  private final List<SharedIndexInformer<T>> informers = new ArrayList<>();

  /**
   * @param kind the kind's name, for health reports
   * @param namespaces the watched namespaces; empty for all
   * @param source the informable for a namespace, or for all namespaces when given null
   * @param resyncMillis how often every cached object is handed to the handler again; 0 for never
   * @param handler the event handler
   */
  public InformerSet(
      String kind,
      List<String> namespaces,
      Function<String, Informable<T>> source,
      long resyncMillis,
      ResourceEventHandler<? super T> handler) {
    this.kind = kind;
    List<String> targets = namespaces.isEmpty() ? Collections.singletonList(null) : namespaces;
    for (String namespace : targets) {
      SharedIndexInformer<T> informer = source.apply(namespace).runnableInformer(resyncMillis);
      informer.addEventHandler(handler);
      informers.add(informer);
    }
  }

  /** Starts every informer; the list and the watch begin in the background. */
  public void start() {
    informers.forEach(SharedIndexInformer::start);
  }

  /** The cached object, or null. */
  public T get(String namespace, String name) {
    String key = Cache.namespaceKeyFunc(namespace, name);
    for (SharedIndexInformer<T> informer : informers) {
      T item = informer.getStore().getByKey(key);
      if (item != null) {
        return item;
      }
    }
    return null;
  }

  /** Every cached object. */
  public List<T> list() {
    List<T> all = new ArrayList<>();
    informers.forEach(i -> all.addAll(i.getStore().list()));
    return all;
  }

  /** False once any informer stopped (its watch gave up): the process should be restarted. */
  public boolean allRunning() {
    return informers.stream().allMatch(SharedIndexInformer::isRunning);
  }

  /** True once every informer has listed its objects. */
  public boolean allSynced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /** The kind's name. */
  public String kind() {
    return kind;
  }

  /** Stops every informer. */
  public void stop() {
    informers.forEach(SharedIndexInformer::stop);
  }
}
