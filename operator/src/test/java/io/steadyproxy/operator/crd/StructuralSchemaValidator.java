package io.steadyproxy.operator.crd;

import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates an object against a CRD's structural OpenAPI v3 schema the way the API server does, for
 * the subset our generated CRD uses: defaulting first, then {@code type}, {@code properties}
 * (unknown fields rejected, as with kubectl's strict field validation), {@code required}, {@code
 * additionalProperties}, {@code x-kubernetes-int-or-string}, {@code minimum}, {@code maximum},
 * {@code pattern}, {@code enum} (strings), and {@code x-kubernetes-validations} CEL rules,
 * evaluated with Google's CEL for Java.
 *
 * <p>The mock API server validates nothing, so this is what stands between a schema mistake and a
 * user's {@code kubectl apply}. A keyword it does not know fails the validation loudly, so the
 * schema can't grow past what is tested.
 */
public final class StructuralSchemaValidator {

  private static final List<String> KNOWN_KEYWORDS =
      List.of(
          "type",
          "properties",
          "required",
          "additionalProperties",
          "items",
          "anyOf",
          "x-kubernetes-int-or-string",
          "minimum",
          "maximum",
          "pattern",
          "enum",
          "default",
          "description",
          "format",
          "x-kubernetes-validations",
          "x-kubernetes-preserve-unknown-fields");

  private static final CelCompiler CEL =
      CelCompilerFactory.standardCelCompilerBuilder()
          // has(), all(), exists(), ... as in the API server's CEL environment
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", MapType.create(SimpleType.STRING, SimpleType.DYN))
          .build();
  private static final CelRuntime CEL_RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private StructuralSchemaValidator() {}

  /** Fills defaults in place, as the API server does when it decodes an object. */
  public static void applyDefaults(JsonNode schema, JsonNode value) {
    if (value == null || !value.isObject() || !schema.has("properties")) {
      if (value != null && value.isArray() && schema.has("items")) {
        value.forEach(item -> applyDefaults(schema.get("items"), item));
      }
      return;
    }
    ObjectNode object = (ObjectNode) value;
    for (Map.Entry<String, JsonNode> property : schema.get("properties").properties()) {
      JsonNode propertySchema = property.getValue();
      if (!object.has(property.getKey()) && propertySchema.has("default")) {
        object.set(property.getKey(), propertySchema.get("default").deepCopy());
      }
      if (object.has(property.getKey())) {
        applyDefaults(propertySchema, object.get(property.getKey()));
      }
    }
  }

  /**
   * Every violation of a whole resource, as the API server checks a custom resource: the body
   * (without {@code apiVersion}, {@code kind} and {@code metadata}, which the API server checks
   * itself) against the schema, then the root's CEL rules, which see {@code metadata.name} and
   * nothing else of the metadata. Defaults are filled into {@code resource} in place.
   */
  public static List<String> validateResource(JsonNode schema, ObjectNode resource) {
    ObjectNode body = resource.deepCopy();
    body.remove(List.of("apiVersion", "kind", "metadata"));
    applyDefaults(schema, body);
    applyDefaults(schema, resource);
    ObjectNode bodySchema = ((ObjectNode) schema).deepCopy();
    bodySchema.remove("x-kubernetes-validations");
    List<String> errors = new ArrayList<>(validate(bodySchema, body));
    ObjectNode self = body.deepCopy();
    self.putObject("metadata").set("name", resource.at("/metadata/name"));
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      if (!evaluate(rule.get("rule").asString(), self)) {
        errors.add(": " + rule.path("message").asString("failed rule " + rule.get("rule")));
      }
    }
    return errors;
  }

  /** Every violation, as {@code path: message}; empty when valid. */
  public static List<String> validate(JsonNode schema, JsonNode value) {
    List<String> errors = new ArrayList<>();
    validate(schema, value, "", errors);
    return errors;
  }

  private static void validate(JsonNode schema, JsonNode value, String path, List<String> errors) {
    schema
        .properties()
        .forEach(
            keyword -> {
              if (!KNOWN_KEYWORDS.contains(keyword.getKey())) {
                errors.add(
                    path
                        + ": schema keyword "
                        + keyword.getKey()
                        + " is not supported by this validator");
              }
            });
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!value.isIntegralNumber() && !value.isString()) {
        errors.add(path + ": must be an integer or a string");
      }
      return;
    }
    String type = schema.path("type").asString("");
    switch (type) {
      case "object" -> {
        if (!value.isObject()) {
          errors.add(path + ": must be an object");
          return;
        }
        for (JsonNode required : schema.path("required")) {
          if (!value.has(required.asString())) {
            errors.add(path + "." + required.asString() + ": Required value");
          }
        }
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Map.Entry<String, JsonNode> field : value.properties()) {
          String fieldPath = path + "." + field.getKey();
          if (properties != null && properties.has(field.getKey())) {
            validate(properties.get(field.getKey()), field.getValue(), fieldPath, errors);
          } else if (additional != null) {
            validate(additional, field.getValue(), fieldPath, errors);
          } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            errors.add(fieldPath + ": unknown field");
          }
        }
      }
      case "array" -> {
        if (!value.isArray()) {
          errors.add(path + ": must be an array");
          return;
        }
        for (int i = 0; i < value.size(); i++) {
          validate(schema.get("items"), value.get(i), path + "[" + i + "]", errors);
        }
      }
      case "string" -> {
        if (!value.isString()) {
          errors.add(path + ": must be a string");
        } else if (schema.has("pattern")
            && !Pattern.compile(schema.get("pattern").asString())
                .matcher(value.asString())
                .find()) {
          errors.add(path + ": must match " + schema.get("pattern").asString());
        } else if (schema.has("enum")) {
          // the API server's wording: Unsupported value: "x": supported values: "a", "b"
          List<String> allowed = new java.util.ArrayList<>();
          schema.get("enum").forEach(v -> allowed.add(v.asString()));
          if (!allowed.contains(value.asString())) {
            errors.add(
                path
                    + ": Unsupported value: \""
                    + value.asString()
                    + "\": supported values: \""
                    + String.join("\", \"", allowed)
                    + "\"");
          }
        }
      }
      case "integer", "number" -> {
        if ("integer".equals(type) ? !value.isIntegralNumber() : !value.isNumber()) {
          errors.add(path + ": must be a" + ("integer".equals(type) ? "n integer" : " number"));
        } else {
          if (schema.has("minimum") && value.doubleValue() < schema.get("minimum").doubleValue()) {
            errors.add(
                path + ": must be greater than or equal to " + schema.get("minimum").asLong());
          }
          if (schema.has("maximum") && value.doubleValue() > schema.get("maximum").doubleValue()) {
            errors.add(path + ": must be less than or equal to " + schema.get("maximum").asLong());
          }
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          errors.add(path + ": must be a boolean");
        }
      }
      default -> errors.add(path + ": schema without a known type: " + type);
    }
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      if (!evaluate(validation.get("rule").asString(), value)) {
        errors.add(
            path
                + ": "
                + validation
                    .path("message")
                    .asString("failed rule " + validation.get("rule").asString()));
      }
    }
  }

  /** Evaluates a CEL rule with {@code self} bound to {@code value}, as the API server does. */
  public static boolean evaluate(String rule, JsonNode value) {
    try {
      CelValidationResult compiled = CEL.compile(rule);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(
            "CEL rule does not compile: " + compiled.getErrorString());
      }
      Object result =
          CEL_RUNTIME.createProgram(compiled.getAst()).eval(Map.of("self", toCel(value)));
      return Boolean.TRUE.equals(result);
    } catch (dev.cel.common.CelValidationException | dev.cel.runtime.CelEvaluationException e) {
      throw new IllegalArgumentException("CEL rule " + rule + " failed: " + e.getMessage(), e);
    }
  }

  /** JSON → the values CEL works on: maps, lists, int64, double, string, bool. */
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
