package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** values.schema.json is generated from values.yaml, and Helm enforces it. */
class ValuesSchemaTest {

  @TempDir Path work;

  @Test
  void shouldKeepValuesSchemaInStepWithValuesYaml() {
    GeneratedFile.check(
        Repo.chart().resolve("values.schema.json"),
        ValuesSchemaGenerator.generate(Repo.read(Repo.chart().resolve("values.yaml"))));
  }

  @Test
  void shouldKeepTheChartReadmeValuesTableInStepWithValuesYaml() {
    GeneratedFile.checkSection(
        Repo.chart().resolve("README.md"),
        "values",
        ValuesSchemaGenerator.markdownTable(Repo.read(Repo.chart().resolve("values.yaml"))));
  }

  @Test
  void shouldRefuseAValuesKeyWithoutAComment() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> ValuesSchemaGenerator.generate("# Documented.\nreplicaCount: 1\nworkers: 2\n"));
    assertThat(error.getMessage(), containsString("key workers has no comment"));
  }

  @Test
  void shouldTakeTypesFromDefaultsAndKeywordsFromComments() {
    String schema =
        ValuesSchemaGenerator.generate(
            """
        # How many.
        # +schema: {"minimum": 1}
        replicaCount: 2
        # The image.
        image:
          # When to pull.
          pullPolicy: IfNotPresent
        """);
    assertThat(
        schema,
        allOf(
            containsString("\"description\" : \"How many.\""),
            containsString("\"type\" : \"integer\""),
            containsString("\"minimum\" : 1"),
            containsString("\"additionalProperties\" : false")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      negative replicas          | replicaCount: -1                                  | replicaCount
      replicas as text           | replicaCount: two                                 | replicaCount
      unknown pull policy        | 'image: {pullPolicy: Sometimes}'                  | pullPolicy
      digest without sha256      | 'image: {digest: latest}'                         | digest
      proxy tag in repository    | 'proxyImage: {repository: "steadyproxy/proxy:1.0"}' | repository
      proxy tag with a space     | 'proxyImage: {tag: "1.0 beta"}'                   | tag
      proxy digest not sha256    | 'proxyImage: {digest: latest}'                    | digest
      misspelt key               | replicas: 3                                       | replicas
      misspelt nested key        | 'leaderElection: {enable: false}'                 | enable
      namespace not a DNS label  | 'watchNamespaces: [Shop_Prod]'                    | watchNamespaces
      duplicate namespaces       | 'watchNamespaces: [shop, shop]'                   | watchNamespaces
      lease too short            | 'leaderElection: {leaseDurationSeconds: 1}'       | leaseDurationSeconds
      too many workers           | workers: 65                                       | workers
      crds.enabled as text       | 'crds: {enabled: "yes"}'                          | enabled
      metrics port out of range  | 'metrics: {port: 70000}'                          | port
      scrape interval no unit    | 'metrics: {serviceMonitor: {interval: 30}}'       | interval
      """)
  void shouldRejectBadValuesWithAClearMessage(String what, String values, String key) {
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class, () -> new ChartRenderer(work).template(values + "\n"));
    assertThat(
        error.getMessage(),
        allOf(
            containsString("values don't meet the specifications of the schema"),
            containsString(key)));
  }
}
