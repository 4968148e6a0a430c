package io.steadyproxy.operator.apiserver;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The defaults a real API server writes into the objects the operator owns, so the mock server
 * stores what a cluster would. Each comes from the Kubernetes defaulting code (release 1.33):
 *
 * <ul>
 *   <li>{@code pkg/apis/apps/v1/defaults.go} {@code SetDefaults_Deployment}: replicas 1, strategy
 *       RollingUpdate with maxUnavailable and maxSurge 25 %, revisionHistoryLimit 10,
 *       progressDeadlineSeconds 600;
 *   <li>{@code pkg/apis/core/v1/defaults.go}: {@code SetDefaults_PodSpec} (dnsPolicy ClusterFirst,
 *       restartPolicy Always, terminationGracePeriodSeconds 30, securityContext {}, schedulerName
 *       default-scheduler, enableServiceLinks true), {@code SetDefaults_Container}
 *       (terminationMessagePath /dev/termination-log, terminationMessagePolicy File,
 *       imagePullPolicy Always for :latest or no tag, else IfNotPresent), {@code SetDefaults_Probe}
 *       (timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3), {@code
 *       SetDefaults_HTTPGetAction} (path /, scheme HTTP), {@code SetDefaults_ContainerPort} and
 *       {@code SetDefaults_ServicePort} (protocol TCP; targetPort = port), {@code
 *       SetDefaults_ConfigMapVolumeSource}/{@code SetDefaults_SecretVolumeSource} (defaultMode 0644
 *       = 420), {@code SetDefaults_Service} (type ClusterIP, sessionAffinity None,
 *       internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for NodePort and LoadBalancer,
 *       allocateLoadBalancerNodePorts true for LoadBalancer);
 *   <li>the Service REST storage's allocators ({@code pkg/registry/core/service/storage}): a
 *       clusterIP, clusterIPs, ipFamilies [IPv4], ipFamilyPolicy SingleStack, and a nodePort per
 *       port for NodePort and LoadBalancer, all kept across updates;
 *   <li>{@code pkg/apis/autoscaling/v2/defaults.go} {@code SetDefaults_HorizontalPodAutoscaler}:
 *       minReplicas 1, and the scale-up and scale-down {@code behavior} (stabilization 0 s and 300
 *       s, policies Pods 4/15 s and Percent 100/15 s, selectPolicy Max).
 * </ul>
 *
 * The API reference lists the same defaults per field (kubernetes.io/docs/reference/kubernetes-api/
 * workload-resources/deployment-v1, pod-v1; service-resources/service-v1).
 */
final class ApiServerDefaults {

  private ApiServerDefaults() {}

  static void deployment(ObjectNode deployment) {
    ObjectNode spec = object(deployment, "spec");
    putIfAbsent(spec, "replicas", 1);
    ObjectNode strategy = object(spec, "strategy");
    putIfAbsent(strategy, "type", "RollingUpdate");
    if ("RollingUpdate".equals(strategy.get("type").asString())) {
      ObjectNode rolling = object(strategy, "rollingUpdate");
      putIfAbsent(rolling, "maxUnavailable", "25%");
      putIfAbsent(rolling, "maxSurge", "25%");
    }
    putIfAbsent(spec, "revisionHistoryLimit", 10);
    putIfAbsent(spec, "progressDeadlineSeconds", 600);
    podSpec(object(object(spec, "template"), "spec"));
  }

  static void podSpec(ObjectNode pod) {
    putIfAbsent(pod, "dnsPolicy", "ClusterFirst");
    putIfAbsent(pod, "restartPolicy", "Always");
    putIfAbsent(pod, "terminationGracePeriodSeconds", 30);
    object(pod, "securityContext");
    putIfAbsent(pod, "schedulerName", "default-scheduler");
    putIfAbsent(pod, "enableServiceLinks", true);
    for (JsonNode container : pod.path("containers")) {
      container((ObjectNode) container);
    }
    for (JsonNode volume : pod.path("volumes")) {
      for (String source : new String[] {"configMap", "secret"}) {
        if (volume.has(source)) {
          putIfAbsent((ObjectNode) volume.get(source), "defaultMode", 420);
        }
      }
    }
  }

  private static void container(ObjectNode container) {
    putIfAbsent(container, "terminationMessagePath", "/dev/termination-log");
    putIfAbsent(container, "terminationMessagePolicy", "File");
    String image = container.path("image").asString("");
    String afterSlash = image.substring(image.lastIndexOf('/') + 1);
    boolean latest = !afterSlash.contains(":") || afterSlash.endsWith(":latest");
    putIfAbsent(
        container, "imagePullPolicy", latest && !image.contains("@") ? "Always" : "IfNotPresent");
    for (JsonNode port : container.path("ports")) {
      putIfAbsent((ObjectNode) port, "protocol", "TCP");
    }
    for (String probe : new String[] {"livenessProbe", "readinessProbe", "startupProbe"}) {
      if (container.has(probe)) {
        ObjectNode p = (ObjectNode) container.get(probe);
        putIfAbsent(p, "timeoutSeconds", 1);
        putIfAbsent(p, "periodSeconds", 10);
        putIfAbsent(p, "successThreshold", 1);
        putIfAbsent(p, "failureThreshold", 3);
        if (p.has("httpGet")) {
          putIfAbsent((ObjectNode) p.get("httpGet"), "path", "/");
          putIfAbsent((ObjectNode) p.get("httpGet"), "scheme", "HTTP");
        }
      }
    }
  }

  /**
   * @param stored the Service as stored before this write, or null on create: allocated addresses
   *     and node ports are kept, as the real allocators do
   * @param serial a number that makes this Service's allocations unique
   */
  static void service(ObjectNode service, JsonNode stored, int serial) {
    ObjectNode spec = object(service, "spec");
    putIfAbsent(spec, "type", "ClusterIP");
    putIfAbsent(spec, "sessionAffinity", "None");
    putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
    String type = spec.get("type").asString();
    boolean nodePorts = type.equals("NodePort") || type.equals("LoadBalancer");
    if (nodePorts) {
      putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
    }
    if (type.equals("LoadBalancer")) {
      putIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
    }
    JsonNode storedSpec = stored == null ? null : stored.path("spec");
    String ip =
        storedSpec != null && storedSpec.has("clusterIP")
            ? storedSpec.get("clusterIP").asString()
            : "10.96.0." + (10 + serial);
    putIfAbsent(spec, "clusterIP", ip);
    if (!spec.has("clusterIPs")) {
      spec.putArray("clusterIPs").add(spec.get("clusterIP").asString());
    }
    if (!spec.has("ipFamilies")) {
      spec.putArray("ipFamilies").add("IPv4");
    }
    putIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
    int index = 0;
    for (JsonNode port : spec.path("ports")) {
      ObjectNode p = (ObjectNode) port;
      putIfAbsent(p, "protocol", "TCP");
      if (!p.has("targetPort")) {
        p.set("targetPort", p.get("port"));
      }
      if (nodePorts && !p.has("nodePort")) {
        JsonNode kept = storedNodePort(storedSpec, p.path("name").asString(""));
        p.put("nodePort", kept != null ? kept.asInt() : 30000 + serial * 10 + index);
      }
      index++;
    }
  }

  private static JsonNode storedNodePort(JsonNode storedSpec, String name) {
    if (storedSpec == null) {
      return null;
    }
    for (JsonNode port : storedSpec.path("ports")) {
      if (name.equals(port.path("name").asString("")) && port.has("nodePort")) {
        return port.get("nodePort");
      }
    }
    return null;
  }

  static void horizontalPodAutoscaler(ObjectNode hpa) {
    ObjectNode spec = object(hpa, "spec");
    putIfAbsent(spec, "minReplicas", 1);
    ObjectNode behavior = object(spec, "behavior");
    if (!behavior.has("scaleUp")) {
      ObjectNode up = behavior.putObject("scaleUp");
      up.put("stabilizationWindowSeconds", 0);
      up.put("selectPolicy", "Max");
      ArrayNode policies = up.putArray("policies");
      policies.addObject().put("type", "Pods").put("value", 4).put("periodSeconds", 15);
      policies.addObject().put("type", "Percent").put("value", 100).put("periodSeconds", 15);
    }
    if (!behavior.has("scaleDown")) {
      ObjectNode down = behavior.putObject("scaleDown");
      down.put("stabilizationWindowSeconds", 300);
      down.put("selectPolicy", "Max");
      down.putArray("policies")
          .addObject()
          .put("type", "Percent")
          .put("value", 100)
          .put("periodSeconds", 15);
    }
  }

  private static ObjectNode object(ObjectNode parent, String field) {
    if (!parent.has(field) || !parent.get(field).isObject()) {
      parent.putObject(field);
    }
    return (ObjectNode) parent.get(field);
  }

  private static void putIfAbsent(ObjectNode node, String field, Object value) {
    if (node.has(field) && !node.get(field).isNull()) {
      return;
    }
    switch (value) {
      case Integer i -> node.put(field, i);
      case Boolean b -> node.put(field, b);
      default -> node.put(field, value.toString());
    }
  }
}
