package io.steadyproxy.observe;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** proxy.log: written, rotated with a bounded number of files, and holding every kind of line. */
class ProxyLogTest {
  @TempDir Path dir;

  @AfterEach
  void restoreLogging() {
    Logger.getLogger("").setLevel(Level.INFO);
  }

  private String allLogText() throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        sb.append(Files.readString(p));
      }
    }
    return sb.toString();
  }

  @Test
  void everyKindOfLineIsWrittenAndTheFileRotates() throws Exception {
    Path file = dir.resolve("proxy.log");
    FakeMemory memory = new FakeMemory();
    ProxyLog log = ProxyLog.install(Optional.of(file), 4096, 3, "INFO");
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings(
                    "--upstream", upstream.url().toString(), "--route", "/down=http://127.0.0.1:9"),
                memory)) {
      for (int i = 0; i < 60; i++) {
        RawHttp.exchange(proxy.port(), "GET /ok/" + i + "?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      RawHttp.exchange(proxy.port(), "GET /down HTTP/1.1\r\nHost: x\r\n\r\n");
      memory.rssMb(450);
      proxy.monitor().check();
    } finally {
      log.close();
    }
    assertThat(Files.exists(file), is(true));
    assertThat("rotated", Files.exists(dir.resolve("proxy.log.1")), is(true));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat("live file plus at most 3 rotated ones", files.count(), lessThanOrEqualTo(4L));
    }
    assertThat(Files.size(file), lessThanOrEqualTo(4096L + 512));
    String text = allLogText();
    assertThat(
        text,
        matchesPattern(
            "(?s).*\\d{4}-\\d\\d-\\d\\dT[^ ]+Z INFO steadyproxy.access method=GET path=/ok/59 "
                + "status=200 duration_ms=[\\d.]+ bytes_in=0 bytes_out=2 upstream=http://127.0.0.1:\\d+ route=/ error=-"
                + " client=127.0.0.1 query=q=1 proto=HTTP/1.1 upstream_ms=[\\d.]+"
                + " request_id=[0-9a-f]{32} ua=-\n.*"));
    assertThat(text, containsString("path=/down status=502"));
    assertThat(text, containsString("error=connect_refused"));
    assertThat(text, containsString("steadyproxy.memory memory check rss_mb=450.0"));
    assertThat(text, containsString("action=light"));
    assertThat(text, containsString("steadyproxy.memory cleanup {\"time\":"));
    assertThat(log.dropped(), is(0L));
    assertThat(text.length(), greaterThan(4096));
  }

  /**
   * The writer buffers lines and flushes per batch (not per line, see ProxyLog.AsyncHandler); a
   * line must still reach the file while the proxy runs, not only at shutdown. nginx's access_log
   * without buffer= writes each line at once; with buffer= it also flushes within flush= time.
   */
  @Test
  void aLineReachesTheFileWhileTheProxyRuns() throws Exception {
    Path file = dir.resolve("proxy.log");
    ProxyLog log = ProxyLog.install(Optional.of(file), 1 << 20, 3, "INFO");
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings("--upstream", upstream.url().toString()), new FakeMemory())) {
      RawHttp.exchange(proxy.port(), "GET /prompt HTTP/1.1\r\nHost: x\r\n\r\n");
      eventually(
          "the line reaches the file", () -> Files.readString(file).contains("path=/prompt "));
      assertThat(Files.readString(file), containsString("path=/prompt status=200"));
    } finally {
      log.close();
    }
  }
}
