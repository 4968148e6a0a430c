package io.steadyproxy.operator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The process contract: a configuration mistake is one line on stderr and exit status 2. */
class MainTest {

  @Test
  void aBadFlagIsOneLineAndExitStatus2() throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--workers=zero")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
    assertThat(process.exitValue(), is(2));
    assertThat(
        stderr,
        is("steadyproxy-operator: --workers (WORKERS) must be a whole number, got 'zero'\n"));
  }
}
