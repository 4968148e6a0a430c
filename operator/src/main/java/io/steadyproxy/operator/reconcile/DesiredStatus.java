package io.steadyproxy.operator.reconcile;

import static io.steadyproxy.operator.crd.ProxyConfigStatus.DEGRADED;
import static io.steadyproxy.operator.crd.ProxyConfigStatus.PROGRESSING;
import static io.steadyproxy.operator.crd.ProxyConfigStatus.READY;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.steadyproxy.operator.crd.PodCleanup;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The status a ProxyConfig should show, from what really runs: the Deployment's status, not what we
 * asked for. Pure, so every transition is unit-tested; {@code lastTransitionTime} moves only when a
 * condition's status changes.
 */
public final class DesiredStatus {

  private DesiredStatus() {}

  /** Status for a spec that can't be applied: nothing was changed, the reason says why. */
  public static ProxyConfigStatus invalid(ProxyConfig proxy, SpecProblem problem, Instant now) {
    return blocked(proxy, problem, "InvalidSpec", "Fix the spec to roll out changes.", now);
  }

  /**
   * Status for a valid spec whose objects could not be applied: an object of the same name that is
   * not ours ({@code OwnershipConflict}) or a write the API server refused ({@code ApplyFailed},
   * with its message). Ready is False until the next apply succeeds.
   */
  public static ProxyConfigStatus notApplied(ProxyConfig proxy, SpecProblem problem, Instant now) {
    return blocked(
        proxy, problem, problem.reason(), "The spec is not rolled out: " + problem.message(), now);
  }

  private static ProxyConfigStatus blocked(
      ProxyConfig proxy,
      SpecProblem problem,
      String progressingReason,
      String progressingMessage,
      Instant now) {
    ProxyConfigStatus current = currentStatus(proxy);
    ProxyConfigStatus next = carriedOver(proxy, current);
    next.setReplicas(current.getReplicas());
    next.setReadyReplicas(current.getReadyReplicas());
    next.setConfigChecksum(current.getConfigChecksum());
    next.setConditions(
        List.of(
            condition(current, READY, "False", progressingReason, problem.message(), proxy, now),
            condition(
                current, PROGRESSING, "False", progressingReason, progressingMessage, proxy, now),
            condition(current, DEGRADED, "True", problem.reason(), problem.message(), proxy, now)));
    keepWatchdogCondition(current, next);
    return next;
  }

  /** Status from the Deployment we applied (as the API server returned it or as last seen). */
  public static ProxyConfigStatus fromDeployment(
      ProxyConfig proxy, Deployment deployment, String configChecksum, Instant now) {
    return fromDeployment(proxy, deployment, configChecksum, Optional.empty(), now);
  }

  /**
   * Status from the Deployment we applied, {@code Degraded} by {@code appliedDespite} when the spec
   * was applied but something it refers to is wrong (a missing admin token Secret or CA bundle).
   */
  public static ProxyConfigStatus fromDeployment(
      ProxyConfig proxy,
      Deployment deployment,
      String configChecksum,
      Optional<SpecProblem> appliedDespite,
      Instant now) {
    ProxyConfigStatus current = currentStatus(proxy);
    ProxyConfigStatus next = carriedOver(proxy, current);
    next.setConfigChecksum(configChecksum);
    DeploymentStatus observed =
        deployment.getStatus() == null ? new DeploymentStatus() : deployment.getStatus();
    int wanted =
        deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    int replicas = zeroIfNull(observed.getReplicas());
    int updated = zeroIfNull(observed.getUpdatedReplicas());
    int ready = zeroIfNull(observed.getReadyReplicas());
    int available = zeroIfNull(observed.getAvailableReplicas());
    next.setReplicas(replicas);
    next.setReadyReplicas(ready);

    long generation =
        deployment.getMetadata().getGeneration() == null
            ? 0
            : deployment.getMetadata().getGeneration();
    boolean seenByController =
        observed.getObservedGeneration() != null && observed.getObservedGeneration() >= generation;
    boolean rolledOut =
        seenByController && updated >= wanted && replicas == updated && available >= wanted;
    Optional<DeploymentCondition> stalled =
        deploymentCondition(deployment, "Progressing").filter(c -> "False".equals(c.getStatus()));
    Optional<DeploymentCondition> replicaFailure =
        deploymentCondition(deployment, "ReplicaFailure").filter(c -> "True".equals(c.getStatus()));

    String counts = ready + "/" + wanted + " pods ready";
    Condition readyCondition;
    if (wanted == 0) {
      readyCondition =
          condition(
              current,
              READY,
              "False",
              "ScaledToZero",
              "The Deployment has 0 replicas.",
              proxy,
              now);
    } else if (rolledOut && ready >= wanted) {
      readyCondition =
          condition(current, READY, "True", "AllReplicasReady", counts + ".", proxy, now);
    } else {
      readyCondition =
          condition(current, READY, "False", "ReplicasNotReady", counts + ".", proxy, now);
    }
    Condition progressing =
        rolledOut
            ? condition(
                current,
                PROGRESSING,
                "False",
                "RolloutComplete",
                "The current config is rolled out.",
                proxy,
                now)
            : condition(
                current,
                PROGRESSING,
                "True",
                "RollingOut",
                updated + "/" + wanted + " pods on the current config, " + counts + ".",
                proxy,
                now);
    Condition degraded;
    if (appliedDespite.isPresent()) {
      degraded =
          condition(
              current,
              DEGRADED,
              "True",
              appliedDespite.get().reason(),
              appliedDespite.get().message(),
              proxy,
              now);
    } else if (stalled.isPresent()) {
      degraded =
          condition(
              current, DEGRADED, "True", "RolloutStalled", message(stalled.get()), proxy, now);
    } else if (replicaFailure.isPresent()) {
      degraded =
          condition(
              current,
              DEGRADED,
              "True",
              "ReplicaFailure",
              message(replicaFailure.get()),
              proxy,
              now);
    } else if (current.getWatchdog() != null
        && current.getWatchdog().haltedAt(proxy.getMetadata().getGeneration())) {
      // The watchdog's circuit breaker stopped restarts for this spec; nothing worse to report.
      degraded =
          condition(
              current,
              DEGRADED,
              "True",
              "RestartsNotHelping",
              current.getWatchdog().getRestartsHaltedMessage(),
              proxy,
              now);
    } else {
      degraded =
          condition(
              current,
              DEGRADED,
              "False",
              "AsExpected",
              "The spec is valid and applied.",
              proxy,
              now);
    }
    next.setConditions(List.of(readyCondition, progressing, degraded));
    keepWatchdogCondition(current, next);
    return next;
  }

  /**
   * Whether two statuses say the same thing. Compares everything the reconciler writes; the
   * watchdog's {@code lastCleanups} is compared too, since it is carried over unchanged.
   */
  public static boolean same(ProxyConfigStatus a, ProxyConfigStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Objects.equals(a.getReplicas(), b.getReplicas())
        && Objects.equals(a.getReadyReplicas(), b.getReadyReplicas())
        && Objects.equals(a.getConfigChecksum(), b.getConfigChecksum())
        && Objects.equals(a.getSelector(), b.getSelector())
        && Objects.equals(a.getConditions(), b.getConditions())
        && Objects.equals(a.getLastCleanups(), b.getLastCleanups())
        && Objects.equals(a.getWatchdog(), b.getWatchdog());
  }

  /** The watchdog owns {@code WatchdogHealthy}: carried over as it is, after our three. */
  private static void keepWatchdogCondition(ProxyConfigStatus current, ProxyConfigStatus next) {
    current
        .condition(ProxyConfigStatus.WATCHDOG_HEALTHY)
        .ifPresent(
            c -> {
              List<Condition> conditions = new ArrayList<>(next.getConditions());
              conditions.add(c);
              next.setConditions(conditions);
            });
  }

  /** The pods' selector in the string form the scale subresource wants: {@code k=v,k=v}. */
  static String selector(ProxyConfig proxy) {
    StringBuilder selector = new StringBuilder();
    Ownership.selector(proxy)
        .forEach(
            (k, v) ->
                selector.append(selector.isEmpty() ? "" : ",").append(k).append('=').append(v));
    return selector.toString();
  }

  private static ProxyConfigStatus currentStatus(ProxyConfig proxy) {
    return proxy.getStatus() == null ? new ProxyConfigStatus() : proxy.getStatus();
  }

  private static ProxyConfigStatus carriedOver(ProxyConfig proxy, ProxyConfigStatus current) {
    ProxyConfigStatus next = new ProxyConfigStatus();
    next.setObservedGeneration(proxy.getMetadata().getGeneration());
    next.setSelector(selector(proxy));
    // The watchdog owns lastCleanups and status.watchdog; the reconciler carries them over.
    next.setLastCleanups(
        current.getLastCleanups() == null
            ? new ArrayList<PodCleanup>()
            : current.getLastCleanups());
    next.setWatchdog(current.getWatchdog());
    return next;
  }

  private static Condition condition(
      ProxyConfigStatus current,
      String type,
      String status,
      String reason,
      String message,
      ProxyConfig proxy,
      Instant now) {
    return condition(
        current, type, status, reason, message, proxy.getMetadata().getGeneration(), now);
  }

  /**
   * A condition whose lastTransitionTime moves only when its status flips, as the Kubernetes API
   * conventions say (the reconciler's conditions and the watchdog's alike).
   *
   * @param current the status now (null when there is none)
   */
  public static Condition condition(
      ProxyConfigStatus current,
      String type,
      String status,
      String reason,
      String message,
      Long observedGeneration,
      Instant now) {
    String since =
        Optional.ofNullable(current)
            .flatMap(c -> c.condition(type))
            .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(since)
        .withObservedGeneration(observedGeneration)
        .build();
  }

  private static Optional<DeploymentCondition> deploymentCondition(
      Deployment deployment, String type) {
    if (deployment.getStatus() == null || deployment.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return deployment.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  private static String message(DeploymentCondition condition) {
    return condition.getReason() + ": " + condition.getMessage();
  }

  private static int zeroIfNull(Integer value) {
    return value == null ? 0 : value;
  }
}
