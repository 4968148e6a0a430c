package io.steadyproxy.charts;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates ProxyConfig manifests against the generated CRD the way {@code kubectl apply} with
 * strict field validation meets the API server: schema defaults applied first, then the OpenAPI v3
 * schema (types, required, bounds, patterns; unknown fields rejected) checked with networknt's JSON
 * Schema validator, then the {@code x-kubernetes-validations} CEL rules evaluated with Google's CEL
 * for Java.
 */
final class CrdSchema {

  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("self", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .build();
  private static final CelRuntime CEL_RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private final JsonNode crd;
  private final JsonNode openApi;
  private final Schema schema;

  /**
   * @param crd the parsed CustomResourceDefinition (one version)
   */
  CrdSchema(JsonNode crd) {
    this.crd = crd;
    this.openApi = crd.at("/spec/versions/0/schema/openAPIV3Schema");
    ObjectNode strict = (ObjectNode) openApi.deepCopy();
    rejectUnknownFields(strict);
    ObjectNode rootProperties = (ObjectNode) strict.get("properties");
    rootProperties.putObject("apiVersion").put("type", "string");
    rootProperties.putObject("kind").put("type", "string");
    rootProperties.putObject("metadata").put("type", "object");
    this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(strict);
  }

  /**
   * Every problem with a manifest, as {@code location: message}; empty when the API server would
   * accept it.
   *
   * @param manifest a parsed ProxyConfig
   */
  List<String> validate(JsonNode manifest) {
    List<String> problems = new ArrayList<>();
    String apiVersion =
        crd.at("/spec/group").asString() + "/" + crd.at("/spec/versions/0/name").asString();
    if (!manifest.path("apiVersion").asString("").equals(apiVersion)) {
      problems.add("apiVersion: must be " + apiVersion);
    }
    if (!manifest.path("kind").asString("").equals(crd.at("/spec/names/kind").asString())) {
      problems.add("kind: must be " + crd.at("/spec/names/kind").asString());
    }
    if (!manifest
        .at("/metadata/name")
        .asString("")
        .matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      problems.add("metadata.name: must be a DNS subdomain");
    }
    JsonNode defaulted = manifest.deepCopy();
    applyDefaults(openApi, defaulted);
    for (Error error : schema.validate(defaulted)) {
      problems.add(error.toString());
    }
    if (problems.isEmpty()) {
      evaluateRules(openApi, defaulted, "", problems);
    }
    return problems;
  }

  /** Structural schemas prune unknown fields, strict validation rejects them: so do we. */
  private static void rejectUnknownFields(ObjectNode schema) {
    if (schema.has("properties")
        && !schema.has("additionalProperties")
        && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      schema.put("additionalProperties", false);
    }
    for (JsonNode child : schema.path("properties").values()) {
      rejectUnknownFields((ObjectNode) child);
    }
    if (schema.get("items") instanceof ObjectNode items) {
      rejectUnknownFields(items);
    }
  }

  /** Fills schema defaults in place, as the API server does when it decodes an object. */
  private static void applyDefaults(JsonNode schema, JsonNode value) {
    if (value instanceof ObjectNode object && schema.has("properties")) {
      for (Map.Entry<String, JsonNode> property : schema.get("properties").properties()) {
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        }
        if (object.has(property.getKey())) {
          applyDefaults(property.getValue(), object.get(property.getKey()));
        }
      }
    } else if (value != null && value.isArray() && schema.has("items")) {
      value.forEach(item -> applyDefaults(schema.get("items"), item));
    }
  }

  private static void evaluateRules(
      JsonNode schema, JsonNode value, String path, List<String> problems) {
    if (value == null || value.isMissingNode()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      if (!evaluate(rule.get("rule").asString(), value)) {
        problems.add(path + ": " + rule.path("message").asString(rule.get("rule").asString()));
      }
    }
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      evaluateRules(
          property.getValue(),
          value.get(property.getKey()),
          path + "/" + property.getKey(),
          problems);
    }
  }

  private static boolean evaluate(String rule, JsonNode value) {
    try {
      CelValidationResult compiled = CEL.compile(rule);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(
            "CEL rule does not compile: " + compiled.getErrorString());
      }
      return Boolean.TRUE.equals(
          CEL_RUNTIME.createProgram(compiled.getAst()).eval(Map.of("self", toCel(value))));
    } catch (dev.cel.common.CelValidationException | dev.cel.runtime.CelEvaluationException e) {
      throw new IllegalArgumentException("CEL rule " + rule + " failed: " + e.getMessage(), e);
    }
  }

  /** JSON to the values CEL works on: maps, lists, int64, double, string, bool. */
  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.properties().forEach(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asString();
  }
}
