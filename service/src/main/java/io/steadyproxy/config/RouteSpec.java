package io.steadyproxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes written on one line, as flags and environment variables take them: {@code
 * /api=http://api:8080;strip,/=http://web:8080}. Each becomes the map a JSON or YAML file would
 * hold, so every source's routes are checked in one place ({@link TypedValues#routes()}).
 */
final class RouteSpec {
  private RouteSpec() {}

  /** Comma-separated specs; blank entries are skipped. */
  static List<Map<String, Object>> list(String value, String source) {
    List<Map<String, Object>> routes = new ArrayList<>();
    for (String spec : value.split(",")) {
      if (!spec.isBlank()) {
        routes.add(parse(spec.trim(), source));
      }
    }
    return routes;
  }

  /** {@code /api=http://api:8080} or {@code /api=http://api:8080;strip}. */
  static Map<String, Object> parse(String spec, String source) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          "routes", source, "route '" + spec + "' must look like /prefix=http://host:port[;strip]");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("prefix", spec.substring(0, eq));
    String rest = spec.substring(eq + 1);
    boolean strip = rest.endsWith(";strip");
    map.put("upstream", strip ? rest.substring(0, rest.length() - ";strip".length()) : rest);
    map.put("strip_prefix", Boolean.toString(strip));
    return map;
  }
}
