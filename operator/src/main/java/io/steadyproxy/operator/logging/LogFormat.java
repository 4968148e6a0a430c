package io.steadyproxy.operator.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * The layout of the operator's log lines ({@code --log-format}, {@code LOG_FORMAT}): {@code text}
 * or {@code json}, with the proxy's field names so one log pipeline reads both programs.
 */
public enum LogFormat {
  /** {@code 2026-12-02T11:00:00.123+0000 INFO logger: message}, a stack trace on further lines. */
  TEXT,
  /** One JSON object per line: time, level, logger, message, exception fields. */
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
