package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.operator.OperatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The operator itself parses what the chart renders: the Deployment's args and env go through
 * {@link OperatorConfig#parse}, so a renamed flag or a value the operator refuses (it would exit
 * with status 2 in the pod) fails here instead of in a cluster.
 */
class OperatorFlagsTest {

  @TempDir Path work;

  /** The operator's settings as the rendered Deployment's container would start it. */
  private OperatorConfig operatorConfig(String values) {
    List<JsonNode> documents = ChartRenderer.documents(new ChartRenderer(work).template(values));
    JsonNode container =
        ChartRenderer.ofKind(documents, "Deployment").get(0).at("/spec/template/spec/containers/0");
    List<String> args = new ArrayList<>();
    container.path("args").forEach(arg -> args.add(arg.asString()));
    List<String> env = new ArrayList<>();
    container.path("env").forEach(variable -> env.add(variable.path("name").asString()));
    // POD_NAME comes from the downward API; the kubelet fills in the pod's name.
    assertThat(env, contains("POD_NAME"));
    return OperatorConfig.parse(
        args.toArray(String[]::new), Map.of("POD_NAME", "steadyproxy-operator-7d9f-abcde"));
  }

  @Test
  void shouldStartTheOperatorWithTheDefaults() {
    OperatorConfig config = operatorConfig(ValuesSets.DEFAULTS);
    assertThat(config.namespaces(), is(empty()));
    assertThat(config.leaderElection(), is(true));
    assertThat(config.leaseName(), is("steadyproxy-operator"));
    assertThat(config.leaseNamespace(), is(ChartRenderer.NAMESPACE));
    assertThat(config.leaseDuration(), is(Duration.ofSeconds(15)));
    assertThat(config.identity(), is("steadyproxy-operator-7d9f-abcde"));
    assertThat(config.httpPort(), is(8080));
    assertThat(config.workers(), is(2));
    assertThat(config.resync(), is(Duration.ofSeconds(600)));
    assertThat(config.proxyImage(), is("steadyproxy/proxy:0.1.0"));
    assertThat(config.watchdogMaxRestarts(), is(1));
    assertThat(config.watchdogRestartWindow(), is(Duration.ofSeconds(60)));
  }

  @Test
  void shouldStartTheOperatorOnTheWatchedNamespaces() {
    OperatorConfig config = operatorConfig(ValuesSets.namespaced());
    assertThat(config.namespaces(), contains("shop", "payments"));
    assertThat(config.leaseName(), is("edge-operator-leader"));
    assertThat(config.leaseNamespace(), is("ops"));
    assertThat(config.leaseDuration(), is(Duration.ofSeconds(30)));
    assertThat(config.httpPort(), is(9100));
    assertThat(config.workers(), is(4));
    assertThat(config.resync(), is(Duration.ofSeconds(300)));
    assertThat(config.watchdogMaxRestarts(), is(2));
    assertThat(config.watchdogRestartWindow(), is(Duration.ofSeconds(300)));
    assertThat(
        config.proxyImage(),
        is(
            "registry.example.com/steadyproxy/proxy@sha256:"
                + "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"));
  }

  @Test
  void shouldStartTheOperatorWithoutLeaderElection() {
    assertThat(operatorConfig(ValuesSets.single()).leaderElection(), is(false));
  }
}
