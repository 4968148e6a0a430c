package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.routing.Protocol;
import io.steadyproxy.routing.Route;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every source, their precedence, the seed's formats, and a one-line error for each bad value. */
class ConfigLoaderTest {
  @TempDir Path dir;

  private ConfigLoader.Result read(Map<String, String> env, String... flags) {
    return ConfigLoader.read(flags, env, dir);
  }

  private void json(String content) throws IOException {
    Files.writeString(dir.resolve("proxy_config.json"), content);
  }

  @Test
  void defaultsAreTheSeeds() {
    ProxySettings s = read(Map.of()).settings();
    assertThat(s.server().host(), is("0.0.0.0"));
    assertThat(s.server().port(), is(8000));
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
    assertThat(s.logging().file(), is(Optional.of(dir.resolve("proxy.log"))));
    assertThat(s.routing().upstreamUrl(), is(Optional.empty()));
    assertThat(s.routing().routes(), is(List.of()));
    assertThat(s.admin().token(), is(Optional.empty()));
  }

  @Test
  void flagsBeatEnvironmentBeatsJsonFileBeatsYamlBeatsDefaults() throws IOException {
    Files.writeString(
        dir.resolve("application.yaml"),
        """
                proxy:
                  port: 1001
                  max_connections: 11
                  read-timeout: 500ms
                  connect_timeout: 3
                  pool_timeout: 7
                """);
    json(
        """
                {"port": 1002, "max_connections": 12, "read_timeout": 2.5, "connect_timeout": 4}
                """);
    ProxySettings s =
        read(Map.of("PROXY_PORT", "1003", "PROXY_MAX_CONNECTIONS", "13"), "--port", "1004")
            .settings();
    assertThat("flag wins", s.server().port(), is(1004));
    assertThat("env beats the file", s.pool().maxConnections(), is(13));
    assertThat("file beats yaml", s.pool().readTimeout(), is(Duration.ofMillis(2500)));
    assertThat("file beats yaml", s.pool().connectTimeout(), is(Duration.ofSeconds(4)));
    assertThat("yaml beats defaults", s.pool().poolTimeout(), is(Duration.ofSeconds(7)));
    assertThat("defaults fill the rest", s.pool().writeTimeout(), is(Duration.ofSeconds(10)));
  }

  @Test
  void theSeedsEnvironmentVariablesAndJsonKeysAllWork() throws IOException {
    json(
        """
                {"host": "127.0.0.1", "port": 9000, "max_connections": 50, "max_keepalive_connections": 10,
                 "keepalive_expiry": 15.0, "connect_timeout": 5.0, "read_timeout": 30.0, "write_timeout": 8.0,
                 "memory_check_interval": 10, "max_memory_usage": 300, "cleanup_threshold": 250,
                 "upstream_url": "http://backend:8080",
                 "routes": [{"prefix": "/api", "upstream": "https://api.internal", "strip_prefix": true}]}
                """);
    ProxySettings s = read(Map.of()).settings();
    assertThat(s.server().host(), is("127.0.0.1"));
    assertThat(s.pool().maxKeepaliveConnections(), is(10));
    assertThat(s.pool().keepaliveExpiry(), is(Duration.ofSeconds(15)));
    assertThat(s.memory().checkInterval(), is(Duration.ofSeconds(10)));
    assertThat(s.memory().maxUsageMb(), is(300L));
    assertThat(
        s.routing().routes().get(0),
        is(new Route("/api", URI.create("https://api.internal"), true)));
    assertThat(s.routing().routes().get(1).isDefault(), is(true));

    ProxySettings e =
        read(Map.of(
                "PROXY_HOST",
                "::1",
                "PROXY_MAX_MEMORY_USAGE",
                "300",
                "PROXY_CLEANUP_THRESHOLD",
                "200",
                "PROXY_KEEPALIVE_EXPIRY",
                "30.0",
                "PROXY_WRITE_TIMEOUT",
                "2",
                "PROXY_POOL_TIMEOUT",
                "1.5",
                "PROXY_ADMIN_TOKEN",
                "s3cret",
                "PROXY_ROUTES",
                "/a=http://a:1;strip,/b=http://b:2"))
            .settings();
    assertThat(e.server().host(), is("::1"));
    assertThat(e.memory().maxUsageMb(), is(300L));
    assertThat(e.memory().cleanupThresholdMb(), is(200L));
    assertThat(e.pool().poolTimeout(), is(Duration.ofMillis(1500)));
    assertThat(e.admin().token(), is(Optional.of("s3cret")));
    assertThat(
        e.routing().routes().stream().map(Route::prefix).toList(), contains("/a", "/b", "/"));
  }

  @Test
  void helidonStyleDurationsAndSizesAreAccepted() {
    ProxySettings s =
        read(
                Map.of(),
                "--read-timeout",
                "PT1M",
                "--connect-timeout",
                "750ms",
                "--max-memory-usage",
                "1GB",
                "--cleanup-threshold",
                "512MB",
                "--max-request-body",
                "10MB")
            .settings();
    assertThat(s.pool().readTimeout(), is(Duration.ofMinutes(1)));
    assertThat(s.pool().connectTimeout(), is(Duration.ofMillis(750)));
    assertThat(s.memory().maxUsageMb(), is(1024L));
    assertThat(s.memory().cleanupThresholdMb(), is(512L));
    assertThat(s.server().maxRequestBodyBytes(), is(10L * 1024 * 1024));
  }

  @Test
  void unknownKeysAreWarnedAboutByName() throws IOException {
    json("{\"port\": 8001, \"max_conections\": 5}");
    var result = read(Map.of("PROXY_MAX_CONECTIONS", "5"));
    assertThat(
        result.warnings(),
        hasItem(
            "unknown key 'max_conections' in file "
                + dir.resolve("proxy_config.json")
                + " ignored"));
    assertThat(
        result.warnings(), hasItem("unknown environment variable PROXY_MAX_CONECTIONS ignored"));
    assertThat(result.settings().server().port(), is(8001));
  }

  @Test
  void routeProtocolFromEverySource() throws IOException {
    Files.writeString(
        dir.resolve("application.yaml"),
        """
                proxy:
                  routes:
                    - prefix: /y
                      upstream: http://y:1
                      protocol: h2c
                """);
    assertThat(
        read(Map.of()).settings().routing().routes().getFirst().protocol(), is(Protocol.H2C));
    json(
        """
            {"routes": [{"prefix": "/g", "upstream": "http://g:1", "protocol": "GRPC"},
                        {"prefix": "/h", "upstream": "http://h:1"}]}
            """);
    List<Route> fromFile = read(Map.of()).settings().routing().routes();
    assertThat(fromFile.get(0).protocol(), is(Protocol.GRPC));
    assertThat(fromFile.get(1).protocol(), is(Protocol.HTTP1));
    List<Route> fromEnv =
        read(Map.of("PROXY_ROUTES", "/a=http://a:1;grpc;strip,/b=http://b:2;h2c"))
            .settings()
            .routing()
            .routes();
    assertThat(fromEnv.get(0).protocol(), is(Protocol.GRPC));
    assertThat(fromEnv.get(0).stripPrefix(), is(true));
    assertThat(fromEnv.get(1).protocol(), is(Protocol.H2C));
    assertThat(fromEnv.get(1).stripPrefix(), is(false));
    List<Route> fromFlag =
        read(Map.of(), "--route", "/c=http://c:3;strip;http1").settings().routing().routes();
    assertThat(fromFlag.getFirst().protocol(), is(Protocol.HTTP1));
    assertThat(fromFlag.getFirst().stripPrefix(), is(true));
  }

  @Test
  void aBadRouteProtocolFailsWithOneLine() throws IOException {
    assertThat(
        error(Map.of(), "--route", "/a=http://a:1;h3"),
        is(
            "invalid setting 'routes' from flag --route: route '/a=http://a:1;h3' has an unknown"
                + " option ';h3'; /prefix=http://host:port[;strip][;h2c|;grpc]"));
    assertThat(
        error(Map.of("PROXY_ROUTES", "/a=http://a:1;grpc;h2c")),
        is(
            "invalid setting 'routes' from env PROXY_ROUTES: route '/a=http://a:1;grpc;h2c' names"
                + " two protocols; /prefix=http://host:port[;strip][;h2c|;grpc]"));
    json(
        "{\"routes\": [{\"prefix\": \"/g\", \"upstream\": \"http://g:1\", \"protocol\": \"http2\"}]}");
    assertThat(
        error(Map.of()),
        is(
            "invalid setting 'routes' from file "
                + dir.resolve("proxy_config.json")
                + ": route '/g' protocol must be http1, h2c or grpc, got 'http2'"));
  }

  private String error(Map<String, String> env, String... flags) {
    return assertThrows(ConfigException.class, () -> read(env, flags)).getMessage();
  }

  @Test
  void eachBadValueFailsWithOneLineNamingKeyAndSource() throws IOException {
    assertThat(
        error(Map.of(), "--port", "70000"),
        is("invalid setting 'port' from flag --port: must be between 0 and 65535, got 70000"));
    assertThat(
        error(Map.of("PROXY_PORT", "http")),
        is("invalid setting 'port' from env PROXY_PORT: must be a whole number, got 'http'"));
    assertThat(
        error(Map.of("PROXY_CLEANUP_THRESHOLD", "600")),
        is(
            "invalid setting 'cleanup_threshold' from env PROXY_CLEANUP_THRESHOLD: must be below "
                + "max_memory_usage (500 MB), got 600 MB"));
    assertThat(
        error(Map.of("PROXY_MAX_HEAP_PERCENT", "5")),
        is(
            "invalid setting 'max_heap_percent' from env PROXY_MAX_HEAP_PERCENT: must be between 20"
                + " and 100, got 5"));
    assertThat(
        error(Map.of(), "--read-timeout", "-5"),
        is(
            "invalid setting 'read_timeout' from flag --read-timeout: must be greater than zero, got '-5'"));
    assertThat(
        error(Map.of(), "--upstream", "ftp://files.example"),
        is(
            "invalid setting 'upstream_url' from flag --upstream: must be an http:// or https:// URL with a "
                + "host, got 'ftp://files.example'"));
    assertThat(
        error(Map.of(), "--max-conections", "5"),
        is(
            "invalid setting 'max-conections' from the command line: unknown flag --max-conections (see --help)"));
    json("{\"port\": 8000,\n \"max_connections\": }");
    assertThat(
        error(Map.of()),
        is(
            "invalid setting 'config' from file "
                + dir.resolve("proxy_config.json")
                + ": malformed JSON at line 2 column 21: Invalid token=CURLYCLOSE at (line no=2, column no=21, "
                + "offset=35). Expected tokens are: [CURLYOPEN, SQUAREOPEN, STRING, NUMBER, TRUE, FALSE, NULL]"));
    assertThat(
        error(Map.of(), "--config", dir.resolve("missing.json").toString()),
        is(
            "invalid setting 'config' from flag --config: file "
                + dir.resolve("missing.json")
                + " does not exist or is not a regular file"));
  }

  @Test
  void anAdminTokenFileIsCheckedAtStartAndExclusiveWithTheToken() throws IOException {
    Path token = dir.resolve("token");
    assertThat(
        error(Map.of("PROXY_ADMIN_TOKEN_FILE", token.toString())),
        is(
            "invalid setting 'admin_token_file' from env PROXY_ADMIN_TOKEN_FILE: cannot read the"
                + " admin token file "
                + token
                + ": java.nio.file.NoSuchFileException: "
                + token));
    Files.writeString(token, "  \n");
    assertThat(
        error(Map.of(), "--admin-token-file", token.toString()),
        is(
            "invalid setting 'admin_token_file' from flag --admin-token-file: the admin token file "
                + token
                + " is empty"));
    Files.writeString(token, "s3cret\n");
    assertThat(
        error(Map.of("PROXY_ADMIN_TOKEN", "x"), "--admin-token-file", token.toString()),
        is(
            "invalid setting 'admin_token_file' from flag --admin-token-file: set admin_token or"
                + " admin_token_file, not both"));
    ProxySettings settings = read(Map.of("PROXY_ADMIN_TOKEN_FILE", token.toString())).settings();
    assertThat(settings.admin().tokenFile(), is(Optional.of(token)));
    assertThat(settings.admin().token(), is(Optional.empty()));
  }
}
