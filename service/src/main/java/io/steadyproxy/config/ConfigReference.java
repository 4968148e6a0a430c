package io.steadyproxy.config;

/**
 * The settings reference in {@code src-docs/configuration.md}, generated from {@link Key} so the
 * docs cannot drift from the code (a test compares the committed table with this output).
 */
public final class ConfigReference {
  /** Marks the start of the generated table in the docs. */
  public static final String BEGIN =
      "<!-- settings:begin (generated from Key.java; ConfigReferenceTest checks it) -->";

  /** Marks its end. */
  public static final String END = "<!-- settings:end -->";

  private ConfigReference() {}

  /** The Markdown table of every setting. */
  public static String markdown() {
    StringBuilder sb =
        new StringBuilder()
            .append(
                "| JSON / YAML key | environment variable | flag | default | live reload | meaning |\n")
            .append("|---|---|---|---|---|---|\n");
    for (Key key : Key.values()) {
      sb.append("| `")
          .append(key.key())
          .append("` | `")
          .append(key.env())
          .append("` | `")
          .append(key.flag())
          .append("` | ")
          .append(key.defaultValue().map(d -> "`" + d + "`").orElse("(unset)"))
          .append(" | ")
          .append(key.live() ? "yes" : "restart")
          .append(" | ")
          .append(key.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return sb.toString();
  }
}
