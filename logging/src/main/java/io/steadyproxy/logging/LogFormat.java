package io.steadyproxy.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * The layout of the log lines of both programs (the proxy's {@code log_format}, the operator's
 * {@code --log-format}): {@code text}, one readable line per event, or {@code json}, one JSON
 * object per line for Loki, Elasticsearch or Cloud Logging.
 */
public enum LogFormat {
  /** {@code 2026-12-02T11:00:00.123Z INFO logger message key=value ...}. */
  TEXT,
  /** {@code {"time":"2026-12-02T11:00:00.123Z","level":"INFO","logger":...,"message":...}}. */
  JSON;

  /** The setting's value, e.g. {@code json}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format named by a setting's value, case-insensitively. */
  public static Optional<LogFormat> fromKey(String value) {
    for (LogFormat f : values()) {
      if (f.key().equalsIgnoreCase(value.trim())) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
