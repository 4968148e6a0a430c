package io.steadyproxy.operator.watchdog;

/**
 * What the {@code WatchdogHealthy} condition should say after a round.
 *
 * @param healthy whether every pod answered and accepted the admin token
 * @param reason CamelCase reason: {@link #REACHABLE}, {@link #PODS_UNREACHABLE}, {@link
 *     #AUTH_FAILED} or {@link #ADMIN_TOKEN_MISSING}
 * @param message the details, naming the pods
 */
public record WatchdogHealth(boolean healthy, String reason, String message) {

  /** Every running pod answered {@code GET /health}. */
  public static final String REACHABLE = "PodsReachable";

  /** Some pods didn't answer {@code GET /health} (NetworkPolicy, mesh, crashed admin port). */
  public static final String PODS_UNREACHABLE = "PodsUnreachable";

  /** A pod refused the admin token (401/403 from {@code POST /admin/cleanup}). */
  public static final String AUTH_FAILED = "AuthFailed";

  /** A cleanup was needed but there is no token to call it with. */
  public static final String ADMIN_TOKEN_MISSING = "AdminTokenMissing";
}
