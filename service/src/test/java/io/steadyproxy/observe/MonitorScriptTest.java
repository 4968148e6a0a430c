package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.TestProxies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** scripts/monitor.sh against a real proxy: it reads /health and cleans up above its threshold. */
class MonitorScriptTest {
  private static final Path SCRIPT = Path.of("..", "scripts", "monitor.sh");

  private static boolean has(String tool) {
    return Files.isExecutable(Path.of("/usr/bin", tool))
        || Files.isExecutable(Path.of("/bin", tool));
  }

  private static String run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        + "exit="
        + p.exitValue();
  }

  @Test
  void cleansUpAboveTheThresholdWithTheTokenAndNotBelow() throws Exception {
    assumeTrue(has("curl") && has("jq"), "monitor.sh needs curl and jq");
    FakeMemory memory = new FakeMemory();
    try (SteadyProxy proxy =
        SteadyProxy.start(
            TestProxies.settings(
                "--upstream", "http://127.0.0.1:9",
                "--admin-token", "tok"),
            memory)) {
      String url = "http://127.0.0.1:" + proxy.port();
      memory.rssMb(300);
      String below = run("--url", url, "--count", "1", "--threshold", "400", "--token", "tok");
      assertThat(below, containsString("memory_usage_mb=300 "));
      assertThat(below, not(containsString("cleanup")));
      assertThat(below, containsString("exit=0"));
      assertThat(proxy.monitor().lastCleanup().isPresent(), is(false));

      memory.rssMb(450);
      String above =
          run(
              "--url",
              url,
              "--count",
              "2",
              "--interval",
              "0",
              "--threshold",
              "400",
              "--token",
              "tok");
      assertThat(
          above, containsString("cleanup above 400 MB: {\"before_mb\":450,\"after_mb\":450,"));
      assertThat(above, containsString("exit=0"));
      assertThat(proxy.monitor().lastCleanup().get().kind(), is("full"));
    }
  }

  @Test
  void badArgumentsAndAnUnreachableProxyFailClearly() throws Exception {
    assumeTrue(has("curl") && has("jq"), "monitor.sh needs curl and jq");
    assertThat(
        run("--interval", "soon"),
        containsString("monitor.sh: --interval must be a number of seconds, got 'soon'"));
    assertThat(run("--interval", "soon"), containsString("exit=2"));
    String down = run("--url", "http://127.0.0.1:9", "--count", "1");
    assertThat(down, containsString("no answer from http://127.0.0.1:9/health"));
    assertThat(down, containsString("exit=1"));
  }
}
