package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;

/**
 * Writes an owned object only when it must: creates it when missing, updates it when its owned
 * fields drifted, and otherwise leaves it alone. Updates carry the resourceVersion they were
 * computed from (optimistic locking); on a 409 the object is read again and the correction
 * recomputed, so a concurrent writer's changes are never overwritten blindly.
 *
 * <p>An object is never adopted: one that exists without the controller owner reference of {@code
 * desired} (a user's own Deployment of the same name, a leftover of a deleted ProxyConfig of the
 * same name) is left untouched and reported as an {@link ApplyFailure#OWNERSHIP_CONFLICT}. Any
 * other refusal of the API server becomes an {@link ApplyFailure#APPLY_FAILED} carrying its
 * message.
 *
 * <p>No server-side apply and no strategic merge patch: plain create and update work on every API
 * server, including the mock server the tests use.
 */
public final class ObjectApplier {

  /** Conflicts in a row before giving up and letting the work queue retry later. */
  static final int MAX_ATTEMPTS = 5;

  /** What an apply did. */
  public enum Outcome {
    UNCHANGED,
    CREATED,
    UPDATED
  }

  /**
   * The object as the API server now holds it, and what was done.
   *
   * @param object the object after the write (or as read, when unchanged)
   * @param outcome what was done
   * @param <T> the kind
   */
  public record Applied<T>(T object, Outcome outcome) {}

  private final KubernetesClient client;

  public ObjectApplier(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Makes the API server hold {@code desired}'s owned fields.
   *
   * @param desired the object as it should be
   * @param cached the object as the informer last saw it, or null; it may be stale
   * @param drifted whether an actual object lacks something desired asks for
   * @param corrected the actual object with the owned fields set as desired
   * @throws ApplyFailure when the object is not ours or the API server refuses the write
   */
  public <T extends HasMetadata> Applied<T> apply(
      T desired, T cached, BiPredicate<T, T> drifted, BiFunction<T, T, T> corrected) {
    T actual = cached;
    KubernetesClientException last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      String verb = actual == null ? "creating" : "updating";
      try {
        if (actual == null) {
          return new Applied<>(client.resource(desired).create(), Outcome.CREATED);
        }
        if (!controlledAsDesired(desired, actual)) {
          throw ApplyFailure.ownershipConflict(actual);
        }
        if (!drifted.test(desired, actual)) {
          return new Applied<>(actual, Outcome.UNCHANGED);
        }
        return new Applied<>(
            client.resource(corrected.apply(desired, actual)).update(), Outcome.UPDATED);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw ApplyFailure.refused(verb, desired, e);
        }
        // 409: it exists already, or changed since we read it. 404: deleted since we read it.
        // Either way, read it again and recompute.
        last = e;
        try {
          actual = client.resource(desired).get();
        } catch (KubernetesClientException readFailed) {
          throw ApplyFailure.refused("reading", desired, readFailed);
        }
      }
    }
    throw ApplyFailure.refused("applying", desired, last);
  }

  /**
   * Deletes an object we own that the spec no longer asks for, at the resourceVersion we saw (a
   * concurrent change brings a fresh reconcile); already gone is fine.
   *
   * @throws ApplyFailure when the API server refuses
   */
  public void delete(HasMetadata owned) {
    try {
      client.resource(owned).lockResourceVersion(owned.getMetadata().getResourceVersion()).delete();
    } catch (KubernetesClientException e) {
      // 404: gone already. 409: changed since we saw it; its update event reconciles again.
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND
          && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw ApplyFailure.refused("deleting", owned, e);
      }
    }
  }

  /**
   * Whether {@code actual} carries the controller reference {@code desired} asks for (same uid).
   * Another uid, even of a ProxyConfig with the same name, is not ours: that object belongs to a
   * deleted ProxyConfig and the garbage collector is about to remove it.
   */
  private static boolean controlledAsDesired(HasMetadata desired, HasMetadata actual) {
    return desired.getMetadata().getOwnerReferences().stream()
        .filter(ref -> Boolean.TRUE.equals(ref.getController()))
        .map(OwnerReference::getUid)
        .allMatch(
            uid ->
                actual.getMetadata().getOwnerReferences().stream()
                    .anyMatch(
                        ref ->
                            Boolean.TRUE.equals(ref.getController())
                                && Objects.equals(ref.getUid(), uid)));
  }
}
