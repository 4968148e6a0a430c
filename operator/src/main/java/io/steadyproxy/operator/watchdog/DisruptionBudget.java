package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;

/**
 * The fewest ready pods PodDisruptionBudgets allow, computed the way the disruption controller
 * does. The watchdog's restarts are voluntary disruptions: they must respect PDBs even though they
 * delete pods directly instead of through the eviction API.
 */
public final class DisruptionBudget {

  private DisruptionBudget() {}

  /**
   * The fewest ready pods allowed by every budget whose selector matches {@code podLabels}; 0 when
   * none does.
   *
   * @param expectedPods how many pods the Deployment wants (the base of percentages)
   */
  public static int minReady(
      List<PodDisruptionBudget> budgets, Map<String, String> podLabels, int expectedPods) {
    int min = 0;
    for (PodDisruptionBudget budget : budgets) {
      if (budget.getSpec() == null || !matches(budget.getSpec().getSelector(), podLabels)) {
        continue;
      }
      min = Math.max(min, minReady(budget, expectedPods));
    }
    return min;
  }

  private static int minReady(PodDisruptionBudget budget, int expectedPods) {
    if (budget.getStatus() != null
        && budget.getStatus().getDesiredHealthy() != null
        && budget.getStatus().getExpectedPods() != null
        && budget.getStatus().getExpectedPods() > 0) {
      // The disruption controller already did the arithmetic.
      return budget.getStatus().getDesiredHealthy();
    }
    IntOrString minAvailable = budget.getSpec().getMinAvailable();
    if (minAvailable != null) {
      return scaled(minAvailable, expectedPods);
    }
    IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
    if (maxUnavailable != null) {
      return Math.max(0, expectedPods - scaled(maxUnavailable, expectedPods));
    }
    return 0;
  }

  /** An int, or a percentage of {@code total} rounded up, as Kubernetes scales PDB values. */
  static int scaled(IntOrString value, int total) {
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String text = value.getStrVal().trim();
    if (text.endsWith("%")) {
      int percent = Integer.parseInt(text.substring(0, text.length() - 1));
      return (int) Math.ceil(percent * total / 100.0);
    }
    return Integer.parseInt(text);
  }

  /**
   * Label selector semantics: matchLabels and matchExpressions must all hold; empty selects all.
   */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
        if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        String value = labels.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        boolean holds =
            switch (requirement.getOperator()) {
              case "In" -> value != null && values.contains(value);
              case "NotIn" -> value == null || !values.contains(value);
              case "Exists" -> value != null;
              case "DoesNotExist" -> value == null;
              default -> false;
            };
        if (!holds) {
          return false;
        }
      }
    }
    return true;
  }
}
