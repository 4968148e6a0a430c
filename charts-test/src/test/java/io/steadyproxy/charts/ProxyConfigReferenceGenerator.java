package io.steadyproxy.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Writes the ProxyConfig field reference of {@code src-docs/kubernetes.md} from the generated CRD's
 * OpenAPI v3 schema: one row per field with its type, default and validation (required, bounds,
 * pattern, CEL rules) and the description from the Java types. The docs can't promise a default or
 * a limit the API server doesn't enforce.
 */
final class ProxyConfigReferenceGenerator {

  /** The marker id of the generated section in kubernetes.md. */
  static final String SECTION = "proxyconfig-reference";

  /**
   * Spec fields of a standard Kubernetes type, named rather than expanded: their fields are the
   * Kubernetes API reference's, dozens of rows each.
   */
  static final Map<String, String> KUBERNETES_TYPES =
      Map.of(
          "resources", "core/v1 ResourceRequirements",
          "affinity", "core/v1 Affinity",
          "tolerations", "core/v1 Toleration",
          "topologySpreadConstraints", "core/v1 TopologySpreadConstraint",
          "imagePullSecrets", "core/v1 LocalObjectReference");

  private ProxyConfigReferenceGenerator() {}

  /**
   * The Markdown of the reference.
   *
   * @param crd the parsed generated CRD
   */
  static String markdown(JsonNode crd) {
    JsonNode version = crd.at("/spec/versions/0");
    JsonNode schema = version.at("/schema/openAPIV3Schema/properties");
    StringBuilder out = new StringBuilder();
    out.append("`")
        .append(crd.at("/spec/group").asString())
        .append("/")
        .append(version.path("name").asString())
        .append("`, kind `")
        .append(crd.at("/spec/names/kind").asString())
        .append("` (short name `")
        .append(crd.at("/spec/names/shortNames/0").asString())
        .append("`), ")
        .append(crd.at("/spec/scope").asString().toLowerCase(java.util.Locale.ROOT))
        .append(".\n\n");
    out.append("#### spec\n\n");
    table(out, schema.path("spec"), true);
    out.append("\n#### status\n\nWritten by the operator; read-only for users.\n\n");
    table(out, schema.path("status"), false);
    return out.toString();
  }

  private static void table(StringBuilder out, JsonNode schema, boolean withValidation) {
    out.append(
        withValidation
            ? "| field | type | default | validation | description |\n|---|---|---|---|---|\n"
            : "| field | type | description |\n|---|---|---|\n");
    List<String> rules = new ArrayList<>();
    schema
        .path("x-kubernetes-validations")
        .forEach(
            rule ->
                rules.add(
                    "`"
                        + rule.path("rule").asString()
                        + "` (\""
                        + rule.path("message").asString()
                        + "\")"));
    rows(out, "", schema, withValidation);
    if (!rules.isEmpty()) {
      out.append("\nRules on the whole spec, checked by the API server (CEL): ")
          .append(String.join("; ", rules))
          .append(".\n");
    }
  }

  private static void rows(
      StringBuilder out, String prefix, JsonNode schema, boolean withValidation) {
    List<String> required = new ArrayList<>();
    schema.path("required").forEach(name -> required.add(name.asString()));
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      String path = prefix + property.getKey();
      JsonNode field = property.getValue();
      String kubernetesType = KUBERNETES_TYPES.get(path);
      String type =
          kubernetesType == null
              ? type(field)
              : field.path("type").asString("").equals("array")
                  ? "array of " + kubernetesType + "s"
                  : kubernetesType;
      out.append("| `").append(path).append("` | ").append(type).append(" | ");
      if (withValidation) {
        out.append(
                field.has("default")
                    ? "`" + field.get("default").toString().replace("\"", "") + "`"
                    : "")
            .append(" | ")
            .append(validation(field, required.contains(property.getKey())))
            .append(" | ");
      }
      out.append(cell(field.path("description").asString(""))).append(" |\n");
      if (kubernetesType != null) {
        continue;
      }
      if (field.has("properties")) {
        rows(out, path + ".", field, withValidation);
      } else if (field.path("items").has("properties")) {
        rows(out, path + "[].", field.path("items"), withValidation);
      }
    }
  }

  private static String type(JsonNode field) {
    String type = field.path("type").asString("");
    if (type.equals("array")) {
      return "array of " + field.path("items").path("type").asString("") + "s";
    }
    if (type.equals("object") && field.has("additionalProperties")) {
      JsonNode values = field.get("additionalProperties");
      return "map of "
          + (values.path("x-kubernetes-int-or-string").asBoolean(false)
              ? "int-or-string"
              : values.path("type").asString(""))
          + "s";
    }
    return type;
  }

  private static String validation(JsonNode field, boolean required) {
    List<String> parts = new ArrayList<>();
    if (required) {
      parts.add("required");
    }
    if (field.has("minimum")) {
      parts.add("min " + number(field.get("minimum")));
    }
    if (field.has("maximum")) {
      parts.add("max " + number(field.get("maximum")));
    }
    if (field.has("pattern")) {
      parts.add("pattern `" + field.get("pattern").asString().replace("|", "\\|") + "`");
    }
    if (field.path("items").has("pattern")) {
      parts.add(
          "each item: pattern `"
              + field.get("items").get("pattern").asString().replace("|", "\\|")
              + "`");
    }
    return String.join(", ", parts);
  }

  private static String number(JsonNode value) {
    double number = value.asDouble();
    return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
