package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * "Is everything we asked for still there?" Compares a desired JSON tree with an actual one, where
 * the actual may hold more: fields the API server defaulted (a probe's {@code timeoutSeconds}, a
 * container's {@code terminationMessagePath}) or that other actors own.
 *
 * <p>Lists of named objects (containers, env, volumes, volumeMounts, ports, imagePullSecrets: the
 * lists whose entries each carry a {@code name}) are matched by name, in any order, and entries
 * only the actual list has are ignored: a mutating webhook that appends an env var or a sidecar
 * container is not drift. Other lists (args, tolerations, capabilities) must match element by
 * element, as the API server keeps list order. Entries we stopped asking for are not seen here;
 * {@link DesiredDeployment#SPEC_HASH_ANNOTATION} catches those.
 */
final class JsonSubset {

  /** Fields whose values are resource quantities: {@code 1Gi} and {@code 1024Mi} are the same. */
  private static final Set<String> QUANTITY_FIELDS = Set.of("limits", "requests");

  private JsonSubset() {}

  static boolean covers(JsonNode actual, JsonNode desired) {
    return covers(actual, desired, false);
  }

  private static boolean covers(JsonNode actual, JsonNode desired, boolean quantities) {
    if (desired == null || desired.isNull() || desired.isMissingNode()) {
      return true;
    }
    if (actual == null || actual.isNull() || actual.isMissingNode()) {
      return (desired.isObject() || desired.isArray()) && desired.isEmpty();
    }
    if (desired.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> field : desired.properties()) {
        // The values inside "limits" and "requests" are quantities.
        boolean valuesAreQuantities = quantities || QUANTITY_FIELDS.contains(field.getKey());
        if (!covers(actual.get(field.getKey()), field.getValue(), valuesAreQuantities)) {
          return false;
        }
      }
      return true;
    }
    if (desired.isArray()) {
      if (!actual.isArray()) {
        return false;
      }
      if (named(desired)) {
        for (JsonNode d : desired) {
          JsonNode a = byName(actual, d.get("name").asString());
          if (a == null || !covers(a, d, false)) {
            return false;
          }
        }
        return true;
      }
      if (actual.size() != desired.size()) {
        return false;
      }
      Iterator<JsonNode> a = actual.iterator();
      for (JsonNode d : desired) {
        if (!covers(a.next(), d, false)) {
          return false;
        }
      }
      return true;
    }
    if (desired.isNumber() && actual.isNumber()) {
      return desired.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    if (quantities && sameQuantity(actual, desired)) {
      return true;
    }
    return desired.equals(actual);
  }

  /** Whether every entry is an object with a string {@code name}, unique in the list. */
  private static boolean named(JsonNode list) {
    if (list.isEmpty()) {
      return false;
    }
    Set<String> names = new HashSet<>();
    for (JsonNode entry : list) {
      if (!entry.isObject()
          || !entry.path("name").isString()
          || !names.add(entry.get("name").asString())) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode byName(JsonNode list, String name) {
    for (JsonNode entry : list) {
      if (entry.isObject() && name.equals(entry.path("name").asString(null))) {
        return entry;
      }
    }
    return null;
  }

  private static boolean sameQuantity(JsonNode actual, JsonNode desired) {
    try {
      return Quantity.getAmountInBytes(new Quantity(actual.asString()))
              .compareTo(Quantity.getAmountInBytes(new Quantity(desired.asString())))
          == 0;
    } catch (RuntimeException notQuantities) {
      return false;
    }
  }
}
