package io.steadyproxy.operator.watchdog;

import static io.steadyproxy.operator.crd.ProxyConfigStatus.DEGRADED;
import static io.steadyproxy.operator.crd.ProxyConfigStatus.WATCHDOG_HEALTHY;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.WatchdogState;
import io.steadyproxy.operator.reconcile.DesiredStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The watchdog's part of a ProxyConfig's status, as pure functions from the current status to the
 * next: the {@code WatchdogHealthy} condition, {@code status.watchdog}, and {@code Degraded} when
 * its circuit breaker trips. Each returns a copy and leaves every other field alone, so it can be
 * applied on top of whatever the reconciler wrote last (after a 409, to the fresh status).
 */
public final class WatchdogStatus {

  /** The {@code Degraded} reason when the circuit breaker stopped restarts. */
  public static final String RESTARTS_NOT_HELPING = "RestartsNotHelping";

  private WatchdogStatus() {}

  /** Sets {@code WatchdogHealthy} from a round's findings. */
  public static UnaryOperator<ProxyConfigStatus> health(
      ProxyConfig proxy, WatchdogHealth health, Instant now) {
    return current -> {
      ProxyConfigStatus next = copy(current);
      put(
          next,
          DesiredStatus.condition(
              current,
              WATCHDOG_HEALTHY,
              health.healthy() ? "True" : "False",
              health.reason(),
              health.message(),
              generation(proxy),
              now));
      return next;
    };
  }

  /** Drops {@code WatchdogHealthy}: the watchdog is off, so nothing vouches for it. */
  public static UnaryOperator<ProxyConfigStatus> withoutHealth() {
    return current -> {
      ProxyConfigStatus next = copy(current);
      next.getConditions().removeIf(c -> WATCHDOG_HEALTHY.equals(c.getType()));
      return next;
    };
  }

  /** Records a restart in {@code status.watchdog}. */
  public static UnaryOperator<ProxyConfigStatus> restarted(String pod, Instant now) {
    return current -> {
      ProxyConfigStatus next = copy(current);
      WatchdogState state = state(next);
      state.setLastRestartPod(pod);
      state.setLastRestartTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
      return next;
    };
  }

  /**
   * The circuit breaker tripped: restarts stop for this generation of the spec, and {@code
   * Degraded} says so until the spec changes. The reconciler keeps that {@code Degraded} while it
   * has nothing worse to report (see {@code DesiredStatus}).
   */
  public static UnaryOperator<ProxyConfigStatus> halted(
      ProxyConfig proxy, String message, Instant now) {
    return current -> {
      ProxyConfigStatus next = copy(current);
      WatchdogState state = state(next);
      state.setRestartsHaltedAtGeneration(generation(proxy));
      state.setRestartsHaltedMessage(message);
      put(
          next,
          DesiredStatus.condition(
              current, DEGRADED, "True", RESTARTS_NOT_HELPING, message, generation(proxy), now));
      return next;
    };
  }

  /** Whether two statuses agree on everything the watchdog writes. */
  public static boolean sameWatchdogPart(ProxyConfigStatus a, ProxyConfigStatus b) {
    ProxyConfigStatus left = a == null ? new ProxyConfigStatus() : a;
    ProxyConfigStatus right = b == null ? new ProxyConfigStatus() : b;
    return Objects.equals(left.getWatchdog(), right.getWatchdog())
        && Objects.equals(left.getConditions(), right.getConditions())
        && Objects.equals(left.getLastCleanups(), right.getLastCleanups());
  }

  private static WatchdogState state(ProxyConfigStatus status) {
    if (status.getWatchdog() == null) {
      status.setWatchdog(new WatchdogState());
    }
    return status.getWatchdog();
  }

  private static ProxyConfigStatus copy(ProxyConfigStatus current) {
    ProxyConfigStatus next =
        current == null ? new ProxyConfigStatus() : Serialization.clone(current);
    next.setConditions(
        next.getConditions() == null ? new ArrayList<>() : new ArrayList<>(next.getConditions()));
    return next;
  }

  /** Replaces the condition of the same type in place (keeping the order), or appends it. */
  private static void put(ProxyConfigStatus status, Condition condition) {
    List<Condition> conditions = status.getConditions();
    for (int i = 0; i < conditions.size(); i++) {
      if (condition.getType().equals(conditions.get(i).getType())) {
        conditions.set(i, condition);
        return;
      }
    }
    conditions.add(condition);
  }

  private static Long generation(ProxyConfig proxy) {
    Long generation = proxy.getMetadata().getGeneration();
    return generation == null ? 0L : generation;
  }
}
