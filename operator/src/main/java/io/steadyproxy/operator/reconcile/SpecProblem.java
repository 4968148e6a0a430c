package io.steadyproxy.operator.reconcile;

/**
 * Why a spec can't be applied, as it appears on the {@code Degraded} condition.
 *
 * @param reason a CamelCase reason, stable for alerts and scripts
 * @param message one sentence a person can act on
 */
public record SpecProblem(String reason, String message) {}
