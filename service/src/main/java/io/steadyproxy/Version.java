package io.steadyproxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * This build's version ({@code project.version}, from a resource Maven filters at build time), for
 * {@code --version}. A resource rather than the jar manifest's {@code Implementation-Version}: the
 * container image runs from exploded classes, without the jar.
 */
final class Version {
  private Version() {}

  /** The version, or {@code unknown} when the classes run without the filtered resource. */
  static String current() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String v = properties.getProperty("version", "");
      return v.isBlank() || v.contains("${") ? "unknown" : v.trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code steadyproxy 0.1.0 (Java 25.0.1+8-LTS)}: what {@code --version} prints. */
  static String line() {
    return "steadyproxy " + current() + " (Java " + Runtime.version() + ")";
  }
}
