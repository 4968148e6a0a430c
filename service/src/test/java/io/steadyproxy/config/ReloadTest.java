package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.SlowClients;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A changed config file re-routes new requests and changes timeouts, with no restart. */
class ReloadTest {
  @TempDir Path dir;

  @Test
  void aRouteAndATimeoutChangeLive() throws Exception {
    try (RawUpstream a = RawUpstream.keepAlive("from-a");
        RawUpstream b = RawUpstream.keepAlive("from-b");
        RawUpstream slow = RawUpstream.answering("slow", () -> Thread.sleep(600))) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(
          file,
          "{\"upstream_url\": \""
              + a.url()
              + "\", \"routes\": [{\"prefix\": \"/slow\", "
              + "\"upstream\": \""
              + slow.url()
              + "\"}], \"read_timeout\": 5}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        assertThat(
            RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").text(),
            is("from-a"));
        assertThat(
            RawHttp.exchange(proxy.port(), "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").text(),
            is("slow"));

        Files.writeString(
            file,
            "{\"upstream_url\": \""
                + b.url()
                + "\", \"routes\": [{\"prefix\": \"/slow\", "
                + "\"upstream\": \""
                + slow.url()
                + "\"}], \"read_timeout\": 0.2}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(true));

        assertThat(
            RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").text(),
            is("from-b"));
        var timedOut = RawHttp.exchange(proxy.port(), "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(timedOut.status(), is(504));
        assertThat(timedOut.text(), containsString("read_timeout"));
      }
    }
  }

  // nginx applies a changed client_header_timeout on reload too: a silent connection accepted
  // after the change gets the new 1 s timeout, not the 60 s it started with. Before: the change
  // was logged as needing a restart and the old timeout stayed.
  @Test
  void theClientHeaderTimeoutChangesLive() throws Exception {
    try (RawUpstream a = RawUpstream.keepAlive("from-a")) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(
          file, "{\"upstream_url\": \"" + a.url() + "\", \"client_header_timeout\": 60}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        Files.writeString(
            file, "{\"upstream_url\": \"" + a.url() + "\", \"client_header_timeout\": 1}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(true));
        try (Socket silent = SlowClients.connect(proxy)) {
          SlowClients.expect408ThenClose(silent, "client_header_timeout");
        }
      }
    }
  }

  @Test
  void anInvalidFileIsRejectedAndTheRunningSettingsStay() throws Exception {
    try (RawUpstream a = RawUpstream.keepAlive("from-a")) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(file, "{\"upstream_url\": \"" + a.url() + "\"}");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        Files.writeString(
            file, "{\"upstream_url\": \"" + a.url() + "\", \"cleanup_threshold\": 900}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(false));
        assertThat(
            RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").text(),
            is("from-a"));
      }
    }
  }

  // The CA file is read where the pool is built, after the file has read as valid settings: a
  // bad one must still leave the running routes and pool in place, not half-apply the change.
  @Test
  void anUnreadableCaFileRejectsTheReloadAndTheRunningRoutesStay() throws Exception {
    try (RawUpstream a = RawUpstream.keepAlive("from-a");
        RawUpstream b = RawUpstream.keepAlive("from-b")) {
      Path file = dir.resolve("proxy_config.json");
      Files.writeString(file, "{\"upstream_url\": \"" + a.url() + "\"}");
      Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
      var inputs =
          new ConfigLoader.Inputs(
              List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""), Map.of(), dir);
      try (SteadyProxy proxy = SteadyProxy.start(inputs, new FakeMemory())) {
        Files.writeString(
            file,
            "{\"upstream_url\": \""
                + b.url()
                + "\", \"upstream_ca_file\": \""
                + notPem.toString().replace("\\", "\\\\")
                + "\"}");
        assertThat(proxy.reloader().orElseThrow().poll(), is(false));
        assertThat(
            RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").text(),
            is("from-a"));
      }
    }
  }

  @Test
  void portChangesAreReportedAsNeedingARestart() {
    ProxySettings a =
        ConfigLoader.read(new String[] {"--port", "1"}, Map.of(), Path.of("target")).settings();
    ProxySettings b =
        ConfigLoader.read(
                new String[] {"--port", "2", "--read-timeout", "3"}, Map.of(), Path.of("target"))
            .settings();
    assertThat(ConfigReloader.needRestart(a, b), is(List.of("port")));
    assertThat(b.pool().readTimeout(), is(Duration.ofSeconds(3)));
  }

  @Test
  void everyChangedSettingThatIsNotLiveIsReportedAndNoLiveOne() {
    ProxySettings a =
        ConfigLoader.read(new String[] {"--port", "1"}, Map.of(), Path.of("target")).settings();
    ProxySettings b =
        ConfigLoader.read(
                new String[] {
                  "--port", "1",
                  "--admin-token", "t",
                  "--max-request-body", "1MB",
                  "--log-max-files", "3",
                  "--shutdown-grace-period", "7",
                  // live ones: applied by the reload, never reported
                  "--client-header-timeout", "9",
                  "--trusted-proxies", "10.0.0.0/8",
                  "--max-connections", "50"
                },
                Map.of(),
                Path.of("target"))
            .settings();
    assertThat(
        ConfigReloader.needRestart(a, b),
        is(List.of("max_request_body", "shutdown_grace_period", "admin_token", "log_max_files")));
  }
}
