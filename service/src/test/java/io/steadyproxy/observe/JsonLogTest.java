package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.logging.LogFormat;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** log_format=json on a running proxy: every line of the log file is one JSON object. */
class JsonLogTest {
  @TempDir Path dir;

  @AfterEach
  void restoreLogging() {
    Logger.getLogger("").setLevel(Level.INFO);
  }

  @Test
  void everyLineOfARunningProxysLogIsAJsonObject() throws Exception {
    Path file = dir.resolve("proxy.log");
    FakeMemory memory = new FakeMemory();
    ProxyLog log = ProxyLog.install(Optional.of(file), 1 << 20, 3, "INFO", LogFormat.JSON);
    List<JsonObject> lines;
    try (RawUpstream upstream = RawUpstream.keepAlive("ok");
        SteadyProxy proxy =
            SteadyProxy.start(
                TestProxies.settings("--upstream", upstream.url().toString()), memory)) {
      RawHttp.exchange(proxy.port(), "GET /json/1?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
      memory.rssMb(450);
      proxy.monitor().check();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!Files.readString(file).contains("/json/1") && System.nanoTime() < deadline) {
        Thread.sleep(10); // polling a file: no event to wait on
      }
    } finally {
      log.close();
    }
    lines =
        Files.readAllLines(file).stream()
            .map(l -> Json.createReader(new StringReader(l)).readObject())
            .toList();
    for (JsonObject o : lines) {
      assertThat(o.toString(), o.keySet(), hasItems("time", "level", "logger", "message"));
    }
    JsonObject access =
        lines.stream()
            .filter(o -> o.getString("logger").equals("steadyproxy.access"))
            .findFirst()
            .orElseThrow();
    assertThat(access.getString("method"), is("GET"));
    assertThat(access.getString("path"), is("/json/1"));
    assertThat(access.getInt("status"), is(200));
    assertThat(access.getJsonNumber("bytes_out").longValue(), is(2L));
    JsonObject check =
        lines.stream()
            .filter(o -> o.getString("message").equals("memory check"))
            .findFirst()
            .orElseThrow();
    assertThat(check.getString("logger"), is("steadyproxy.memory"));
    assertThat(check.getJsonNumber("rss_mb").doubleValue(), is(450.0));
    assertThat(check.getString("action"), is("light"));
  }
}
