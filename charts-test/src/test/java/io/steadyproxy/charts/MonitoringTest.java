package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.proxy.ErrorClass;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chart's monitoring objects: the proxies' PodMonitor, the PrometheusRule and the Grafana
 * dashboard. Each alert and each dashboard query is parsed as PromQL ({@link PromQl}) and may only
 * use metric and label names a live proxy and the operator really export ({@link MetricCatalog}),
 * as promtool would check the rules and a renamed metric would otherwise silence an alert.
 */
class MonitoringTest {

  /** Every monitoring object on, with the chart's defaults otherwise (all namespaces). */
  static final String ALL_ON =
      """
      monitoring:
        podMonitor:
          enabled: true
        prometheusRule:
          enabled: true
        grafanaDashboard:
          enabled: true
      metrics:
        serviceMonitor:
          enabled: true
      """;

  private static final Set<String> MONITORING_TEMPLATES =
      Set.of("servicemonitor.yaml", "proxy-podmonitor.yaml", "prometheusrule.yaml");

  private static final Pattern DURATION = Pattern.compile("^[0-9]+(ms|s|m|h)$");

  @TempDir Path work;

  private List<JsonNode> render(String values) {
    return ChartRenderer.documents(new ChartRenderer(work).template(values));
  }

  private static JsonNode only(List<JsonNode> documents, String kind) {
    List<JsonNode> ofKind = ChartRenderer.ofKind(documents, kind);
    assertThat(kind + " objects", ofKind.size(), is(1));
    return ofKind.get(0);
  }

  private static List<JsonNode> rules(JsonNode prometheusRule) {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode group : prometheusRule.at("/spec/groups")) {
      group.path("rules").forEach(rules::add);
    }
    return rules;
  }

  /** The documents of the monitoring templates, as Helm printed them (for the golden files). */
  private String monitoringManifests(String values) {
    String manifests = new ChartRenderer(work).template(values);
    StringBuilder out = new StringBuilder();
    for (String document : manifests.split("(?m)^---\n")) {
      Matcher source = Pattern.compile("(?m)^# Source: [^/]+/templates/(\\S+)$").matcher(document);
      if (source.find() && MONITORING_TEMPLATES.contains(source.group(1))) {
        out.append("---\n").append(document.strip()).append('\n');
      }
    }
    return out.toString();
  }

  @Test
  void shouldRenderNoMonitoringObjectsByDefault() {
    List<JsonNode> documents = render(ValuesSets.DEFAULTS);
    for (String kind : List.of("PodMonitor", "PrometheusRule", "ServiceMonitor")) {
      assertThat(kind, ChartRenderer.ofKind(documents, kind), is(empty()));
    }
    assertThat(ChartRenderer.ofKind(documents, "ConfigMap"), is(empty()));
  }

  @Test
  void shouldMatchTheGoldenFilesForAllNamespaces() {
    GeneratedFile.check(goldenFile("monitoring-all-namespaces.yaml"), monitoringManifests(ALL_ON));
  }

  @Test
  void shouldMatchTheGoldenFilesForANamespaceList() {
    GeneratedFile.check(
        goldenFile("monitoring-namespaced.yaml"), monitoringManifests(ValuesSets.namespaced()));
  }

  private static Path goldenFile(String name) {
    return Repo.root().resolve("charts-test/src/test/golden").resolve(name);
  }

  @Test
  void shouldScrapeEveryProxyPodOnItsAdminPortInEveryNamespace() {
    JsonNode monitor = only(render(ALL_ON), "PodMonitor");
    assertThat(monitor.at("/spec/namespaceSelector/any").asBoolean(), is(true));
    assertThat(
        monitor.at("/spec/selector/matchLabels/app.kubernetes.io~1managed-by").asString(),
        is("steadyproxy-operator"));
    assertThat(
        monitor.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asString(),
        is("steadyproxy"));
    JsonNode endpoint = monitor.at("/spec/podMetricsEndpoints/0");
    // the port the operator names on every proxy container (DesiredDeployment)
    assertThat(endpoint.path("port").asString(), is("admin"));
    assertThat(endpoint.path("path").asString(), is("/observe/metrics"));
    assertThat(endpoint.at("/relabelings/0/targetLabel").asString(), is("proxyconfig"));
  }

  @Test
  void shouldSelectThePodsAndPortTheOperatorRenders() {
    // the contract between the chart's PodMonitor and the operator's DesiredDeployment: a renamed
    // port or label in the operator would leave the PodMonitor scraping nothing
    JsonNode monitor = only(render(ALL_ON), "PodMonitor");
    io.fabric8.kubernetes.api.model.apps.Deployment deployment =
        io.steadyproxy.operator.Samples.deployment(
            io.steadyproxy.operator.Samples.proxy("shop", "edge"));
    java.util.Map<String, String> podLabels =
        deployment.getSpec().getTemplate().getMetadata().getLabels();
    for (var entry : monitor.at("/spec/selector/matchLabels").properties()) {
      assertThat(entry.getKey(), podLabels.get(entry.getKey()), is(entry.getValue().asString()));
    }
    String port = monitor.at("/spec/podMetricsEndpoints/0/port").asString();
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getPorts().stream().map(p -> p.getName()).toList(), hasItem(port));
    // the PodMonitor's proxyconfig label comes from the instance label, the ProxyConfig's name
    assertThat(podLabels.get("app.kubernetes.io/instance"), is("edge"));
  }

  @Test
  void shouldScrapeOnlyTheWatchedNamespacesWithANamespaceList() {
    JsonNode monitor = only(render(ValuesSets.namespaced()), "PodMonitor");
    List<String> names = new ArrayList<>();
    monitor.at("/spec/namespaceSelector/matchNames").forEach(n -> names.add(n.asString()));
    assertThat(names, equalTo(List.of("shop", "payments")));
    assertThat(monitor.at("/spec/namespaceSelector/any").isMissingNode(), is(true));
    assertThat(monitor.at("/metadata/labels/release").asString(), is("prometheus"));
  }

  @Test
  void shouldKeepTheOperatorsNamespaceLabelOnItsPerProxyConfigSeries() {
    JsonNode monitor = only(render(ALL_ON), "ServiceMonitor");
    assertThat(monitor.at("/spec/endpoints/0/honorLabels").asBoolean(), is(true));
  }

  @Test
  void shouldParseEveryAlertAndUseOnlyExportedMetrics() {
    List<JsonNode> rules = rules(only(render(ALL_ON), "PrometheusRule"));
    assertThat(rules.size(), is(12));
    List<String> problems = new ArrayList<>();
    for (JsonNode rule : rules) {
      String alert = rule.path("alert").asString();
      try {
        PromQl.Parsed parsed = PromQl.parse(rule.path("expr").asString());
        if (parsed.type() != PromQl.Type.VECTOR) {
          problems.add(alert + ": an alert expression must be an instant vector");
        }
        problems.addAll(unknownNames(alert, parsed));
      } catch (PromQl.PromQlException e) {
        problems.add(alert + ": " + e.getMessage());
      }
    }
    assertThat(problems, is(empty()));
  }

  @Test
  void shouldGiveEveryAlertADurationSeveritySummaryDescriptionAndRunbook() {
    String runbook = Repo.read(Repo.root().resolve("src-docs/operations.md"));
    Set<String> anchors = anchors(runbook);
    List<String> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode rule : rules(only(render(ALL_ON), "PrometheusRule"))) {
      String alert = rule.path("alert").asString();
      if (!alert.matches("SteadyProxy[A-Za-z0-9]+") || !names.add(alert)) {
        problems.add(alert + ": not a unique SteadyProxy* name");
      }
      if (!DURATION.matcher(rule.path("for").asString("")).matches()) {
        problems.add(alert + ": no for: duration");
      }
      if (!Set.of("critical", "warning", "info")
          .contains(rule.at("/labels/severity").asString(""))) {
        problems.add(alert + ": severity is not critical, warning or info");
      }
      for (String annotation : List.of("summary", "description")) {
        if (rule.at("/annotations/" + annotation).asString("").isBlank()) {
          problems.add(alert + ": no " + annotation);
        }
      }
      String section = alert.toLowerCase(Locale.ROOT);
      if (!rule.at("/annotations/runbook").asString("").equals("src-docs/operations.md#" + section)
          || !anchors.contains(section)) {
        problems.add(alert + ": no runbook section '### " + alert + "' in operations.md");
      }
      if (!rule.at("/annotations/runbook_url").isMissingNode()) {
        problems.add(alert + ": a runbook_url without runbookBaseUrl");
      }
    }
    assertThat(problems, is(empty()));
    // and every runbook section is for an alert that exists
    Set<String> sections = new TreeSet<>();
    Matcher heading = Pattern.compile("(?m)^### (SteadyProxy[A-Za-z0-9]+)$").matcher(runbook);
    while (heading.find()) {
      sections.add(heading.group(1));
    }
    assertThat(sections, equalTo(new TreeSet<>(names)));
  }

  @Test
  void shouldApplyTheAlertLabelsRunbookUrlAndDisabledAlerts() {
    List<JsonNode> rules = rules(only(render(ValuesSets.namespaced()), "PrometheusRule"));
    List<String> alerts = rules.stream().map(r -> r.path("alert").asString()).toList();
    assertThat(alerts, not(hasItem("SteadyProxyContainerMemoryNearLimit")));
    assertThat(alerts.size(), is(11));
    for (JsonNode rule : rules) {
      String alert = rule.path("alert").asString();
      assertThat(alert, rule.at("/labels/team").asString(), is("platform"));
      // the chart's severity wins over one in alertLabels (no duplicate key either)
      assertThat(alert, rule.at("/labels/severity").asString(), not("ignored-the-chart-sets-it"));
      assertThat(
          rule.at("/annotations/runbook_url").asString(),
          is("https://docs.example.com/steadyproxy/operations#" + alert.toLowerCase(Locale.ROOT)));
    }
  }

  @Test
  void shouldShipTheDashboardInAConfigMapForTheGrafanaSidecar() {
    JsonNode configMap = only(render(ValuesSets.namespaced()), "ConfigMap");
    assertThat(configMap.at("/metadata/namespace").asString(), is("monitoring"));
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asString(), is("1"));
    assertThat(configMap.at("/metadata/annotations/grafana_folder").asString(), is("SteadyProxy"));
    assertThat(
        configMap.at("/data/steadyproxy.json").asString(),
        equalTo(Repo.read(dashboardFile()).strip()));
    JsonNode defaults = only(render(ALL_ON), "ConfigMap");
    assertThat(defaults.at("/metadata/namespace").asString(), is(ChartRenderer.NAMESPACE));
  }

  private static Path dashboardFile() {
    return Repo.chart().resolve("dashboards/steadyproxy.json");
  }

  @Test
  void shouldShipADashboardWhosePanelsQueryExportedMetrics() {
    JsonNode dashboard = JsonMapper.builder().build().readTree(Repo.read(dashboardFile()));
    assertThat(dashboard.path("uid").asString(""), not(""));
    assertThat(dashboard.path("title").asString(""), not(""));
    List<String> problems = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    int targets = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      String title = panel.path("title").asString();
      if (!panel.path("id").isInt() || !ids.add(panel.path("id").asInt())) {
        problems.add(title + ": id missing or not unique");
      }
      if (panel.path("type").asString().equals("row")) {
        continue;
      }
      if (!panel.at("/datasource/uid").asString("").equals("${datasource}")) {
        problems.add(title + ": datasource is not the ${datasource} variable");
      }
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.path("targets")) {
        targets++;
        if (!refIds.add(target.path("refId").asString(""))) {
          problems.add(title + ": refId not unique");
        }
        String expr = target.path("expr").asString("");
        try {
          PromQl.Parsed parsed = PromQl.parse(grafanaVariablesReplaced(expr));
          problems.addAll(unknownNames(title, parsed));
        } catch (PromQl.PromQlException e) {
          problems.add(title + ": " + e.getMessage());
        }
      }
      if (panel.path("targets").isEmpty()) {
        problems.add(title + ": no query");
      }
    }
    Pattern labelValues = Pattern.compile("^label_values\\((.+), *([a-zA-Z_][a-zA-Z0-9_]*)\\)$");
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (!variable.path("type").asString().equals("query")) {
        continue;
      }
      Matcher m = labelValues.matcher(variable.at("/query/query").asString());
      if (!m.matches()) {
        problems.add("variable " + variable.path("name").asString() + ": not label_values(...)");
        continue;
      }
      PromQl.Parsed parsed = PromQl.parse(grafanaVariablesReplaced(m.group(1)));
      problems.addAll(unknownNames("variable " + variable.path("name").asString(), parsed));
      for (String metric : parsed.metrics()) {
        if (!MetricCatalog.get().labelsOf(metric).contains(m.group(2))) {
          problems.add("variable " + variable.path("name").asString() + ": no label " + m.group(2));
        }
      }
    }
    assertThat(problems, is(empty()));
    assertThat(targets > 20, is(true));
  }

  /**
   * Grafana replaces its variables before Prometheus sees a query: {@code $__rate_interval} and the
   * like by a duration, {@code $namespace} inside label values by the chosen values.
   */
  static String grafanaVariablesReplaced(String expr) {
    return expr.replace("$__rate_interval", "1m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h");
  }

  /**
   * Metric names that no exporter has, label names those metrics lack, and label values outside the
   * fixed sets the code defines.
   */
  static List<String> unknownNames(String where, PromQl.Parsed parsed) {
    MetricCatalog catalog = MetricCatalog.get();
    List<String> problems = new ArrayList<>();
    Set<String> errorClasses =
        Arrays.stream(ErrorClass.values()).map(ErrorClass::code).collect(Collectors.toSet());
    for (PromQl.Selector selector : parsed.selectors()) {
      if (selector.metric().isEmpty()) {
        problems.add(where + ": a selector without a metric name");
        continue;
      }
      if (!catalog.has(selector.metric())) {
        problems.add(where + ": no exporter has the metric " + selector.metric());
        continue;
      }
      Set<String> labels = catalog.labelsOf(selector.metric());
      for (PromQl.Matcher matcher : selector.matchers()) {
        if (!labels.contains(matcher.label())) {
          problems.add(where + ": " + selector.metric() + " has no label " + matcher.label());
        }
        if (!matcher.op().equals("=")) {
          continue;
        }
        if (matcher.label().equals("class") && !errorClasses.contains(matcher.value())) {
          problems.add(where + ": no error class " + matcher.value());
        }
        if (matcher.label().equals("state")
            && !OperatorMetrics.WATCHDOG_STATES.contains(matcher.value())) {
          problems.add(where + ": no watchdog state " + matcher.value());
        }
      }
    }
    return problems;
  }

  /** GitHub's heading anchors of a Markdown text, lower case. */
  private static Set<String> anchors(String markdown) {
    Set<String> anchors = new LinkedHashSet<>();
    Matcher heading = Pattern.compile("(?m)^#+ (.+)$").matcher(markdown);
    while (heading.find()) {
      anchors.add(
          heading
              .group(1)
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^a-z0-9 _-]", "")
              .replace(' ', '-'));
    }
    return anchors;
  }

  @Test
  void shouldFindEveryFamilyThatTheLiveProxyAndOperatorExport() {
    // the catalog must be a real scrape: the lazily created families are there too
    MetricCatalog catalog = MetricCatalog.get();
    for (String metric :
        List.of(
            "steadyproxy_requests_total",
            "steadyproxy_errors_total",
            "steadyproxy_cleanups_total",
            "steadyproxy_memory_checks_total",
            "steadyproxy_client_timeouts_total",
            "steadyproxy_memory_max_bytes",
            "steadyproxy_operator_reconciles_total",
            "steadyproxy_operator_watchdog_state")) {
      assertThat(metric, catalog.labels().containsKey(metric), is(true));
    }
    assertThat(catalog.has("steadyproxy_no_such_metric"), is(false));
    assertThat(catalog.labelsOf("steadyproxy_errors_total"), hasItem("class"));
  }
}
