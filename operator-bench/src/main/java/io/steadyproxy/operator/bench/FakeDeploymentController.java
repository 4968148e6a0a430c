package io.steadyproxy.operator.bench;

import static io.steadyproxy.operator.bench.ScaleBenchmark.daemon;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.steadyproxy.operator.reconcile.Ownership;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Plays the Deployment controller and the kubelet: every Deployment the operator creates or changes
 * gets the status of a finished rollout of {@code spec.replicas} ready pods.
 */
final class FakeDeploymentController implements AutoCloseable {
  private static final int ATTEMPTS = 5;
  final LongAdder statusWrites = new LongAdder();
  final LongAdder failures = new LongAdder();
  private final KubernetesClient client;
  private final SharedIndexInformer<Deployment> informer;
  private final ExecutorService writers;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  FakeDeploymentController(KubernetesClient client) {
    this.client = client;
    this.writers = Executors.newFixedThreadPool(2, daemon("fake-deployment-controller"));
    this.informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    consider(deployment);
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    consider(after);
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean finalStateUnknown) {}
                });
  }

  private void consider(Deployment deployment) {
    if (!rolledOut(deployment)) {
      String key =
          deployment.getMetadata().getNamespace() + "/" + deployment.getMetadata().getName();
      if (pending.add(key)) {
        writers.execute(
            () -> {
              pending.remove(key);
              roll(deployment.getMetadata().getNamespace(), deployment.getMetadata().getName());
            });
      }
    }
  }

  /** Reads the Deployment afresh and writes a finished rollout, retrying on 409. */
  private void roll(String namespace, String name) {
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Deployment current = client.apps().deployments().inNamespace(namespace).withName(name).get();
      if (current == null || rolledOut(current)) {
        return;
      }
      current.setStatus(finishedRollout(current));
      try {
        client.resource(current).updateStatus();
        statusWrites.increment();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          failures.increment();
          System.err.println(
              "fake Deployment controller: status of "
                  + namespace
                  + "/"
                  + name
                  + ": "
                  + e.getMessage());
          return;
        }
      }
    }
    failures.increment();
  }

  private static int wanted(Deployment d) {
    return d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  private static long generation(Deployment d) {
    return d.getMetadata().getGeneration() == null ? 1 : d.getMetadata().getGeneration();
  }

  static boolean rolledOut(Deployment d) {
    DeploymentStatus s = d.getStatus();
    int wanted = wanted(d);
    return s != null
        && s.getObservedGeneration() != null
        && s.getObservedGeneration() >= generation(d)
        && Objects.equals(s.getReplicas(), wanted)
        && Objects.equals(s.getUpdatedReplicas(), wanted)
        && Objects.equals(s.getReadyReplicas(), wanted)
        && Objects.equals(s.getAvailableReplicas(), wanted);
  }

  private static DeploymentStatus finishedRollout(Deployment d) {
    int wanted = wanted(d);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    return new DeploymentStatusBuilder()
        .withObservedGeneration(generation(d))
        .withReplicas(wanted)
        .withUpdatedReplicas(wanted)
        .withReadyReplicas(wanted)
        .withAvailableReplicas(wanted)
        .withConditions(
            new DeploymentConditionBuilder()
                .withType("Available")
                .withStatus("True")
                .withReason("MinimumReplicasAvailable")
                .withMessage("Deployment has minimum availability.")
                .withLastTransitionTime(now)
                .withLastUpdateTime(now)
                .build(),
            new DeploymentConditionBuilder()
                .withType("Progressing")
                .withStatus("True")
                .withReason("NewReplicaSetAvailable")
                .withMessage("ReplicaSet has successfully progressed.")
                .withLastTransitionTime(now)
                .withLastUpdateTime(now)
                .build())
        .build();
  }

  @Override
  public void close() {
    informer.close();
    writers.shutdownNow();
  }
}
