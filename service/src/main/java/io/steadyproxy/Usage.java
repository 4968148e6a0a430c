package io.steadyproxy;

import io.steadyproxy.config.Key;

/** The {@code --help} text, built from the settings table so it cannot drift from it. */
final class Usage {
  private Usage() {}

  static String text() {
    StringBuilder sb =
        new StringBuilder(
            """
                usage: start-proxy [--config FILE] [--upstream URL] [--route /prefix=URL[;strip]]... [--KEY VALUE]...
                       start-proxy --check [settings...]   read and validate the settings from every source,
                                                          print a summary; exit 0, or 2 with one line naming
                                                          the key and its source
                       start-proxy --version | --help      (each recognised anywhere on the line)

                Sources, highest priority first: flags, PROXY_* environment variables, proxy_config.json
                (working directory or --config / PROXY_CONFIG), the proxy section of application.yaml, defaults.
                Durations are seconds (30, 2.5) or 500ms / 2m / PT30S; memory sizes are MB (500) or 512MB / 1GB.

                """);
    sb.append(
        String.format("  %-30s %-34s %-10s %s%n", "flag", "environment", "default", "meaning"));
    for (Key key : Key.values()) {
      sb.append(
          String.format(
              "  %-30s %-34s %-10s %s%n",
              key.flag(), key.env(), key.defaultValue().orElse("-"), key.description()));
    }
    return sb.toString();
  }
}
