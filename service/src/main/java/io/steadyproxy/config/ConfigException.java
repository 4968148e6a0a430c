package io.steadyproxy.config;

/**
 * A setting that cannot be used. The message is one line that names the key, where the value came
 * from and what is wrong, so that an operator can fix it without reading a stack trace.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String source;

  /**
   * @param key the setting's canonical key ({@code max_connections})
   * @param source where the value came from ({@code env PROXY_MAX_CONNECTIONS}, {@code file
   *     proxy_config.json})
   * @param problem what is wrong with it
   */
  public ConfigException(String key, String source, String problem) {
    super("invalid setting '" + key + "' from " + source + ": " + problem);
    this.key = key;
    this.source = source;
  }

  /** The canonical key of the bad setting. */
  public String key() {
    return key;
  }

  /** Where the bad value came from. */
  public String source() {
    return source;
  }
}
