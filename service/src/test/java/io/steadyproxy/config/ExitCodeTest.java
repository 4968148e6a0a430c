package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real launcher's answer to bad settings: exit code 2 and exactly one line, no stack trace. */
class ExitCodeTest {

  private static Process launch(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.steadyproxy.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("PROXY_"));
    return pb.start();
  }

  @Test
  void badSettingsExitWithCode2AndOneLine() throws Exception {
    for (String[] args :
        List.of(
            new String[] {"--port", "70000"},
            new String[] {"--cleanup-threshold", "600"},
            new String[] {"--upstream", "gopher://x"},
            new String[] {"--nonsense", "1"},
            // read where the pool is built, after the settings: still one line and exit 2
            new String[] {"--upstream-ca-file", "/nonexistent/ca.pem"})) {
      Process p = launch(args);
      assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(String.join(" ", args), p.exitValue(), is(2));
      assertThat(err, err.lines().count(), is(1L));
      assertThat(err, containsString("steadyproxy: invalid setting '"));
      assertThat(err, not(containsString("Exception")));
    }
  }

  @Test
  void helpListsEverySettingAndExitsZero() throws Exception {
    Process p = launch("--help");
    assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue(), is(0));
    for (Key key : Key.values()) {
      assertThat(out, containsString(key.flag()));
      assertThat(out, containsString(key.env()));
    }
  }
}
