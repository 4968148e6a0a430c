package io.steadyproxy.operator.logging;

import io.steadyproxy.logging.LogFormat;
import java.io.OutputStream;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

/**
 * The operator's one log: every line, its own and those of fabric8 and Vert.x (whose SLF4J calls
 * reach {@code java.util.logging} through {@code slf4j-jdk14}), goes to stdout in one format.
 */
public final class OperatorLog {
  /** Today's text layout: {@code 2026-12-02T11:00:00.123+0000 INFO logger: message}. */
  static final String TEXT_PATTERN = "%1$tFT%1$tT.%1$tL%1$tz %4$s %3$s: %5$s%6$s%n";

  private OperatorLog() {}

  /**
   * Replaces the root logger's handlers with one that writes to stdout in the given format. A JUL
   * configuration the user passed ({@code -Djava.util.logging.config.file}) is left alone.
   */
  public static void install(LogFormat format) {
    if (System.getProperty("java.util.logging.config.file") != null
        || System.getProperty("java.util.logging.config.class") != null) {
      return;
    }
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(handler(System.out, format));
  }

  /** A handler that writes each record at once (the operator logs little; lines must not wait). */
  static Handler handler(OutputStream out, LogFormat format) {
    return new StreamHandler(out, formatter(format)) {
      @Override
      public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
      }
    };
  }

  /** The formatter of a format. */
  public static Formatter formatter(LogFormat format) {
    return switch (format) {
      case TEXT -> {
        // SimpleFormatter reads its pattern from this property once, when it is made; a pattern
        // the user set (-Djava.util.logging.SimpleFormatter.format) wins.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
          System.setProperty("java.util.logging.SimpleFormatter.format", TEXT_PATTERN);
        }
        yield new SimpleFormatter();
      }
      case JSON -> new JsonLineFormatter();
    };
  }
}
