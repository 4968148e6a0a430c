package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The chart grants the operator exactly the verbs its code uses (src-docs/operator.md, section
 * RBAC, names the call behind each) and nothing else: cluster-wide only in all-namespace mode, only
 * in the watched namespaces otherwise, and the Lease by name.
 */
class RbacRulesTest {

  /**
   * The operator's permissions in a watched namespace, one {@code group/resource:verb} each.
   * Changing this set means changing the operator's client calls, src-docs/operator.md and the
   * chart's rules together.
   */
  static final Set<String> OPERATOR_PERMISSIONS =
      Set.of(
          // ProxyConfigController/InformerSet: the ProxyConfig informer.
          "steadyproxy.io/proxyconfigs:list",
          "steadyproxy.io/proxyconfigs:watch",
          // ProxyConfigReconciler.writeStatus re-reads after a 409; the watchdog's updateStatus
          // too.
          "steadyproxy.io/proxyconfigs:get",
          // ProxyConfigReconciler.writeStatus, KubernetesWatchdogActions.updateStatus.
          "steadyproxy.io/proxyconfigs/status:update",
          // blockOwnerDeletion on clusters with OwnerReferencesPermissionEnforcement.
          "steadyproxy.io/proxyconfigs/finalizers:update",
          // Owned-object informers and ObjectApplier.apply; get also for
          // ProxyConfigReconciler.upstreamCaProblem (a ConfigMap upstreamCaRef, by name).
          "core/configmaps:get",
          "core/configmaps:list",
          "core/configmaps:watch",
          "core/configmaps:create",
          "core/configmaps:update",
          "core/services:get",
          "core/services:list",
          "core/services:watch",
          "core/services:create",
          "core/services:update",
          "apps/deployments:get",
          "apps/deployments:list",
          "apps/deployments:watch",
          "apps/deployments:create",
          "apps/deployments:update",
          // The autoscaler informer, ObjectApplier.apply and ObjectApplier.delete
          // (ProxyConfigReconciler.applyAutoscaler).
          "autoscaling/horizontalpodautoscalers:get",
          "autoscaling/horizontalpodautoscalers:list",
          "autoscaling/horizontalpodautoscalers:watch",
          "autoscaling/horizontalpodautoscalers:create",
          "autoscaling/horizontalpodautoscalers:update",
          "autoscaling/horizontalpodautoscalers:delete",
          // SecretTokenSource.token, ProxyConfigReconciler.adminTokenSecretProblem and
          // upstreamCaProblem (a Secret upstreamCaRef): by name only.
          "core/secrets:get",
          // KubernetesPodLister.pods.
          "core/pods:list",
          // KubernetesWatchdogActions.evict: the Eviction API, so the API server enforces PDBs.
          "core/pods/eviction:create",
          // ProxyConfigEvents.record (core v1 Events, aggregated: get by name, count up).
          "core/events:create",
          "core/events:get",
          "core/events:update",
          // The owned PodDisruptionBudget: informer, ObjectApplier.apply, delete at one replica.
          "policy/poddisruptionbudgets:get",
          "policy/poddisruptionbudgets:list",
          "policy/poddisruptionbudgets:watch",
          "policy/poddisruptionbudgets:create",
          "policy/poddisruptionbudgets:update",
          "policy/poddisruptionbudgets:delete");

  @TempDir Path work;

  private List<JsonNode> render(String values) {
    return ChartRenderer.documents(new ChartRenderer(work).template(values));
  }

  /** The rules of a Role or ClusterRole as {@code group/resource:verb[@name]}, expanded. */
  static Set<String> permissions(JsonNode role) {
    Set<String> permissions = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode verb : rule.path("verbs")) {
            String permission =
                (group.asString().isEmpty() ? "core" : group.asString())
                    + "/"
                    + resource.asString()
                    + ":"
                    + verb.asString();
            if (rule.path("resourceNames").isEmpty()) {
              permissions.add(permission);
            } else {
              rule.path("resourceNames")
                  .forEach(name -> permissions.add(permission + "@" + name.asString()));
            }
          }
        }
      }
    }
    return permissions;
  }

  private static List<String> names(List<JsonNode> documents, String kind) {
    List<String> names = new ArrayList<>();
    ChartRenderer.ofKind(documents, kind)
        .forEach(
            d ->
                names.add(
                    d.at("/metadata/namespace").asString("")
                        + "/"
                        + d.at("/metadata/name").asString()));
    return names;
  }

  @Test
  void shouldGrantExactlyTheOperatorsVerbsClusterWideInAllNamespaceMode() {
    List<JsonNode> documents = render(ValuesSets.DEFAULTS);
    List<JsonNode> clusterRoles = ChartRenderer.ofKind(documents, "ClusterRole");
    assertThat(clusterRoles.size(), is(1));
    assertThat(permissions(clusterRoles.get(0)), equalTo(new TreeSet<>(OPERATOR_PERMISSIONS)));
    JsonNode binding = ChartRenderer.ofKind(documents, "ClusterRoleBinding").get(0);
    assertThat(
        binding.at("/roleRef/name").asString(),
        is(clusterRoles.get(0).at("/metadata/name").asString()));
    assertThat(binding.at("/subjects/0/kind").asString(), is("ServiceAccount"));
    assertThat(binding.at("/subjects/0/name").asString(), is("steadyproxy-operator"));
    assertThat(binding.at("/subjects/0/namespace").asString(), is(ChartRenderer.NAMESPACE));
    // Only the leader-election Role besides the ClusterRole.
    assertThat(
        names(documents, "Role"),
        contains(ChartRenderer.NAMESPACE + "/steadyproxy-operator-leader-election"));
  }

  @Test
  void shouldGrantRolesOnlyInWatchedNamespacesInNamespaceListMode() {
    List<JsonNode> documents = render(ValuesSets.namespaced());
    assertThat(ChartRenderer.ofKind(documents, "ClusterRole"), is(empty()));
    assertThat(ChartRenderer.ofKind(documents, "ClusterRoleBinding"), is(empty()));
    assertThat(
        names(documents, "Role"),
        containsInAnyOrder(
            "shop/edge-operator", "payments/edge-operator", "ops/edge-operator-leader-election"));
    for (JsonNode role : ChartRenderer.ofKind(documents, "Role")) {
      if (!role.at("/metadata/name").asString().endsWith("-leader-election")) {
        assertThat(permissions(role), equalTo(new TreeSet<>(OPERATOR_PERMISSIONS)));
      }
    }
    for (JsonNode binding : ChartRenderer.ofKind(documents, "RoleBinding")) {
      assertThat(binding.at("/roleRef/kind").asString(), is("Role"));
      assertThat(
          binding.at("/roleRef/name").asString(), is(binding.at("/metadata/name").asString()));
      assertThat(binding.at("/subjects/0/name").asString(), is("edge-operator-sa"));
      assertThat(binding.at("/subjects/0/namespace").asString(), is(ChartRenderer.NAMESPACE));
    }
    assertThat(
        names(documents, "RoleBinding"),
        containsInAnyOrder(
            "shop/edge-operator", "payments/edge-operator", "ops/edge-operator-leader-election"));
  }

  @Test
  void shouldLimitLeasePermissionsToTheLeaseName() {
    JsonNode leaseRole =
        ChartRenderer.ofKind(render(ValuesSets.namespaced()), "Role").stream()
            .filter(role -> role.at("/metadata/name").asString().endsWith("-leader-election"))
            .findFirst()
            .orElseThrow();
    // fabric8's LeaderElector with a LeaseLock: get, create, then JSON merge patch to renew.
    // create can't be limited to a name: Kubernetes RBAC doesn't know the name before it exists.
    assertThat(
        permissions(leaseRole),
        equalTo(
            new TreeSet<>(
                Set.of(
                    "coordination.k8s.io/leases:create",
                    "coordination.k8s.io/leases:get@edge-operator-leader",
                    "coordination.k8s.io/leases:patch@edge-operator-leader"))));
  }

  @Test
  void shouldRenderNoLeaseRoleWithoutLeaderElection() {
    List<JsonNode> documents = render(ValuesSets.single());
    assertThat(ChartRenderer.ofKind(documents, "Role"), is(empty()));
    assertThat(ChartRenderer.ofKind(documents, "RoleBinding"), is(empty()));
    assertThat(ChartRenderer.ofKind(documents, "ClusterRole").size(), is(1));
  }

  @Test
  void shouldUseNoWildcards() {
    for (String values : ValuesSets.all().values()) {
      for (JsonNode document : render(values)) {
        if (document.path("kind").asString().endsWith("Role")) {
          assertThat(
              permissions(document).toString(), not(org.hamcrest.Matchers.containsString("*")));
        }
      }
    }
  }

  @Test
  void shouldRenderNoRbacWhenDisabled() {
    List<JsonNode> documents = render("rbac:\n  create: false\n");
    for (String kind : List.of("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")) {
      assertThat(kind, ChartRenderer.ofKind(documents, kind), is(empty()));
    }
  }
}
