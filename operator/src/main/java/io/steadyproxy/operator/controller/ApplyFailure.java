package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * An owned object could not be applied, with the condition reason and the message the user reads in
 * the ProxyConfig's status. Two reasons: {@link #OWNERSHIP_CONFLICT} (an object of that name exists
 * and is not ours, so it is left untouched) and {@link #APPLY_FAILED} (the API server refused the
 * write: validation, an admission webhook, RBAC, quota; its own message is kept).
 */
public final class ApplyFailure extends RuntimeException {

  /** Condition reason: the name is taken by an object this ProxyConfig does not control. */
  public static final String OWNERSHIP_CONFLICT = "OwnershipConflict";

  /** Condition reason: the API server refused or failed the create or update. */
  public static final String APPLY_FAILED = "ApplyFailed";

  private final String reason;

  private ApplyFailure(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** The condition reason, {@link #OWNERSHIP_CONFLICT} or {@link #APPLY_FAILED}. */
  public String reason() {
    return reason;
  }

  static ApplyFailure ownershipConflict(HasMetadata actual) {
    String holder =
        actual.getMetadata().getOwnerReferences().stream()
            .filter(ref -> Boolean.TRUE.equals(ref.getController()))
            .map(ref -> "is controlled by " + ref.getKind() + " " + ref.getName())
            .findFirst()
            .orElse("has no controller owner reference");
    return new ApplyFailure(
        OWNERSHIP_CONFLICT,
        describe(actual)
            + " already exists and "
            + holder
            + " (uid "
            + actual.getMetadata().getUid()
            + "), not this ProxyConfig; it is left untouched. Delete or rename it, or give the"
            + " ProxyConfig another name.",
        null);
  }

  static ApplyFailure refused(String verb, HasMetadata desired, KubernetesClientException e) {
    String serverMessage =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    return new ApplyFailure(
        APPLY_FAILED,
        verb + " " + describe(desired) + " failed (HTTP " + e.getCode() + "): " + serverMessage,
        e);
  }

  private static String describe(HasMetadata object) {
    return object.getKind()
        + " "
        + object.getMetadata().getNamespace()
        + "/"
        + object.getMetadata().getName();
  }
}
