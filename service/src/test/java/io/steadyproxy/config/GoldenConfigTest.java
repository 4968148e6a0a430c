package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.routing.Cidr;
import io.steadyproxy.routing.Protocol;
import io.steadyproxy.routing.Route;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The contract with the operator: the ConfigMaps it renders (testdata/proxy_config*.golden.json,
 * checked byte for byte by the operator's tests) are read here with every value intact and no
 * unknown key.
 */
class GoldenConfigTest {
  private static final Path TESTDATA = Path.of("..", "testdata");

  private static ConfigLoader.Result read(String file) {
    return ConfigLoader.read(
        new String[] {"--config", TESTDATA.resolve(file).toString()}, Map.of(), Path.of("target"));
  }

  @Test
  void theOperatorsRenderingReadsCleanly() {
    ConfigLoader.Result result = read("proxy_config.golden.json");
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
    assertThat(
        s.pool(),
        is(
            new ProxySettings.Pool(
                100,
                20,
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(60),
                Duration.ofSeconds(10),
                Optional.empty())));
    assertThat(s.memory(), is(new ProxySettings.Memory(Duration.ofSeconds(30), 500, 400, 90)));
    assertThat(s.upgrade(), is(new ProxySettings.Upgrade(256, Duration.ofSeconds(60))));
    assertThat(
        s.protocols(),
        is(
            new ProxySettings.Protocols(
                Optional.empty(), Optional.empty(), Optional.empty(), true, 128)));
    assertThat(
        s.client(),
        is(
            new ProxySettings.Client(
                Duration.ofSeconds(60),
                Duration.ofSeconds(60),
                Duration.ofSeconds(60),
                Duration.ofSeconds(75),
                64 * 1024,
                8 * 1024 * 1024)));
    assertThat(s.server().maxClientConnections(), is(14048));
    assertThat(s.logging().file(), is(Optional.of(Path.of("/tmp/proxy.log"))));
    assertThat(s.server().maxRequestBodyBytes(), is(0L));
    // the pods keep serving this long after SIGTERM, so a rollout drops no request
    assertThat(s.server().shutdownDelay(), is(Duration.ofSeconds(5)));
    assertThat(s.server().shutdownGracePeriod(), is(Duration.ofSeconds(30)));
    assertThat(s.logging().level(), is("INFO"));
  }

  // Most of the first file's values are the defaults, so a key the JSON layer dropped would read
  // the same. In this one every value differs from its default (host and port are fixed by the
  // operator's pod, and sit at the defaults on purpose), so each one must arrive.
  @Test
  void everyFieldOfTheSecondRenderingArrivesNotItsDefault() throws Exception {
    ConfigLoader.Result result = read("proxy_config.every-field.golden.json");
    ProxySettings s = result.settings();
    assertThat(result.warnings(), is(empty()));

    assertThat(s.server().host(), is("0.0.0.0"));
    assertThat(s.server().port(), is(8000));
    assertThat(s.server().maxClientConnections(), is(5000));
    assertThat(s.server().maxRequestBodyBytes(), is(10L * 1024 * 1024));
    assertThat(s.server().shutdownDelay(), is(Duration.ofSeconds(8)));
    assertThat(s.server().shutdownGracePeriod(), is(Duration.ofSeconds(45)));
    assertThat(s.logging().level(), is("FINE"));
    assertThat(s.admin().port(), is(Optional.of(9090)));
    URI backend = URI.create("https://backend.internal:8443");
    assertThat(s.routing().upstreamUrl(), is(Optional.of(backend)));
    assertThat(
        "longest prefix first, the default route from upstream_url last",
        s.routing().routes(),
        is(
            List.of(
                new Route("/shop.Orders", URI.create("http://orders:50051"), false, Protocol.GRPC),
                new Route("/static", URI.create("http://static:8081"), false),
                new Route("/api", URI.create("http://api:8080"), true),
                new Route("/", backend, false))));
    assertThat(s.routing().preserveHost(), is(true));
    assertThat(
        s.routing().trustedProxies(),
        is(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"))));
    assertThat(
        s.pool(),
        is(
            new ProxySettings.Pool(
                150,
                30,
                Duration.ofSeconds(45),
                Duration.ofSeconds(2),
                Duration.ofSeconds(3),
                Duration.ofSeconds(120),
                Duration.ofSeconds(20),
                Optional.of(Path.of("/etc/steadyproxy-upstream-ca/ca.crt")))));
    assertThat(
        s.protocols(),
        is(
            new ProxySettings.Protocols(
                Optional.of(Path.of("/etc/steadyproxy-tls/tls.crt")),
                Optional.of(Path.of("/etc/steadyproxy-tls/tls.key")),
                Optional.of(Path.of("/etc/steadyproxy-tls-client-ca/ca.crt")),
                false,
                64)));
    assertThat(
        s.client(),
        is(
            new ProxySettings.Client(
                Duration.ofSeconds(20),
                Duration.ofSeconds(30),
                Duration.ofSeconds(40),
                Duration.ofSeconds(15),
                128 * 1024,
                16 * 1024 * 1024)));
    assertThat(s.memory(), is(new ProxySettings.Memory(Duration.ofSeconds(15), 800, 600, 80)));
    assertThat(s.upgrade(), is(new ProxySettings.Upgrade(1000, Duration.ofSeconds(300))));
    assertThat(s.logging().file(), is(Optional.of(Path.of("/tmp/proxy.log"))));

    // and, key by key, what the file sets is not what the defaults give
    ProxySettings defaults =
        ConfigLoader.read(new String[0], Map.of(), Path.of("target")).settings();
    JsonObject file;
    try (Reader in =
        Files.newBufferedReader(TESTDATA.resolve("proxy_config.every-field.golden.json"))) {
      file = Json.createReader(in).readObject();
    }
    for (String name : file.keySet()) {
      Key key = Key.fromKey(name).orElseThrow();
      if (key == Key.HOST || key == Key.PORT) {
        continue;
      }
      assertThat(
          name + " arrives, not its default",
          s.valueOf(key).equals(defaults.valueOf(key)),
          is(false));
    }
  }
}
