package io.steadyproxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line as settings: {@code --port 8000} or {@code --port=8000}, one flag per {@link
 * Key}, {@code --route} repeatable, plus {@code --config}, which only says where the file source
 * is.
 *
 * @param values the settings the flags set, each with its flag as source
 * @param configFile the {@code --config} value, if given
 */
record CommandLine(Map<Key, RawValue> values, Optional<String> configFile) {

  /**
   * Parses the arguments.
   *
   * @throws ConfigException for a stray argument, an unknown flag or a flag without a value
   */
  static CommandLine parse(String[] args) {
    Map<Key, RawValue> values = new LinkedHashMap<>();
    String configFile = null;
    List<Map<String, Object>> routes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!name.startsWith("--")) {
        throw new ConfigException(
            arg, "the command line", "unexpected argument (flags look like --port 8000)");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new ConfigException(name.substring(2), "flag " + name, "needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--config" -> configFile = value;
        case "--upstream" -> values.put(Key.UPSTREAM_URL, new RawValue(value, "flag --upstream"));
        case "--route", "--routes" -> routes.addAll(RouteSpec.list(value, "flag " + name));
        default -> {
          String flag = name;
          Key key =
              Key.fromKey(flag.substring(2))
                  .orElseThrow(
                      () ->
                          new ConfigException(
                              flag.substring(2),
                              "the command line",
                              "unknown flag " + flag + " (see --help)"));
          values.put(key, new RawValue(value, "flag " + flag));
        }
      }
    }
    if (!routes.isEmpty()) {
      values.put(Key.ROUTES, new RawValue(routes, "flag --route"));
    }
    return new CommandLine(values, Optional.ofNullable(configFile));
  }
}
