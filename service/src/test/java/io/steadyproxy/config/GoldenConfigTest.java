package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

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
    assertThat(s.host(), is("0.0.0.0"));
    assertThat(s.port(), is(8000));
    assertThat(s.adminPort(), is(Optional.of(9090)));
    assertThat(s.upstreamUrl(), is(Optional.of(URI.create("http://backend:8080"))));
    assertThat(
        s.routes(),
        is(
            List.of(
                new Route("/api", URI.create("http://api:8080"), true),
                new Route("/", URI.create("http://backend:8080"), false))));
    assertThat(s.preserveHost(), is(false));
    assertThat(s.maxConnections(), is(100));
    assertThat(s.maxKeepaliveConnections(), is(20));
    assertThat(s.keepaliveExpiry(), is(Duration.ofSeconds(30)));
    assertThat(s.connectTimeout(), is(Duration.ofSeconds(10)));
    assertThat(s.readTimeout(), is(Duration.ofSeconds(60)));
    assertThat(s.writeTimeout(), is(Duration.ofSeconds(10)));
    assertThat(s.poolTimeout(), is(Duration.ofSeconds(5)));
    assertThat(s.memoryCheckInterval(), is(Duration.ofSeconds(30)));
    assertThat(s.maxMemoryUsageMb(), is(500L));
    assertThat(s.cleanupThresholdMb(), is(400L));
    assertThat(s.maxHeapPercent(), is(90));
    assertThat(s.maxClientConnections(), is(14048));
    assertThat(s.logFile(), is(Optional.of(Path.of("/tmp/proxy.log"))));
  }
}
