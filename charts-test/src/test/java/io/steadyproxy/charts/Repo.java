package io.steadyproxy.charts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the chart, its examples, the docs and the generated CRD are. */
final class Repo {

  /** The generated CRD, on the classpath through the operator module. */
  static final String GENERATED_CRD_RESOURCE =
      "META-INF/fabric8/proxyconfigs.steadyproxy.io-v1.yml";

  /** Set to {@code true} ({@code -Dsteadyproxy.regenerate=true}) to rewrite generated files. */
  static final boolean REGENERATE = Boolean.getBoolean("steadyproxy.regenerate");

  private Repo() {}

  /** The repository root: the {@code steadyproxy.repo} property Surefire sets, or {@code ..}. */
  static Path root() {
    return Path.of(System.getProperty("steadyproxy.repo", "..")).toAbsolutePath().normalize();
  }

  /** {@code charts/steadyproxy-operator}. */
  static Path chart() {
    return root().resolve("charts/steadyproxy-operator");
  }

  /** {@code charts/steadyproxy-operator/examples}. */
  static Path examples() {
    return chart().resolve("examples");
  }

  /** {@code src-docs/kubernetes.md}. */
  static Path kubernetesDocs() {
    return root().resolve("src-docs/kubernetes.md");
  }

  /** The CRD YAML exactly as the operator build generated it. */
  static String generatedCrd() {
    try (InputStream in = Repo.class.getClassLoader().getResourceAsStream(GENERATED_CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            GENERATED_CRD_RESOURCE + " is not on the classpath: build the operator module first");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a UTF-8 file. */
  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a UTF-8 file. */
  static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
