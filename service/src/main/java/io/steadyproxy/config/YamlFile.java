package io.steadyproxy.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code proxy} section of {@code application.yaml} as settings, read with Helidon Config: the
 * file in the working directory, else the one on the class path. Unknown keys are warnings.
 */
final class YamlFile {
  private static final String SOURCE = "application.yaml proxy";

  private YamlFile() {}

  static Map<Key, RawValue> read(Path file, List<String> warnings) {
    Config config =
        Config.builder()
            .disableEnvironmentVariablesSource()
            .disableSystemPropertiesSource()
            .addSource(ConfigSources.file(file).optional(true))
            .addSource(ConfigSources.classpath("application.yaml").optional(true))
            .build()
            .get("proxy");
    Map<Key, RawValue> values = new LinkedHashMap<>();
    if (!config.exists()) {
      return values;
    }
    for (Config node : config.asNodeList().orElse(List.of())) {
      String name = node.name();
      Optional<Key> key = Key.fromKey(name);
      if (key.isEmpty()) {
        warnings.add("unknown key 'proxy." + name + "' in application.yaml ignored");
      } else if (key.get() == Key.ROUTES) {
        values.put(Key.ROUTES, new RawValue(routes(node), SOURCE + ".routes"));
      } else {
        node.asString().ifPresent(s -> values.put(key.get(), new RawValue(s, SOURCE + "." + name)));
      }
    }
    return values;
  }

  /** Each list item as a map of its leaf names ({@code prefix}, not {@code routes.0.prefix}). */
  private static List<Map<String, Object>> routes(Config node) {
    return node.asNodeList().orElse(List.of()).stream()
        .map(
            route -> {
              Map<String, Object> map = new LinkedHashMap<>();
              route
                  .asMap()
                  .orElse(Map.of())
                  .forEach((k, v) -> map.put(k.substring(k.lastIndexOf('.') + 1), v));
              return map;
            })
        .toList();
  }
}
