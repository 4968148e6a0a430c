package io.steadyproxy.operator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        "--http-port (HTTP_PORT) must be a whole number, got 'http'");
    assertError(
        new String[0],
        Map.of("LEADER_ELECTION", "maybe"),
        "--leader-election (LEADER_ELECTION) must be true or false, got 'maybe'");
    assertError(
        new String[] {"--workers=0"},
        Map.of(),
        "--workers (WORKERS) must be between 1 and 64, got 0");
    assertError(
        new String[] {"--namespaces=Shop"},
        Map.of(),
        "--namespaces: 'Shop' is not a namespace name (comma-separated list, or * for all)");
    assertError(
        new String[] {"--color=red"},
        Map.of(),
        "unknown flag --color; known: --namespaces, --leader-election, "
            + "--lease-name, --lease-namespace, --identity, --lease-duration-seconds, --http-host, --http-port, --workers, "
            + "--resync-seconds");
    assertError(new String[] {"--http-port"}, Map.of(), "--http-port needs a value");
  }

  private static void assertError(String[] args, Map<String, String> env, String message) {
    var e =
        assertThrows(
            OperatorConfig.InvalidConfigException.class, () -> OperatorConfig.parse(args, env));
    assertThat(e.getMessage(), is(message));
    assertThat(e.getMessage().contains("\n"), is(false));
  }
}
