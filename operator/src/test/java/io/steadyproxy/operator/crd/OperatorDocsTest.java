package io.steadyproxy.operator.crd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;

import io.steadyproxy.operator.MockCluster;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The field reference in src-docs/operator.md must cover the generated CRD: a new field needs a
 * line.
 */
class OperatorDocsTest {

  private static final Path DOC = Path.of("..", "src-docs", "operator.md");

  /** Spec fields of a standard Kubernetes type: one line each, not one per nested field. */
  private static final java.util.Set<String> KUBERNETES_TYPES =
      java.util.Set.of(
          "resources", "affinity", "tolerations", "topologySpreadConstraints", "imagePullSecrets");

  @Test
  void everySpecAndStatusFieldIsDocumented() throws Exception {
    JsonNode schema;
    try (InputStream in = Files.newInputStream(MockCluster.GENERATED_CRD)) {
      schema =
          new YAMLMapper().readTree(in).at("/spec/versions/0/schema/openAPIV3Schema/properties");
    }
    String doc = Files.readString(DOC);
    List<String> missing = new ArrayList<>();
    collect(schema.get("spec"), "", missing, doc, false);
    collect(schema.get("status"), "", missing, doc, true);
    assertThat("fields missing from " + DOC, missing, empty());
  }

  /**
   * Spec leaf fields by full path ({@code watchdog.intervalSeconds}, {@code routes[].prefix});
   * status fields by top-level name. Lists may be written {@code name[]}.
   */
  private static void collect(
      JsonNode objectSchema, String prefix, List<String> missing, String doc, boolean topOnly) {
    for (Map.Entry<String, JsonNode> property : objectSchema.path("properties").properties()) {
      String path = prefix + property.getKey();
      JsonNode child = property.getValue();
      boolean documentedByChildren =
          !topOnly && !KUBERNETES_TYPES.contains(path) && child.has("properties");
      if (!documentedByChildren
          && !doc.contains("`" + path + "`")
          && !doc.contains("`" + path + "[]`")) {
        missing.add(path);
      }
      if (topOnly || KUBERNETES_TYPES.contains(path)) {
        continue; // a standard Kubernetes type, documented by the Kubernetes API reference
      }
      if (child.has("properties")) {
        collect(child, path + ".", missing, doc, false);
      } else if (child.has("items") && child.get("items").has("properties")) {
        collect(child.get("items"), path + "[].", missing, doc, false);
      }
    }
  }
}
