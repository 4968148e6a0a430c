package io.steadyproxy.config;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every setting's winning raw value and its source: the sources merged, the first that sets a key
 * winning, and the seed's defaults filling the rest. Nothing is parsed here.
 */
final class RawValues {
  private final Map<Key, RawValue> values;

  private RawValues(Map<Key, RawValue> values) {
    this.values = values;
  }

  /**
   * Merges sources given highest priority first (flags, env, JSON file, YAML), then the defaults.
   */
  static RawValues merge(List<Map<Key, RawValue>> layers) {
    Map<Key, RawValue> merged = new EnumMap<>(Key.class);
    for (Map<Key, RawValue> layer : layers) {
      layer.forEach(merged::putIfAbsent);
    }
    for (Key key : Key.values()) {
      key.defaultValue().ifPresent(d -> merged.putIfAbsent(key, new RawValue(d, RawValue.DEFAULT)));
    }
    return new RawValues(merged);
  }

  /** The raw value, if any source (or a default) set one. */
  Optional<Object> raw(Key key) {
    RawValue v = values.get(key);
    return v == null ? Optional.empty() : Optional.ofNullable(v.raw());
  }

  /** Where the value came from; {@code default} when nothing set it. */
  String source(Key key) {
    RawValue v = values.get(key);
    return v == null ? RawValue.DEFAULT : v.source();
  }

  /** Whether no source set the key. */
  boolean isDefault(Key key) {
    return RawValue.DEFAULT.equals(source(key));
  }

  /** The source of every key, for errors found after the settings are built. */
  Map<Key, String> sources() {
    Map<Key, String> sources = new EnumMap<>(Key.class);
    for (Key key : Key.values()) {
      sources.put(key, source(key));
    }
    return sources;
  }
}
