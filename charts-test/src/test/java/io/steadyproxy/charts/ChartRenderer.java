package io.steadyproxy.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart, driven by real Helm 3 in-process (helm-java, a native build of Helm loaded through
 * JNA): {@code helm lint --strict}, {@code helm template} and a client-only dry-run {@code helm
 * install}. Values come from YAML text, as a user's {@code -f values.yaml} would.
 */
final class ChartRenderer {

  /** The release name every test renders with. */
  static final String RELEASE = "steadyproxy-operator";

  /** The release namespace every test renders with. */
  static final String NAMESPACE = "steadyproxy-system";

  /**
   * The Kubernetes version rendered against (Helm's client-only default, 1.20, is too old for the
   * chart).
   */
  static final String KUBE_VERSION = "v1.31.0";

  static final YAMLMapper YAML = YAMLMapper.builder().build();

  private final Path workDir;

  /**
   * @param workDir a scratch directory for values files and chart copies (a JUnit {@code @TempDir})
   */
  ChartRenderer(Path workDir) {
    this.workDir = workDir;
  }

  /**
   * {@code helm template} with the given values.
   *
   * @param valuesYaml a values file's content; empty for the chart's defaults
   * @return the rendered manifests, as Helm prints them
   * @throws IllegalStateException with Helm's message when rendering fails (schema, {@code fail})
   */
  String template(String valuesYaml) {
    return template(Repo.chart(), valuesYaml);
  }

  /**
   * {@code helm template} of a chart directory with the given values.
   *
   * @param chart the chart directory
   * @param valuesYaml a values file's content; empty for the chart's defaults
   */
  String template(Path chart, String valuesYaml) {
    return new Helm(chart)
        .template()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION)
        .withValuesFile(valuesFile(valuesYaml))
        .call();
  }

  /**
   * {@code helm template} with the test hooks rendered as ordinary manifests: {@code helm template}
   * (and helm-java) leave hooks out, so the hook annotation is dropped from a copy of the chart to
   * let the tests check the {@code helm test} Pod like any other pod.
   *
   * @param valuesYaml a values file's content
   */
  String templateWithTestHooks(String valuesYaml) {
    Path copy = copyChart("with-hooks");
    try (Stream<Path> files = Files.walk(copy.resolve("templates/tests"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Repo.write(
            file, Repo.read(file).replace("helm.sh/hook: test", "steadyproxy.io/was-hook: test"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return template(copy, valuesYaml);
  }

  /**
   * {@code helm template} of a copy of the chart whose {@code Chart.yaml} says another appVersion,
   * as {@code helm package --app-version} does in the release workflow.
   *
   * @param appVersion the copy's appVersion
   * @param valuesYaml a values file's content
   */
  String templateWithAppVersion(String appVersion, String valuesYaml) {
    Path copy = copyChart("app-version");
    Path chartYaml = copy.resolve("Chart.yaml");
    String original = Repo.read(chartYaml);
    String changed =
        original.replaceFirst("(?m)^appVersion: .*$", "appVersion: \"" + appVersion + "\"");
    if (changed.equals(original)) {
      throw new IllegalStateException("Chart.yaml has no appVersion line to replace");
    }
    Repo.write(chartYaml, changed);
    return template(copy, valuesYaml);
  }

  /**
   * {@code helm lint --strict} with the given values. helm-java's lint takes no values file, so the
   * values are merged into a copy of the chart's {@code values.yaml}, which is what Helm does with
   * {@code -f} before it lints.
   *
   * @param valuesYaml values to merge over the defaults; empty for the defaults
   */
  LintResult lintStrict(String valuesYaml) {
    Path chart = Repo.chart();
    if (!valuesYaml.isBlank()) {
      chart = copyChart("lint");
      ObjectNode merged = (ObjectNode) YAML.readTree(Repo.read(chart.resolve("values.yaml")));
      merge(merged, YAML.readTree(valuesYaml));
      Repo.write(chart.resolve("values.yaml"), YAML.writeValueAsString(merged));
    }
    return new Helm(chart).lint().strict().call();
  }

  /**
   * A client-only dry-run {@code helm install}: no cluster, but the release notes are rendered.
   *
   * @param valuesYaml a values file's content
   */
  Release dryRunInstall(String valuesYaml) {
    return new Helm(Repo.chart())
        .install()
        .withName(RELEASE)
        .withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION)
        .withValuesFile(valuesFile(valuesYaml))
        .dryRun()
        .clientOnly()
        .call();
  }

  /**
   * Splits {@code helm template} output into its documents.
   *
   * @param manifests Helm's output
   * @return every non-empty document, parsed
   */
  static List<JsonNode> documents(String manifests) {
    List<JsonNode> documents = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : (manifests + "\n---").split("\n")) {
      if (line.equals("---")) {
        JsonNode document = YAML.readTree(current.toString());
        if (document != null && document.isObject() && !document.isEmpty()) {
          documents.add(document);
        }
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    return documents;
  }

  /**
   * The documents of one kind.
   *
   * @param documents parsed documents
   * @param kind for example {@code Role}
   */
  static List<JsonNode> ofKind(List<JsonNode> documents, String kind) {
    return documents.stream().filter(d -> d.path("kind").asString("").equals(kind)).toList();
  }

  private Path valuesFile(String valuesYaml) {
    try {
      Path file = Files.createTempFile(workDir, "values-", ".yaml");
      Files.writeString(file, valuesYaml.isBlank() ? "{}\n" : valuesYaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path copyChart(String purpose) {
    try {
      Path target =
          Files.createTempDirectory(workDir, purpose + "-").resolve("steadyproxy-operator");
      Path source = Repo.chart();
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : files.toList()) {
          Path to = target.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.copy(file, to);
          }
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Helm's merge of a values file over the defaults: maps merge key by key, the rest replaces. */
  private static void merge(ObjectNode base, JsonNode override) {
    for (Map.Entry<String, JsonNode> entry : override.properties()) {
      JsonNode existing = base.get(entry.getKey());
      if (existing instanceof ObjectNode existingObject && entry.getValue().isObject()) {
        merge(existingObject, entry.getValue());
      } else {
        base.set(entry.getKey(), entry.getValue().deepCopy());
      }
    }
  }
}
