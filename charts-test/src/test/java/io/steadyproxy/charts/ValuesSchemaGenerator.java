package io.steadyproxy.charts;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates the chart's {@code values.schema.json} from its {@code values.yaml}, the way
 * cert-manager's helm-tool does: every key's type comes from its default value, its {@code
 * description} from the comment above it, and a {@code +schema: {...}} line in that comment adds
 * JSON Schema keywords (enums, bounds, patterns, item schemas). Objects with default keys reject
 * unknown keys, so a typo in a user's values fails the install instead of being ignored. A key
 * without a comment is an error: the comment is the documentation.
 */
final class ValuesSchemaGenerator {

  /**
   * A key line of the values.yaml subset the chart uses: {@code key: value} at some indentation.
   */
  private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9_]*):(?: .*)?$");

  private static final String SCHEMA_MARK = "+schema:";
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** A key's documentation from values.yaml. */
  private record KeyDoc(String description, ObjectNode schema) {}

  private ValuesSchemaGenerator() {}

  /**
   * The schema for a values file.
   *
   * @param valuesYaml the text of values.yaml
   * @return the JSON text of values.schema.json, ending with a newline
   * @throws IllegalArgumentException for a key without a comment, a bad {@code +schema} line or a
   *     line this generator does not understand
   */
  static String generate(String valuesYaml) {
    Map<String, KeyDoc> docs = keyDocs(valuesYaml);
    JsonNode values = ChartRenderer.YAML.readTree(valuesYaml);
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("$schema", "http://json-schema.org/draft-07/schema#");
    root.put("title", "Values of the steadyproxy-operator chart");
    root.put(
        "description",
        "Generated from values.yaml by charts-test (ValuesSchemaGenerator); do not edit.");
    root.put("type", "object");
    ObjectNode properties = root.putObject("properties");
    for (Map.Entry<String, JsonNode> entry : values.properties()) {
      properties.set(entry.getKey(), schemaFor(entry.getKey(), entry.getValue(), docs));
    }
    ObjectNode global = properties.putObject("global");
    global.put(
        "description", "Values a parent chart shares with its subcharts; not used by this chart.");
    global.put("type", "object");
    root.put("additionalProperties", false);
    return JSON.writeValueAsString(root) + "\n";
  }

  /**
   * The Markdown table of every values key for the chart's README: key, type, default and the
   * comment, from the same parse as the schema, so the README can't drift from values.yaml.
   *
   * @param valuesYaml the text of values.yaml
   * @return one row per leaf key (and per empty map or list), in file order
   */
  static String markdownTable(String valuesYaml) {
    Map<String, KeyDoc> docs = keyDocs(valuesYaml);
    JsonNode values = ChartRenderer.YAML.readTree(valuesYaml);
    StringBuilder table =
        new StringBuilder("| key | type | default | description |\n|---|---|---|---|\n");
    for (Map.Entry<String, JsonNode> entry : values.properties()) {
      rows(table, entry.getKey(), entry.getValue(), docs);
    }
    return table.toString();
  }

  private static void rows(
      StringBuilder table, String path, JsonNode value, Map<String, KeyDoc> docs) {
    if (value.isObject() && !value.isEmpty()) {
      for (Map.Entry<String, JsonNode> child : value.properties()) {
        rows(table, path + "." + child.getKey(), child.getValue(), docs);
      }
      return;
    }
    KeyDoc doc = docs.get(path);
    if (doc == null) {
      throw new IllegalArgumentException("values.yaml: no comment found for key " + path);
    }
    table
        .append("| `")
        .append(path)
        .append("` | ")
        .append(typeOf(path, value))
        .append(" | `")
        .append(value.toString().replace("|", "\\|"))
        .append("` | ")
        .append(doc.description().replace("|", "\\|"))
        .append(" |\n");
  }

  private static ObjectNode schemaFor(String path, JsonNode value, Map<String, KeyDoc> docs) {
    KeyDoc doc = docs.get(path);
    if (doc == null) {
      throw new IllegalArgumentException("values.yaml: no comment found for key " + path);
    }
    ObjectNode schema = JsonNodeFactory.instance.objectNode();
    schema.put("description", doc.description());
    schema.put("type", typeOf(path, value));
    boolean hasChildren = value.isObject() && !value.isEmpty();
    if (!hasChildren) {
      schema.set("default", value.deepCopy());
    } else {
      ObjectNode properties = schema.putObject("properties");
      for (Map.Entry<String, JsonNode> child : value.properties()) {
        properties.set(
            child.getKey(), schemaFor(path + "." + child.getKey(), child.getValue(), docs));
      }
      schema.put("additionalProperties", false);
    }
    if (doc.schema() != null) {
      for (Map.Entry<String, JsonNode> keyword : doc.schema().properties()) {
        schema.set(keyword.getKey(), keyword.getValue().deepCopy());
      }
    }
    return schema;
  }

  private static String typeOf(String path, JsonNode value) {
    if (value.isObject()) {
      return "object";
    } else if (value.isArray()) {
      return "array";
    } else if (value.isBoolean()) {
      return "boolean";
    } else if (value.isIntegralNumber()) {
      return "integer";
    } else if (value.isNumber()) {
      return "number";
    } else if (value.isString()) {
      return "string";
    }
    throw new IllegalArgumentException(
        "values.yaml: " + path + " has no default value to infer its type from; give it one");
  }

  /** The comment above each key, by dotted path. */
  private static Map<String, KeyDoc> keyDocs(String valuesYaml) {
    Map<String, KeyDoc> docs = new LinkedHashMap<>();
    Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
    List<String> comment = new ArrayList<>();
    int lineNumber = 0;
    for (String line : valuesYaml.split("\n", -1)) {
      lineNumber++;
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        comment.clear();
        continue;
      }
      if (trimmed.startsWith("#")) {
        comment.add(trimmed.substring(1).strip());
        continue;
      }
      Matcher key = KEY.matcher(line);
      if (!key.matches()) {
        throw new IllegalArgumentException(
            "values.yaml:"
                + lineNumber
                + ": not a 'key: value' line; the schema generator"
                + " supports block maps with flow-style lists and maps as values: "
                + line);
      }
      int indent = key.group(1).length();
      while (!parents.isEmpty() && parents.peek().getKey() >= indent) {
        parents.pop();
      }
      List<String> names = new ArrayList<>();
      parents.descendingIterator().forEachRemaining(parent -> names.add(parent.getValue()));
      names.add(key.group(2));
      String path = String.join(".", names);
      parents.push(Map.entry(indent, key.group(2)));
      docs.put(path, keyDoc(path, lineNumber, comment));
      comment.clear();
    }
    return docs;
  }

  private static KeyDoc keyDoc(String path, int lineNumber, List<String> comment) {
    List<String> prose = new ArrayList<>();
    ObjectNode schema = null;
    for (String text : comment) {
      if (text.startsWith(SCHEMA_MARK)) {
        JsonNode parsed = JSON.readTree(text.substring(SCHEMA_MARK.length()).strip());
        if (!parsed.isObject()) {
          throw new IllegalArgumentException(
              "values.yaml:" + lineNumber + ": " + SCHEMA_MARK + " must be a JSON object");
        }
        schema = (ObjectNode) parsed;
      } else {
        prose.add(text);
      }
    }
    if (prose.isEmpty()) {
      throw new IllegalArgumentException(
          "values.yaml:"
              + lineNumber
              + ": key "
              + path
              + " has no comment; every key is documented by the comment above it");
    }
    return new KeyDoc(String.join(" ", prose), schema);
  }
}
