package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Logger;

/**
 * The control loop: informers feed ProxyConfig keys into a {@link WorkQueue}, workers take keys and
 * run the {@link ProxyConfigReconciler}, failures come back with backoff.
 *
 * <p>Events on owned objects (only those labelled {@code managed-by=steadyproxy-operator}, so the
 * caches stay small) queue their controlling ProxyConfig: deleting or editing a Deployment brings a
 * reconcile that recreates or corrects it, and a Deployment's status change brings a status update.
 */
public final class ProxyConfigController implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ProxyConfigController.class.getName());

  private final InformerSet<ProxyConfig> proxyConfigs;
  private final InformerSet<ConfigMap> configMaps;
  private final InformerSet<Deployment> deployments;
  private final InformerSet<Service> services;
  private final InformerSet<HorizontalPodAutoscaler> autoscalers;
  private final InformerSet<PodDisruptionBudget> budgets;
  private final WorkQueue queue;
  private final ScheduledExecutorService delayer;
  private final ProxyConfigReconciler reconciler;
  private final OperatorMetrics metrics;
  private final int workerCount;
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean running;

  /**
   * @param client the Kubernetes client
   * @param namespaces the watched namespaces; empty for all
   * @param workerCount how many keys are reconciled in parallel
   * @param resync how often every ProxyConfig is reconciled even without events (catches drift
   *     whose event was missed); zero for never
   * @param metrics where reconciles are counted
   * @param clock the time written into conditions
   * @param instance this operator instance's name, reported on Events
   * @param defaultProxyImage the proxy image of ProxyConfigs that leave {@code spec.image} unset
   */
  public ProxyConfigController(
      KubernetesClient client,
      List<String> namespaces,
      int workerCount,
      Duration resync,
      OperatorMetrics metrics,
      Clock clock,
      String instance,
      String defaultProxyImage) {
    this.metrics = metrics;
    this.workerCount = workerCount;
    this.delayer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("workqueue-delays").daemon().factory());
    this.queue = new WorkQueue(delayer, Backoff.DEFAULT);
    metrics.queueDepth(queue::depth);
    ResourceEventHandler<HasMetadata> ownedHandler = new OwnedObjectHandler();
    this.proxyConfigs =
        new InformerSet<>(
            "ProxyConfig",
            namespaces,
            ns ->
                ns == null
                    ? client.resources(ProxyConfig.class).inAnyNamespace()
                    : client.resources(ProxyConfig.class).inNamespace(ns),
            resync.toMillis(),
            new ProxyConfigHandler());
    this.configMaps =
        new InformerSet<>(
            "ConfigMap",
            namespaces,
            ns ->
                (ns == null
                        ? client.configMaps().inAnyNamespace()
                        : client.configMaps().inNamespace(ns))
                    .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY),
            0,
            ownedHandler);
    this.deployments =
        new InformerSet<>(
            "Deployment",
            namespaces,
            ns ->
                (ns == null
                        ? client.apps().deployments().inAnyNamespace()
                        : client.apps().deployments().inNamespace(ns))
                    .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY),
            0,
            ownedHandler);
    this.services =
        new InformerSet<>(
            "Service",
            namespaces,
            ns ->
                (ns == null
                        ? client.services().inAnyNamespace()
                        : client.services().inNamespace(ns))
                    .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY),
            0,
            ownedHandler);
    this.autoscalers =
        new InformerSet<>(
            "HorizontalPodAutoscaler",
            namespaces,
            ns ->
                (ns == null
                        ? client.autoscaling().v2().horizontalPodAutoscalers().inAnyNamespace()
                        : client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns))
                    .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY),
            0,
            ownedHandler);
    this.budgets =
        new InformerSet<>(
            "PodDisruptionBudget",
            namespaces,
            ns ->
                (ns == null
                        ? client.policy().v1().podDisruptionBudget().inAnyNamespace()
                        : client.policy().v1().podDisruptionBudget().inNamespace(ns))
                    .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY),
            0,
            ownedHandler);
    this.reconciler =
        new ProxyConfigReconciler(
            client,
            proxyConfigs,
            configMaps,
            deployments,
            services,
            autoscalers,
            budgets,
            clock,
            new ProxyConfigEvents(client, clock, instance),
            defaultProxyImage);
  }

  /** Starts the informers and the workers. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    // Owned kinds first, so the first ProxyConfig reconciles find warm caches more often.
    configMaps.start();
    deployments.start();
    services.start();
    autoscalers.start();
    budgets.start();
    proxyConfigs.start();
    for (int i = 0; i < workerCount; i++) {
      Thread worker = Thread.ofPlatform().name("reconciler-" + i).daemon().start(this::work);
      workers.add(worker);
    }
    LOG.info("controller started with " + workerCount + " workers");
  }

  /** False once an informer stopped for good: liveness reports DOWN and the pod restarts. */
  public boolean isHealthy() {
    return !running || informers().stream().allMatch(InformerSet::allRunning);
  }

  /** True once every informer has listed its objects. */
  public boolean isSynced() {
    return running && informers().stream().allMatch(InformerSet::allSynced);
  }

  /** The ProxyConfig cache, shared with the watchdog. */
  public InformerSet<ProxyConfig> proxyConfigs() {
    return proxyConfigs;
  }

  /** Stops the workers (letting a running reconcile finish) and the informers. */
  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    queue.shutDown();
    for (Thread worker : workers) {
      try {
        worker.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    workers.clear();
    informers().forEach(InformerSet::stop);
    delayer.shutdownNow();
    LOG.info("controller stopped");
  }

  private List<InformerSet<?>> informers() {
    return List.of(proxyConfigs, configMaps, deployments, services, autoscalers, budgets);
  }

  private void work() {
    while (running) {
      Optional<String> next;
      try {
        next = queue.take(Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (next.isEmpty()) {
        continue;
      }
      String key = next.get();
      int slash = key.indexOf('/');
      long start = System.nanoTime();
      ProxyConfigReconciler.Result result;
      try {
        result = reconciler.reconcile(key.substring(0, slash), key.substring(slash + 1));
      } finally {
        queue.done(key);
      }
      metrics.reconciled(
          result.name().toLowerCase(Locale.ROOT), Duration.ofNanos(System.nanoTime() - start));
      if (result == ProxyConfigReconciler.Result.ERROR) {
        queue.addRateLimited(key);
      } else {
        queue.forget(key);
      }
    }
  }

  private void enqueue(String namespace, String name) {
    queue.add(Cache.namespaceKeyFunc(namespace, name));
  }

  /**
   * Queues a ProxyConfig on create, delete, spec change and resync; not on its own status writes.
   */
  private final class ProxyConfigHandler implements ResourceEventHandler<ProxyConfig> {
    @Override
    public void onAdd(ProxyConfig proxy) {
      enqueue(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
    }

    @Override
    public void onUpdate(ProxyConfig before, ProxyConfig after) {
      boolean resync =
          Objects.equals(
              before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion());
      boolean specChanged =
          !Objects.equals(
              before.getMetadata().getGeneration(), after.getMetadata().getGeneration());
      boolean deleting =
          !Objects.equals(
              before.getMetadata().getDeletionTimestamp(),
              after.getMetadata().getDeletionTimestamp());
      if (resync || specChanged || deleting) {
        enqueue(after.getMetadata().getNamespace(), after.getMetadata().getName());
      }
    }

    @Override
    public void onDelete(ProxyConfig proxy, boolean finalStateUnknown) {
      enqueue(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
    }
  }

  /** Queues the controlling ProxyConfig of an owned object on any change to it. */
  private final class OwnedObjectHandler implements ResourceEventHandler<HasMetadata> {
    @Override
    public void onAdd(HasMetadata object) {
      enqueueOwner(object);
    }

    @Override
    public void onUpdate(HasMetadata before, HasMetadata after) {
      enqueueOwner(after);
    }

    @Override
    public void onDelete(HasMetadata object, boolean finalStateUnknown) {
      enqueueOwner(object);
    }

    private void enqueueOwner(HasMetadata object) {
      Ownership.controllingProxyConfig(object)
          .ifPresent(owner -> enqueue(object.getMetadata().getNamespace(), owner));
    }
  }
}
