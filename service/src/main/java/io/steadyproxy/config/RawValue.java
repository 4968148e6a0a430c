package io.steadyproxy.config;

/**
 * One setting as a source gave it, before any parsing: a string, or for {@code routes} a list of
 * maps; {@code null} when a JSON file says {@code null}.
 *
 * @param raw the value
 * @param source where it came from, as error messages name it ({@code env PROXY_PORT})
 */
record RawValue(Object raw, String source) {
  /** The source of a value nobody set. */
  static final String DEFAULT = "default";
}
