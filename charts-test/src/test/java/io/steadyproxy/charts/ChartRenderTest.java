package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** {@code helm template} of the chart, parsed and checked object by object. */
class ChartRenderTest {

  @TempDir Path work;

  /** The named values sets of {@link ValuesSets#all()}, sorted by name. */
  static Stream<Arguments> valueSets() {
    return ValuesSets.all().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(set -> Arguments.of(set.getKey(), set.getValue()));
  }

  private List<JsonNode> render(String values) {
    return ChartRenderer.documents(new ChartRenderer(work).template(values));
  }

  private static JsonNode only(List<JsonNode> documents, String kind) {
    List<JsonNode> ofKind = ChartRenderer.ofKind(documents, kind);
    assertThat(kind + " objects", ofKind, hasSize(1));
    return ofKind.get(0);
  }

  private static List<String> args(List<JsonNode> documents) {
    List<String> args = new ArrayList<>();
    only(documents, "Deployment")
        .at("/spec/template/spec/containers/0/args")
        .forEach(a -> args.add(a.asString()));
    return args;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valueSets")
  void shouldRenderRestrictedPods(String name, String values) {
    List<JsonNode> documents =
        ChartRenderer.documents(new ChartRenderer(work).templateWithTestHooks(values));
    List<String> problems = new ArrayList<>();
    int pods = 0;
    for (JsonNode document : documents) {
      String owner =
          document.path("kind").asString() + "/" + document.at("/metadata/name").asString();
      switch (document.path("kind").asString()) {
        case "Deployment", "StatefulSet", "DaemonSet", "Job" -> {
          problems.addAll(PodSecurity.violations(owner, document.at("/spec/template/spec")));
          pods++;
        }
        case "Pod" -> {
          problems.addAll(PodSecurity.violations(owner, document.path("spec")));
          pods++;
        }
        default -> {}
      }
    }
    assertThat(problems, is(empty()));
    // The operator Deployment, plus the helm test Pod when the metrics Service exists.
    assertThat(pods, is(name.equals("single") ? 1 : 2));
  }

  @Test
  void shouldKeepTheTestPodUntilHelmTestLogsHasReadIt() {
    // hook-succeeded deletes the Pod before `helm test --logs` fetches its log (helm/helm#9098)
    List<JsonNode> pods =
        ChartRenderer.ofKind(
            ChartRenderer.documents(
                new ChartRenderer(work).templateWithTestHooks(ValuesSets.DEFAULTS)),
            "Pod");
    assertThat(pods, hasSize(1));
    assertThat(
        pods.get(0).at("/metadata/annotations/helm.sh~1hook-delete-policy").asString(),
        is("before-hook-creation"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valueSets")
  void shouldRenderByteIdenticalOutputTwice(String name, String values) {
    ChartRenderer renderer = new ChartRenderer(work);
    String first = renderer.template(values);
    String second = renderer.template(values);
    assertThat(second, equalTo(first));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valueSets")
  void shouldRenderOnlyStableApiVersions(String name, String values) {
    // GA APIs served by every Kubernetes the chart supports (kubeVersion >= 1.25).
    java.util.Set<String> stable =
        java.util.Set.of(
            "v1",
            "apps/v1",
            "policy/v1",
            "rbac.authorization.k8s.io/v1",
            "apiextensions.k8s.io/v1",
            "monitoring.coreos.com/v1");
    for (JsonNode document : render(values)) {
      String apiVersion = document.path("apiVersion").asString();
      assertThat(
          document.path("kind").asString() + " " + apiVersion,
          stable.contains(apiVersion),
          is(true));
    }
  }

  @Test
  void shouldUseNoRandomTimeOrClusterDependentFunctions() throws IOException {
    // Argo CD re-renders the chart on every sync: any of these would show a perpetual diff.
    Pattern action = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    Pattern forbidden =
        Pattern.compile(
            "\\b(randAlphaNum|randAlpha|randNumeric|randAscii|randInt|randBytes|uuidv4|now|date|dateInZone"
                + "|unixEpoch|lookup|genCA|genCAWithKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert"
                + "|genSignedCertWithKey|genPrivateKey|htpasswd|derivePassword)\\b");
    List<String> uses = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Repo.chart().resolve("templates"))) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        Matcher actions = action.matcher(Repo.read(file));
        while (actions.find()) {
          Matcher use = forbidden.matcher(actions.group(1));
          if (use.find()) {
            uses.add(Repo.chart().relativize(file) + ": " + use.group());
          }
        }
      }
    }
    assertThat(uses, is(empty()));
  }

  @Test
  void shouldPassTheOperatorsFlagsForDefaults() {
    List<JsonNode> documents = render(ValuesSets.DEFAULTS);
    assertThat(
        args(documents),
        contains(
            "--namespaces=*",
            "--leader-election=true",
            "--lease-name=steadyproxy-operator",
            "--lease-namespace=" + ChartRenderer.NAMESPACE,
            "--lease-duration-seconds=15",
            "--http-port=8080",
            "--workers=2",
            "--resync-seconds=600",
            "--watchdog-max-restarts=1",
            "--watchdog-restart-window-seconds=60",
            "--proxy-image=steadyproxy/proxy:0.1.0"));
    JsonNode deployment = only(documents, "Deployment");
    assertThat(deployment.at("/spec/replicas").asInt(), is(2));
    assertThat(
        deployment.at("/spec/template/spec/containers/0/image").asString(),
        is("steadyproxy/operator:0.1.0"));
    JsonNode env = deployment.at("/spec/template/spec/containers/0/env/0");
    assertThat(env.path("name").asString(), is("POD_NAME"));
    assertThat(env.at("/valueFrom/fieldRef/fieldPath").asString(), is("metadata.name"));
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertThat(container.at("/livenessProbe/httpGet/path").asString(), is("/healthz"));
    assertThat(container.at("/readinessProbe/httpGet/path").asString(), is("/readyz"));
    assertThat(container.at("/startupProbe/httpGet/path").asString(), is("/healthz"));
  }

  @Test
  void shouldPassTheOperatorsFlagsForANamespaceList() {
    List<JsonNode> documents = render(ValuesSets.namespaced());
    assertThat(
        args(documents),
        contains(
            "--namespaces=shop,payments",
            "--leader-election=true",
            "--lease-name=edge-operator-leader",
            "--lease-namespace=ops",
            "--lease-duration-seconds=30",
            "--http-port=9100",
            "--workers=4",
            "--resync-seconds=300",
            "--watchdog-max-restarts=2",
            "--watchdog-restart-window-seconds=300",
            "--proxy-image=registry.example.com/steadyproxy/proxy@sha256:"
                + "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"));
    JsonNode pod = only(documents, "Deployment").at("/spec/template/spec");
    assertThat(
        pod.at("/containers/0/image").asString(),
        is(
            "registry.example.com/steadyproxy/operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assertThat(pod.path("serviceAccountName").asString(), is("edge-operator-sa"));
    assertThat(pod.path("priorityClassName").asString(), is("system-cluster-critical"));
    assertThat(pod.at("/nodeSelector/kubernetes.io~1os").asString(), is("linux"));
  }

  @Test
  void shouldLeaveLeaderElectionOutWhenDisabled() {
    assertThat(
        args(render(ValuesSets.single())),
        contains(
            "--namespaces=*",
            "--leader-election=false",
            "--http-port=8080",
            "--workers=2",
            "--resync-seconds=600",
            "--watchdog-max-restarts=1",
            "--watchdog-restart-window-seconds=60",
            "--proxy-image=steadyproxy/proxy:0.1.0"));
  }

  @Test
  void shouldPassTheProxyImageFromTheAppVersionByDefault() {
    // helm package --app-version sets it in a release: operator and proxy follow it together.
    List<JsonNode> documents =
        ChartRenderer.documents(
            new ChartRenderer(work).templateWithAppVersion("7.8.9-rc.1", ValuesSets.DEFAULTS));
    assertThat(args(documents), hasItem("--proxy-image=steadyproxy/proxy:7.8.9-rc.1"));
    assertThat(
        only(documents, "Deployment").at("/spec/template/spec/containers/0/image").asString(),
        is("steadyproxy/operator:7.8.9-rc.1"));
  }

  @Test
  void shouldPassTheProxyImageFromItsTagWhenSet() {
    // What e2e-kind.yml passes with --set.
    assertThat(
        args(render("proxyImage:\n  tag: e2e\n")), hasItem("--proxy-image=steadyproxy/proxy:e2e"));
    assertThat(
        args(render("proxyImage:\n  repository: localhost:5000/team/proxy\n  tag: 1.2.3\n")),
        hasItem("--proxy-image=localhost:5000/team/proxy:1.2.3"));
  }

  @Test
  void shouldPinTheProxyImageByDigestOverTheTag() {
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    assertThat(
        args(
            render(
                "proxyImage:\n  repository: ghcr.io/acme/steadyproxy/proxy\n  tag: 1.2.3\n"
                    + "  digest: "
                    + digest
                    + "\n")),
        hasItem("--proxy-image=ghcr.io/acme/steadyproxy/proxy@" + digest));
  }

  @Test
  void shouldRenderPodDisruptionBudgetOnlyWithSeveralReplicas() {
    JsonNode budget = only(render(ValuesSets.DEFAULTS), "PodDisruptionBudget");
    assertThat(budget.at("/spec/minAvailable").asInt(), is(1));
    assertThat(
        budget.at("/spec/selector/matchLabels/app.kubernetes.io~1component").asString(),
        is("operator"));
    assertThat(
        ChartRenderer.ofKind(render(ValuesSets.single()), "PodDisruptionBudget"), is(empty()));
  }

  @Test
  void shouldRenderMetricsServiceAndOptionalServiceMonitor() {
    List<JsonNode> defaults = render(ValuesSets.DEFAULTS);
    JsonNode service = only(defaults, "Service");
    assertThat(service.at("/spec/ports/0/targetPort").asString(), is("http-metrics"));
    assertThat(ChartRenderer.ofKind(defaults, "ServiceMonitor"), is(empty()));

    JsonNode monitor = only(render(ValuesSets.namespaced()), "ServiceMonitor");
    assertThat(monitor.at("/spec/endpoints/0/port").asString(), is("http-metrics"));
    assertThat(monitor.at("/spec/endpoints/0/interval").asString(), is("15s"));
    assertThat(monitor.at("/metadata/labels/release").asString(), is("prometheus"));
  }

  @Test
  void shouldRefuseSeveralReplicasWithoutLeaderElection() {
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () ->
                new ChartRenderer(work)
                    .template("replicaCount: 2\nleaderElection:\n  enabled: false\n"));
    assertThat(
        error.getMessage(), containsString("replicaCount > 1 needs leaderElection.enabled=true"));
  }

  @Test
  void shouldRefuseServiceMonitorWithoutMetricsService() {
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () ->
                new ChartRenderer(work)
                    .template(
                        "metrics:\n  service:\n    enabled: false\n  serviceMonitor:\n    enabled: true\n"));
    assertThat(
        error.getMessage(),
        containsString("metrics.serviceMonitor.enabled needs metrics.service.enabled=true"));
  }

  @Test
  void shouldTellTheNextStepInNotes() {
    String notes = new ChartRenderer(work).dryRunInstall(ValuesSets.DEFAULTS).getOutput();
    assertThat(notes, containsString("kind: ProxyConfig"));
    // A here-document only ends at an unindented terminator, so the block is pasted as is.
    assertThat(
        notes,
        containsString(
            "\nkubectl -n default apply -f - <<'YAML'\napiVersion: steadyproxy.io/v1alpha1\n"));
    assertThat(notes, containsString("\nYAML\n"));
    assertThat(
        notes, containsString("kubectl -n default wait proxyconfig/edge --for=condition=Ready"));
    assertThat(notes, containsString("curl -i http://127.0.0.1:8000/"));
    assertThat(
        notes, containsString("helm test steadyproxy-operator -n " + ChartRenderer.NAMESPACE));
  }

  @Test
  void shouldLabelEveryObjectForTheRelease() {
    for (JsonNode document : render(ValuesSets.namespaced())) {
      JsonNode labels = document.at("/metadata/labels");
      String what =
          document.path("kind").asString() + "/" + document.at("/metadata/name").asString();
      assertThat(
          what, labels.path("app.kubernetes.io/instance").asString(), is(ChartRenderer.RELEASE));
      assertThat(what, labels.path("team").asString(), is("platform"));
    }
    assertThat(
        render(ValuesSets.DEFAULTS).stream().map(d -> d.path("kind").asString()).toList(),
        hasItem("ServiceAccount"));
  }
}
