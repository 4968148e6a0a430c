package io.steadyproxy.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The Pod Security Standards "restricted" profile (Kubernetes 1.25+ policy version), checked on a
 * pod spec the way the PodSecurity admission controller checks it, plus what this project asks on
 * top: a read-only root filesystem and resources on every container.
 */
final class PodSecurity {

  private static final Set<String> RESTRICTED_VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private PodSecurity() {}

  /**
   * Every violation in a pod spec; empty when it passes.
   *
   * @param owner a name for the messages, for example {@code Deployment/steadyproxy}
   * @param podSpec the pod spec ({@code spec} of a Pod, {@code spec.template.spec} of a Deployment)
   */
  static List<String> violations(String owner, JsonNode podSpec) {
    List<String> problems = new ArrayList<>();
    for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (podSpec.path(host).asBoolean(false)) {
        problems.add(owner + ": " + host + " must not be true");
      }
    }
    for (JsonNode volume : podSpec.path("volumes")) {
      for (String field : volume.propertyNames()) {
        if (!field.equals("name") && !RESTRICTED_VOLUME_TYPES.contains(field)) {
          problems.add(
              owner
                  + ": volume "
                  + volume.path("name").asString()
                  + " has type "
                  + field
                  + " (hostPath and the like are not allowed)");
        }
      }
    }
    JsonNode podContext = podSpec.path("securityContext");
    List<JsonNode> containers = new ArrayList<>();
    podSpec.path("initContainers").forEach(containers::add);
    podSpec.path("containers").forEach(containers::add);
    if (containers.isEmpty()) {
      problems.add(owner + ": no containers");
    }
    for (JsonNode container : containers) {
      String where = owner + " container " + container.path("name").asString();
      JsonNode context = container.path("securityContext");
      boolean nonRoot =
          context.has("runAsNonRoot")
              ? context.get("runAsNonRoot").asBoolean()
              : podContext.path("runAsNonRoot").asBoolean(false);
      if (!nonRoot) {
        problems.add(where + ": runAsNonRoot must be true");
      }
      long user =
          context.has("runAsUser")
              ? context.get("runAsUser").asLong()
              : podContext.path("runAsUser").asLong(-1);
      if (user == 0) {
        problems.add(where + ": runAsUser must not be 0");
      }
      if (!context.has("allowPrivilegeEscalation")
          || context.get("allowPrivilegeEscalation").asBoolean()) {
        problems.add(where + ": allowPrivilegeEscalation must be false");
      }
      if (context.path("privileged").asBoolean(false)) {
        problems.add(where + ": privileged must not be true");
      }
      List<String> dropped = new ArrayList<>();
      context.path("capabilities").path("drop").forEach(c -> dropped.add(c.asString()));
      if (!dropped.contains("ALL")) {
        problems.add(where + ": capabilities.drop must contain ALL");
      }
      context
          .path("capabilities")
          .path("add")
          .forEach(
              c -> {
                if (!c.asString().equals("NET_BIND_SERVICE")) {
                  problems.add(where + ": capability " + c.asString() + " must not be added");
                }
              });
      String seccomp =
          context.path("seccompProfile").has("type")
              ? context.at("/seccompProfile/type").asString()
              : podContext.at("/seccompProfile/type").asString("");
      if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
        problems.add(
            where
                + ": seccompProfile.type must be RuntimeDefault or Localhost, is '"
                + seccomp
                + "'");
      }
      for (JsonNode port : container.path("ports")) {
        if (port.has("hostPort")) {
          problems.add(where + ": hostPort is not allowed");
        }
      }
      if (!context.path("readOnlyRootFilesystem").asBoolean(false)) {
        problems.add(where + ": readOnlyRootFilesystem must be true");
      }
      if (!container.at("/resources/requests").has("memory")
          || !container.at("/resources/limits").has("memory")) {
        problems.add(where + ": resources.requests.memory and resources.limits.memory must be set");
      }
    }
    return problems;
  }
}
