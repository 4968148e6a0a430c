package io.steadyproxy.operator.watchdog;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DisruptionBudgetTest {

  private static final Map<String, String> POD =
      Map.of("app.kubernetes.io/name", "steadyproxy", "app.kubernetes.io/instance", "edge");

  @Test
  void noBudgetAllowsEverything() {
    assertThat(DisruptionBudget.minReady(List.of(), POD, 3), is(0));
  }

  @Test
  void minAvailableAsNumberOrRoundedUpPercentage() {
    assertThat(
        DisruptionBudget.minReady(List.of(budget(new IntOrString(2), null, "edge")), POD, 3),
        is(2));
    assertThat(
        DisruptionBudget.minReady(List.of(budget(new IntOrString("50%"), null, "edge")), POD, 3),
        is(2));
  }

  @Test
  void maxUnavailableLeavesTheRest() {
    assertThat(
        DisruptionBudget.minReady(List.of(budget(null, new IntOrString(1), "edge")), POD, 4),
        is(3));
    assertThat(
        DisruptionBudget.minReady(List.of(budget(null, new IntOrString("25%"), "edge")), POD, 4),
        is(3));
  }

  @Test
  void budgetsForOtherPodsDoNotCount() {
    assertThat(
        DisruptionBudget.minReady(List.of(budget(new IntOrString(5), null, "other")), POD, 3),
        is(0));
  }

  @Test
  void theStrictestBudgetWins() {
    var budgets =
        List.of(budget(new IntOrString(1), null, "edge"), budget(null, new IntOrString(0), "edge"));
    assertThat(DisruptionBudget.minReady(budgets, POD, 3), is(3));
  }

  @Test
  void theDisruptionControllersOwnArithmeticIsPreferred() {
    PodDisruptionBudget budget = budget(new IntOrString("10%"), null, "edge");
    budget.setStatus(
        new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder()
            .withDesiredHealthy(2)
            .withExpectedPods(3)
            .build());
    assertThat(DisruptionBudget.minReady(List.of(budget), POD, 3), is(2));
  }

  private static PodDisruptionBudget budget(
      IntOrString minAvailable, IntOrString maxUnavailable, String instance) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName("pdb-" + instance)
        .endMetadata()
        .withNewSpec()
        .withMinAvailable(minAvailable)
        .withMaxUnavailable(maxUnavailable)
        .withNewSelector()
        .addToMatchLabels("app.kubernetes.io/instance", instance)
        .endSelector()
        .endSpec()
        .build();
  }
}
