package io.steadyproxy.operator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.logging.LogFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchEverythingWithLeaderElection() {
    OperatorConfig config = OperatorConfig.parse(new String[0], Map.of("HOSTNAME", "op-1"));
    assertThat(config.namespaces(), is(List.of()));
    assertThat(config.leaderElection(), is(true));
    assertThat(config.leaseName(), is("steadyproxy-operator"));
    assertThat(config.identity(), is("op-1"));
    assertThat(config.httpPort(), is(8080));
    assertThat(config.leaseDuration(), is(Duration.ofSeconds(15)));
    assertThat(config.proxyImage(), is(OperatorConfig.DEFAULT_PROXY_IMAGE));
    assertThat("one watchdog restart a minute", config.watchdogMaxRestarts(), is(1));
    assertThat(config.watchdogRestartWindow(), is(Duration.ofSeconds(60)));
  }

  @Test
  void theWatchdogsRestartBudgetIsAnOperatorSetting() {
    OperatorConfig config =
        OperatorConfig.parse(
            new String[] {"--watchdog-max-restarts=3"},
            Map.of("WATCHDOG_RESTART_WINDOW_SECONDS", "600", "WATCHDOG_MAX_RESTARTS", "9"));
    assertThat(config.watchdogMaxRestarts(), is(3));
    assertThat(config.watchdogRestartWindow(), is(Duration.ofMinutes(10)));
    assertThat(
        "0 turns restarts off everywhere",
        OperatorConfig.parse(new String[] {"--watchdog-max-restarts=0"}, Map.of())
            .watchdogMaxRestarts(),
        is(0));
    assertError(
        new String[0],
        Map.of("WATCHDOG_MAX_RESTARTS", "-1"),
        "invalid setting 'watchdog-max-restarts' from env WATCHDOG_MAX_RESTARTS: must be between 0"
            + " and 1000, got -1");
    assertError(
        new String[] {"--watchdog-restart-window-seconds=0"},
        Map.of(),
        "invalid setting 'watchdog-restart-window-seconds' from flag"
            + " --watchdog-restart-window-seconds: must be between 1 and 86400, got 0");
    assertError(
        new String[] {"--watchdog-restart-window-seconds=1m"},
        Map.of(),
        "invalid setting 'watchdog-restart-window-seconds' from flag"
            + " --watchdog-restart-window-seconds: must be a whole number, got '1m'");
  }

  @Test
  void theDefaultProxyImageIsTheLocalBuildOfTheOperatorsOwnVersion() {
    // The version comes from a resource Maven filters: unfiltered, it would read "${...}".
    assertThat(OperatorConfig.VERSION, matchesPattern("\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?"));
    assertThat(
        OperatorConfig.DEFAULT_PROXY_IMAGE, is("steadyproxy/proxy:" + OperatorConfig.VERSION));
    assertThat(OperatorConfig.defaultProxyImage("1.4.0"), is("steadyproxy/proxy:1.4.0"));
    assertThat(OperatorConfig.defaultProxyImage(null), is("steadyproxy/proxy:latest"));
    assertThat(
        OperatorConfig.defaultProxyImage("${project.version}"), is("steadyproxy/proxy:latest"));
  }

  @Test
  void proxyImageComesFromTheFlagThenTheEnvironment() {
    Map<String, String> env = Map.of("PROXY_IMAGE", "registry.example.com/steadyproxy/proxy:2.0");
    assertThat(
        OperatorConfig.parse(new String[0], env).proxyImage(),
        is("registry.example.com/steadyproxy/proxy:2.0"));
    assertThat(
        OperatorConfig.parse(new String[] {"--proxy-image=ghcr.io/acme/steadyproxy/proxy:1.1"}, env)
            .proxyImage(),
        is("ghcr.io/acme/steadyproxy/proxy:1.1"));
  }

  @Test
  void proxyImageAcceptsTagsDigestsAndRegistryPorts() {
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    for (String image :
        new String[] {
          "steadyproxy/proxy:0.1.0-SNAPSHOT",
          "ghcr.io/acme/steadyproxy/proxy:1.2.3",
          "localhost:5000/steadyproxy/proxy:e2e",
          "registry.example.com/steadyproxy/proxy@" + digest,
          "registry.example.com:443/team/steady_proxy/proxy:1.0@" + digest,
          "proxy"
        }) {
      assertThat(
          OperatorConfig.parse(new String[] {"--proxy-image", image}, Map.of()).proxyImage(),
          is(image));
    }
  }

  @Test
  void aBadProxyImageIsAOneLineErrorNamingTheFlag() {
    assertError(
        new String[] {"--proxy-image=steadyproxy/proxy 1.0"},
        Map.of(),
        "invalid setting 'proxy-image' from flag --proxy-image: must be an image reference like"
            + " registry.example.com/steadyproxy/proxy:1.2.3 (or @sha256:<digest>),"
            + " got 'steadyproxy/proxy 1.0'");
    for (String bad :
        new String[] {
          "SteadyProxy/Proxy:1.0", // repositories are lower case
          "steadyproxy/proxy:", // an empty tag
          ":1.0", // no repository
          "steadyproxy/proxy@sha256:abc", // a digest too short
          "https://ghcr.io/acme/proxy:1.0" // a URL, not a reference
        }) {
      var e =
          assertThrows(
              OperatorConfig.InvalidConfigException.class,
              () -> OperatorConfig.parse(new String[0], Map.of("PROXY_IMAGE", bad)));
      assertThat(
          bad,
          e.getMessage(),
          startsWith("invalid setting 'proxy-image' from env PROXY_IMAGE: must be"));
    }
  }

  @Test
  void flagsWinOverEnvironment() {
    OperatorConfig config =
        OperatorConfig.parse(
            new String[] {
              "--namespaces", "shop,blog", "--leader-election=false", "--http-port=9000"
            },
            Map.of("WATCH_NAMESPACES", "other", "HTTP_PORT", "1234", "LEASE_NAMESPACE", "ops"));
    assertThat(config.namespaces(), contains("shop", "blog"));
    assertThat(config.leaderElection(), is(false));
    assertThat(config.httpPort(), is(9000));
    assertThat(config.leaseNamespace(), is("ops"));
  }

  @Test
  void mistakesAreOneLineErrorsNamingTheSetting() {
    assertError(
        new String[] {"--http-port=http"},
        Map.of(),
        "invalid setting 'http-port' from flag --http-port: must be a whole number, got 'http'");
    assertError(
        new String[0],
        Map.of("LEADER_ELECTION", "maybe"),
        "invalid setting 'leader-election' from env LEADER_ELECTION: must be true or false,"
            + " got 'maybe'");
    assertError(
        new String[] {"--workers=0"},
        Map.of(),
        "invalid setting 'workers' from flag --workers: must be between 1 and 64, got 0");
    assertError(
        new String[] {"--namespaces=Shop"},
        Map.of(),
        "invalid setting 'namespaces' from flag --namespaces: 'Shop' is not a namespace name"
            + " (comma-separated list, or * for all)");
    assertError(
        new String[] {"--color=red"},
        Map.of(),
        "invalid setting 'color' from the command line: unknown flag --color (see --help)");
    assertError(
        new String[] {"--http-port"},
        Map.of(),
        "invalid setting 'http-port' from flag --http-port: needs a value");
    assertError(
        new String[0],
        Map.of("LOG_FORMAT", "xml"),
        "invalid setting 'log-format' from env LOG_FORMAT: must be text or json, got 'xml'");
  }

  @Test
  void logFormatIsTextByDefaultAndJsonFromTheFlagOrTheEnvironment() {
    assertThat(OperatorConfig.parse(new String[0], Map.of()).logFormat(), is(LogFormat.TEXT));
    assertThat(
        OperatorConfig.parse(new String[0], Map.of("LOG_FORMAT", "JSON")).logFormat(),
        is(LogFormat.JSON));
    assertThat(
        OperatorConfig.parse(new String[] {"--log-format=json"}, Map.of("LOG_FORMAT", "text"))
            .logFormat(),
        is(LogFormat.JSON));
  }

  @Test
  void helpListsEverySettingWithItsVariable() {
    String help = Usage.text();
    for (OperatorConfig.Setting s : OperatorConfig.SETTINGS) {
      assertThat(help, containsString("--" + s.flag()));
      assertThat(help, containsString(s.env()));
    }
  }

  @Test
  void helpColumnsLineUpWhateverTheLongestFlag() {
    String header = Usage.text().lines().filter(l -> l.startsWith("  flag ")).findFirst().get();
    int envColumn = header.indexOf("environment");
    for (OperatorConfig.Setting s : OperatorConfig.SETTINGS) {
      String row =
          Usage.text().lines().filter(l -> l.startsWith("  --" + s.flag() + " ")).findFirst().get();
      assertThat(row, row.indexOf(s.env()), is(envColumn));
    }
  }

  private static void assertError(String[] args, Map<String, String> env, String message) {
    var e =
        assertThrows(
            OperatorConfig.InvalidConfigException.class, () -> OperatorConfig.parse(args, env));
    assertThat(e.getMessage(), is(message));
    assertThat(e.getMessage().contains("\n"), is(false));
  }
}
