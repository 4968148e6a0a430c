package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import io.fabric8.kubernetes.api.model.Quantity;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.crd.TlsSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigFileTest {

  /** Shared with the service module's tests: the one contract for the config file's format. */
  static final Path GOLDEN = Path.of("..", "testdata", "proxy_config.golden.json");

  @Test
  void rendersTheGoldenFileByteForByte() throws Exception {
    byte[] golden = Files.readAllBytes(GOLDEN);
    String rendered = ProxyConfigFile.render(Samples.goldenSpec());
    assertThat(
        "rendering changed; if on purpose, update " + GOLDEN + " and the service's loader together",
        rendered,
        is(new String(golden, StandardCharsets.UTF_8)));
  }

  /** The second contract file: every rendered field unlike its default (see the service's test). */
  static final Path EVERY_FIELD = Path.of("..", "testdata", "proxy_config.every-field.golden.json");

  @Test
  void rendersTheEveryFieldFileByteForByte() throws Exception {
    String rendered = ProxyConfigFile.render(Samples.everyFieldSpec());
    if (Boolean.getBoolean("steadyproxy.regenerate")) {
      Files.writeString(EVERY_FIELD, rendered);
    }
    assertThat(
        "rendering changed; if on purpose, regenerate with -Dsteadyproxy.regenerate=true and"
            + " check the service's GoldenConfigTest",
        rendered,
        is(Files.readString(EVERY_FIELD)));
  }

  @Test
  void sameSpecRendersSameBytes() {
    assertThat(
        ProxyConfigFile.render(Samples.goldenSpec()),
        is(ProxyConfigFile.render(Samples.goldenSpec())));
  }

  @Test
  void neverRendersTheAdminToken() {
    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setAdminTokenSecretRef(new SecretKeyRef("proxy-admin", "token"));
    String rendered = ProxyConfigFile.render(spec);
    assertThat(rendered, not(containsString("proxy-admin")));
    assertThat(rendered, not(containsString("token")));
  }

  @Test
  void rendersUpstreamCaFileOnlyWhenTheSpecNamesABundle() throws Exception {
    String golden = new String(Files.readAllBytes(GOLDEN), StandardCharsets.UTF_8);
    assertThat(ProxyConfigFile.render(Samples.goldenSpec()), is(golden));
    assertThat(golden, not(containsString("upstream_ca_file")));

    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setUpstreamCaRef(new CaBundleRef("Secret", "edge-ca", "bundle.pem"));
    String rendered = ProxyConfigFile.render(spec);
    // The pod's fixed mount path, in the service's key order (after routes), and nothing else new:
    // neither the object's name nor its key reaches the proxy.
    String expected =
        golden.replace(
            "\"strip_prefix\":true}],",
            "\"strip_prefix\":true}],\"upstream_ca_file\":\"/etc/steadyproxy-upstream-ca/ca.crt\",");
    assertThat(rendered, is(expected));
    assertThat(rendered, not(containsString("edge-ca")));
    assertThat(rendered, not(containsString("bundle.pem")));
  }

  @Test
  void rendersTheTlsFilesOnlyWhenTheSpecNamesASecret() throws Exception {
    String golden = new String(Files.readAllBytes(GOLDEN), StandardCharsets.UTF_8);
    assertThat(golden, not(containsString("tls_")));

    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setTls(new TlsSpec("edge-tls"));
    String rendered = ProxyConfigFile.render(spec);
    // the pod's fixed mount paths, after routes; the Secret's name never reaches the proxy
    String expected =
        golden.replace(
            "\"strip_prefix\":true}],",
            "\"strip_prefix\":true}],\"tls_cert_file\":\"/etc/steadyproxy-tls/tls.crt\","
                + "\"tls_key_file\":\"/etc/steadyproxy-tls/tls.key\",");
    assertThat(rendered, is(expected));
    assertThat(rendered, not(containsString("edge-tls")));
  }

  @Test
  void rendersTheClientCaFileOnlyWhenTlsNamesAClientCaBundle() throws Exception {
    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setTls(new TlsSpec("edge-tls"));
    String withoutClientCa = ProxyConfigFile.render(spec);
    assertThat(withoutClientCa, not(containsString("tls_client_ca_file")));

    spec.getTls().setClientCaRef(new CaBundleRef("ConfigMap", "edge-clients", "clients.pem"));
    String rendered = ProxyConfigFile.render(spec);
    // the pod's fixed mount path, right after the key file; neither name nor key reaches the proxy
    assertThat(
        rendered,
        is(
            withoutClientCa.replace(
                "\"tls_key_file\":\"/etc/steadyproxy-tls/tls.key\",",
                "\"tls_key_file\":\"/etc/steadyproxy-tls/tls.key\","
                    + "\"tls_client_ca_file\":\"/etc/steadyproxy-tls-client-ca/ca.crt\",")));
    assertThat(rendered, not(containsString("edge-clients")));
    assertThat(rendered, not(containsString("clients.pem")));
  }

  @Test
  void theProtocolAndClientSettingsReachTheProxyAsItReadsThem(@TempDir Path dir) throws Exception {
    ProxyConfigSpec spec = Samples.goldenSpec();
    TlsSpec tls = new TlsSpec("edge-tls");
    tls.setClientCaRef(new CaBundleRef("Secret", "edge-clients", "ca.crt"));
    spec.setTls(tls);
    spec.setHttp2(false);
    spec.setHttp2MaxConcurrentStreams(32);
    spec.setClientHeaderTimeoutSeconds(7);
    spec.setClientBodyTimeoutSeconds(8);
    spec.setSendTimeoutSeconds(9);
    spec.setClientKeepaliveTimeoutSeconds(11);
    spec.setClientBodyBufferSize(new Quantity("0"));
    spec.setClientBodyBuffersMax(new Quantity("1.5Mi"));
    Path file = dir.resolve(ProxyConfigFile.FILE_NAME);
    Files.writeString(file, ProxyConfigFile.render(spec));

    ConfigLoader.Result loaded =
        ConfigLoader.read(new String[] {"--config", file.toString()}, Map.of(), dir);

    assertThat(loaded.warnings(), is(List.of()));
    ProxySettings settings = loaded.settings();
    assertThat(
        settings.protocols(),
        is(
            new ProxySettings.Protocols(
                java.util.Optional.of(Path.of(ProxyConfigFile.TLS_CERT_PATH)),
                java.util.Optional.of(Path.of(ProxyConfigFile.TLS_KEY_PATH)),
                java.util.Optional.of(Path.of(ProxyConfigFile.TLS_CLIENT_CA_PATH)),
                false,
                32)));
    assertThat(
        settings.client(),
        is(
            new ProxySettings.Client(
                Duration.ofSeconds(7),
                Duration.ofSeconds(8),
                Duration.ofSeconds(9),
                Duration.ofSeconds(11),
                0,
                3L * 512 * 1024)));
  }

  @Test
  void unsetProtocolAndClientSettingsRenderTheProxysOwnDefaults(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve(ProxyConfigFile.FILE_NAME);
    Files.writeString(file, ProxyConfigFile.render(Samples.goldenSpec()));
    ProxySettings rendered =
        ConfigLoader.read(new String[] {"--config", file.toString()}, Map.of(), dir).settings();
    // the service's defaults, from no file at all
    ProxySettings defaults = ConfigLoader.read(new String[0], Map.of(), dir).settings();
    assertThat(rendered.protocols(), is(defaults.protocols()));
    assertThat(rendered.client(), is(defaults.client()));
  }

  @Test
  void rendersTrustedProxiesAsTheProxysCommaSeparatedListOnlyWhenSet() throws Exception {
    String golden = new String(Files.readAllBytes(GOLDEN), StandardCharsets.UTF_8);
    assertThat(golden, not(containsString("trusted_proxies")));

    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setTrustedProxies(new ArrayList<>(List.of("10.0.0.0/8", "fd00::/8")));
    String rendered = ProxyConfigFile.render(spec);
    assertThat(
        rendered,
        is(
            golden.replace(
                "\"max_heap_percent\":90,",
                "\"max_heap_percent\":90,\"trusted_proxies\":\"10.0.0.0/8,fd00::/8\",")));
  }

  @Test
  void rendersEverySeedSettingUnderItsSnakeCaseName() {
    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setMaxConnections(50);
    spec.setReadTimeoutSeconds(120);
    spec.setPreserveHost(true);
    String rendered = ProxyConfigFile.render(spec);
    assertThat(rendered, containsString("\"max_connections\":50,"));
    assertThat(rendered, containsString("\"read_timeout\":120,"));
    assertThat(rendered, containsString("\"preserve_host\":true,"));
  }

  @Test
  void checksumIsHexSha256AndFollowsTheContent() {
    String a = ProxyConfigFile.checksum(ProxyConfigFile.render(Samples.goldenSpec()));
    ProxyConfigSpec changed = Samples.goldenSpec();
    changed.setCleanupThresholdMb(399);
    String b = ProxyConfigFile.checksum(ProxyConfigFile.render(changed));
    assertThat(a, matchesPattern("[0-9a-f]{64}"));
    assertThat(a, not(is(b)));
    assertThat(a, is(ProxyConfigFile.checksum(ProxyConfigFile.render(Samples.goldenSpec()))));
  }

  @Test
  void theTunedProxySettingsReachTheProxyAsItReadsThem(@TempDir Path dir) throws Exception {
    ProxyConfigSpec spec = Samples.goldenSpec();
    spec.setShutdownDelaySeconds(12);
    spec.setShutdownGracePeriodSeconds(45);
    spec.setMaxRequestBody(new Quantity("10Mi"));
    spec.setMaxClientConnections(300);
    spec.setLogLevel("FINE");
    Path file = dir.resolve(ProxyConfigFile.FILE_NAME);
    Files.writeString(file, ProxyConfigFile.render(spec));

    // The service's own loader, as the pod runs it.
    ConfigLoader.Result loaded =
        ConfigLoader.read(new String[] {"--config", file.toString()}, Map.of(), dir);

    assertThat(loaded.warnings(), is(List.of()));
    ProxySettings settings = loaded.settings();
    assertThat(settings.server().shutdownDelay(), is(Duration.ofSeconds(12)));
    assertThat(settings.server().shutdownGracePeriod(), is(Duration.ofSeconds(45)));
    assertThat(settings.server().maxRequestBodyBytes(), is(10L * 1024 * 1024));
    assertThat(settings.server().maxClientConnections(), is(300));
    assertThat(settings.logging().level(), is("FINE"));
  }

  @Test
  void unsetTunablesRenderTheProxysDefaultsAndTheSizedConnectionCap() {
    ProxyConfigSpec spec = Samples.goldenSpec();
    String rendered = ProxyConfigFile.render(spec);
    assertThat(rendered, containsString("\"max_request_body\":0,"));
    assertThat(rendered, containsString("\"shutdown_delay\":5,"));
    assertThat(rendered, containsString("\"log_level\":\"INFO\""));
    assertThat(
        rendered,
        containsString(
            "\"max_client_connections\":" + ProxyConfigFile.clientConnectionCapacity(spec) + ","));
  }
}
