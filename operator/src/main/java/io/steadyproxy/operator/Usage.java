package io.steadyproxy.operator;

/** The {@code --help} text, built from the settings table so it cannot drift from it. */
final class Usage {
  private Usage() {}

  static String text() {
    StringBuilder sb =
        new StringBuilder(
            """
            usage: steadyproxy-operator [--FLAG VALUE | --FLAG=VALUE]...
                   steadyproxy-operator --check [flags...]   validate the settings and print them; exit 0,
                                                             or 2 with one line naming the setting and its source
                   steadyproxy-operator --version | --help   (each recognised anywhere on the line)

            Each setting comes from its flag or, without one, its environment variable. The Kubernetes
            API server and credentials come from the usual places: in a pod its service account,
            elsewhere KUBECONFIG or ~/.kube/config.

            """);
    // Columns as wide as their longest entry, so a long flag never shifts the rest of its row.
    int flagWidth = "flag".length();
    int envWidth = "environment".length();
    int defaultWidth = "default".length();
    for (OperatorConfig.Setting s : OperatorConfig.SETTINGS) {
      flagWidth = Math.max(flagWidth, s.flag().length() + 2);
      envWidth = Math.max(envWidth, s.env().length());
      defaultWidth = Math.max(defaultWidth, s.defaultValue().length());
    }
    String row = "  %-" + flagWidth + "s  %-" + envWidth + "s  %-" + defaultWidth + "s  %s%n";
    sb.append(String.format(row, "flag", "environment", "default", "meaning"));
    for (OperatorConfig.Setting s : OperatorConfig.SETTINGS) {
      sb.append(String.format(row, "--" + s.flag(), s.env(), s.defaultValue(), s.description()));
    }
    return sb.toString();
  }
}
