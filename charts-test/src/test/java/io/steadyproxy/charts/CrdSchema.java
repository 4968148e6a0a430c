package io.steadyproxy.charts;

import io.steadyproxy.operator.crd.StructuralSchemaValidator;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates ProxyConfig manifests against the generated CRD the way {@code kubectl apply} with
 * strict field validation meets the API server: what the API server checks itself ({@code
 * apiVersion}, {@code kind}, the name), then the CRD's schema through the operator's {@link
 * StructuralSchemaValidator} (defaults, types, bounds, patterns, unknown fields, CEL rules), the
 * one the CRD's own tests use.
 */
final class CrdSchema {

  private final JsonNode crd;
  private final JsonNode openApi;

  /**
   * @param crd the parsed CustomResourceDefinition (one version)
   */
  CrdSchema(JsonNode crd) {
    this.crd = crd;
    this.openApi = crd.at("/spec/versions/0/schema/openAPIV3Schema");
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
    // The body against the schema, and the root's CEL rules (they see metadata.name).
    problems.addAll(
        StructuralSchemaValidator.validateResource(openApi, (ObjectNode) manifest.deepCopy()));
    return problems;
  }
}
