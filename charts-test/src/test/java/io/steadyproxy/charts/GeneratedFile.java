package io.steadyproxy.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

/**
 * A committed file (or a marked part of one) that a generator owns. The test compares the committed
 * text with what the generator produces now and fails on any difference, naming the command that
 * rewrites it; with {@code -Dsteadyproxy.regenerate=true} it rewrites the file instead.
 */
final class GeneratedFile {

  private GeneratedFile() {}

  /**
   * Checks (or rewrites) a whole generated file.
   *
   * @param file the committed file
   * @param expected what the generator produces
   */
  static void check(Path file, String expected) {
    if (Repo.REGENERATE) {
      Repo.write(file, expected);
      return;
    }
    String actual = file.toFile().exists() ? Repo.read(file) : "";
    assertEquals(expected, actual, message(file));
  }

  /**
   * Checks (or rewrites) the part of a file between {@code <!-- BEGIN GENERATED: id -->} and {@code
   * <!-- END GENERATED: id -->}; the rest of the file is prose and left alone.
   *
   * @param file the committed file
   * @param id the marker id
   * @param expected what the generator produces for the part between the markers
   */
  static void checkSection(Path file, String id, String expected) {
    String text = Repo.read(file);
    String begin = "<!-- BEGIN GENERATED: " + id + " -->\n";
    String end = "<!-- END GENERATED: " + id + " -->";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new AssertionError(file + " has no section marked " + begin.trim() + " ... " + end);
    }
    String actual = text.substring(from + begin.length(), to);
    if (Repo.REGENERATE) {
      Repo.write(file, text.substring(0, from + begin.length()) + expected + text.substring(to));
      return;
    }
    assertEquals(expected, actual, message(file) + " (section " + id + ")");
  }

  private static String message(Path file) {
    return Repo.root().relativize(file)
        + " drifted from its generator; rewrite it with"
        + " `mvn -pl service,operator -am install -DskipTests && mvn -pl charts-test test -Dsteadyproxy.regenerate=true`,"
        + " run the tests again without the flag and review the diff";
  }
}
