package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.routing.Route;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The contract with the operator: the ConfigMap it renders (testdata/proxy_config.golden.json,
 * checked byte for byte by the operator's tests) is read here with every value intact and no
 * unknown key.
 */
class GoldenConfigTest {
  @Test
  void theOperatorsRenderingReadsCleanly() {
    Path golden = Path.of("..", "testdata", "proxy_config.golden.json");
    ConfigLoader.Result result =
        ConfigLoader.read(
            new String[] {"--config", golden.toString()}, Map.of(), Path.of("target"));
    ProxySettings s = result.settings();
    assertThat(result.warnings(), is(empty()));
    assertThat(s.server().host(), is("0.0.0.0"));
    assertThat(s.server().port(), is(8000));
    assertThat(s.admin().port(), is(Optional.of(9090)));
    assertThat(s.routing().upstreamUrl(), is(Optional.of(URI.create("http://backend:8080"))));
    assertThat(
        s.routing().routes(),
        is(
            List.of(
                new Route("/api", URI.create("http://api:8080"), true),
                new Route("/", URI.create("http://backend:8080"), false))));
    assertThat(s.routing().preserveHost(), is(false));
    assertThat(s.pool().maxConnections(), is(100));
    assertThat(s.pool().maxKeepaliveConnections(), is(20));
    assertThat(s.pool().keepaliveExpiry(), is(Duration.ofSeconds(30)));
    assertThat(s.pool().connectTimeout(), is(Duration.ofSeconds(10)));
    assertThat(s.pool().readTimeout(), is(Duration.ofSeconds(60)));
    assertThat(s.pool().writeTimeout(), is(Duration.ofSeconds(10)));
    assertThat(s.pool().poolTimeout(), is(Duration.ofSeconds(5)));
    assertThat(s.memory().checkInterval(), is(Duration.ofSeconds(30)));
    assertThat(s.memory().maxUsageMb(), is(500L));
    assertThat(s.memory().cleanupThresholdMb(), is(400L));
    assertThat(s.memory().maxHeapPercent(), is(90));
    assertThat(s.server().maxClientConnections(), is(7024));
    assertThat(s.logging().file(), is(Optional.of(Path.of("/tmp/proxy.log"))));
  }
}
