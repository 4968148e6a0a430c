package io.steadyproxy.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code PROXY_*} environment variables as settings. {@code PROXY_CONFIG} (where the file is) and
 * {@code PROXY_JAVA_OPTS} (the launcher's) are not settings; any other unknown name is a warning.
 */
final class Environment {
  private static final String PREFIX = "PROXY_";

  private Environment() {}

  static Map<Key, RawValue> read(Map<String, String> env, List<String> warnings) {
    Map<Key, RawValue> values = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (!name.startsWith(PREFIX)
              || "PROXY_CONFIG".equals(name)
              || "PROXY_JAVA_OPTS".equals(name)) {
            return;
          }
          Optional<Key> key = Key.fromKey(name.substring(PREFIX.length()));
          if (key.isEmpty()) {
            warnings.add("unknown environment variable " + name + " ignored");
            return;
          }
          String source = "env " + name;
          Object raw = key.get() == Key.ROUTES ? RouteSpec.list(value, source) : value;
          values.put(key.get(), new RawValue(raw, source));
        });
    return values;
  }
}
