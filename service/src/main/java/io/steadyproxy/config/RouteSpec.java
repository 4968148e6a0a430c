package io.steadyproxy.config;

import io.steadyproxy.routing.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes written on one line, as flags and environment variables take them: {@code
 * /api=http://api:8080;strip,/grpc=http://svc:50051;grpc,/=http://web:8080}. Each becomes the map a
 * JSON or YAML file would hold, so every source's routes are checked in one place ({@link
 * TypedValues#routes()}).
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

  /**
   * {@code /api=http://api:8080}, with options after semicolons in any order: {@code ;strip} (strip
   * the prefix) and one protocol, {@code ;http1}, {@code ;h2c} or {@code ;grpc}.
   */
  static Map<String, Object> parse(String spec, String source) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("routes", source, "route '" + spec + "' must look like " + FORM);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("prefix", spec.substring(0, eq));
    String[] parts = spec.substring(eq + 1).split(";", -1);
    map.put("upstream", parts[0]);
    boolean strip = false;
    String protocol = null;
    for (int i = 1; i < parts.length; i++) {
      String option = parts[i].strip();
      if (option.equals("strip")) {
        strip = true;
      } else if (Protocol.parse(option).isPresent() && !option.isEmpty()) {
        if (protocol != null) {
          throw new ConfigException(
              "routes", source, "route '" + spec + "' names two protocols; " + FORM);
        }
        protocol = option;
      } else {
        throw new ConfigException(
            "routes",
            source,
            "route '" + spec + "' has an unknown option ';" + option + "'; " + FORM);
      }
    }
    map.put("strip_prefix", Boolean.toString(strip));
    if (protocol != null) {
      map.put("protocol", protocol);
    }
    return map;
  }

  private static final String FORM = "/prefix=http://host:port[;strip][;h2c|;grpc]";
}
