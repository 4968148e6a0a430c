package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.SpecProblem;
import io.steadyproxy.operator.reconcile.SpecValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The chart's examples/ are ProxyConfigs the API server accepts, and the kustomization finds them.
 */
class ExamplesTest {

  private static final CrdSchema SCHEMA =
      new CrdSchema(ChartRenderer.YAML.readTree(Repo.generatedCrd()));

  /** The file names of the ProxyConfig examples in the chart's examples/ folder. */
  static Stream<String> examples() throws IOException {
    try (Stream<Path> files = Files.list(Repo.examples())) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.startsWith("proxyconfig-") && name.endsWith(".yaml"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void shouldValidateEveryExampleAgainstTheCrdSchema(String example) {
    JsonNode manifest = ChartRenderer.YAML.readTree(Repo.read(Repo.examples().resolve(example)));
    assertThat(SCHEMA.validate(manifest), is(empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void shouldPassTheOperatorsOwnSpecChecks(String example) {
    // What a schema can't express (a memory limit below maxMemoryUsageMb, pool limits inverted)
    // the operator checks itself and would report as Degraded: the examples pass those too.
    ProxyConfig proxy =
        Serialization.unmarshal(Repo.read(Repo.examples().resolve(example)), ProxyConfig.class);
    Optional<SpecProblem> problem = SpecValidator.check(proxy);
    assertThat(problem.map(SpecProblem::message).orElse("none"), is("none"));
  }

  @Test
  void shouldShipMinimalProductionMultiRouteAndAutoscaledExamples() throws IOException {
    assertThat(
        examples().toList(),
        containsInAnyOrder(
            "proxyconfig-minimal.yaml",
            "proxyconfig-production.yaml",
            "proxyconfig-multi-route.yaml",
            "proxyconfig-autoscaled.yaml"));
    JsonNode multiRoute =
        ChartRenderer.YAML.readTree(
            Repo.read(Repo.examples().resolve("proxyconfig-multi-route.yaml")));
    assertThat(multiRoute.at("/spec/routes").size() > 1, is(true));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      missing upstreamUrl         | {replicas: 1}                                             | upstreamUrl
      upstream without scheme     | {upstreamUrl: backend:8080}                               | upstreamUrl
      thresholds inverted         | {upstreamUrl: 'http://a', cleanupThresholdMb: 600}        | cleanupThresholdMb must be less than maxMemoryUsageMb
      unknown field               | {upstreamUrl: 'http://a', upstream: 'http://b'}           | upstream
      route without slash         | {upstreamUrl: 'http://a', routes: [{prefix: api, upstream: 'http://b'}]} | prefix
      too many connections        | {upstreamUrl: 'http://a', maxConnections: 0}              | maxConnections
      bad service type            | {upstreamUrl: 'http://a', service: {type: ExternalName}}  | type
      CA bundle in a bad kind     | {upstreamUrl: 'https://a', upstreamCaRef: {kind: Configmap, name: ca}} | kind
      CA bundle without a name    | {upstreamUrl: 'https://a', upstreamCaRef: {key: ca.crt}}  | name
      """)
  void shouldRejectInvalidProxyConfigs(String what, String spec, String expected) {
    JsonNode manifest =
        ChartRenderer.YAML.readTree(
            "apiVersion: steadyproxy.io/v1alpha1\nkind: ProxyConfig\nmetadata: {name: bad}\nspec: "
                + spec
                + "\n");
    List<String> problems = SCHEMA.validate(manifest);
    assertThat(problems, not(empty()));
    assertThat(String.join("\n", problems).contains(expected), is(true));
  }

  @Test
  void shouldListOnlyExistingExamplesInTheKustomization() {
    JsonNode kustomization =
        ChartRenderer.YAML.readTree(Repo.read(Repo.examples().resolve("kustomization.yaml")));
    assertThat(kustomization.path("kind").asString(), is("Kustomization"));
    List<String> resources = new ArrayList<>();
    kustomization.path("resources").forEach(r -> resources.add(r.asString()));
    assertThat(resources, not(empty()));
    for (String resource : resources) {
      assertThat(resource, Files.isRegularFile(Repo.examples().resolve(resource)), is(true));
    }
    assertThat(resources, hasItem("proxyconfig-multi-route.yaml"));
  }
}
