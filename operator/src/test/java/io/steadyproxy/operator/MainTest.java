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
    assertThat(
        run("--workers=zero"),
        is(
            "steadyproxy-operator: invalid setting 'workers' from flag --workers: must be a whole"
                + " number, got 'zero'\n"));
  }

  @Test
  void aBadProxyImageIsOneLineAndExitStatus2() throws Exception {
    assertThat(
        run("--proxy-image=Not An Image"),
        is(
            "steadyproxy-operator: invalid setting 'proxy-image' from flag --proxy-image: must be an"
                + " image reference like"
                + " registry.example.com/steadyproxy/proxy:1.2.3 (or @sha256:<digest>),"
                + " got 'Not An Image'\n"));
  }

  /** Runs Main with one flag; asserts exit status 2 and returns stderr. */
  private static String run(String flag) throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                flag)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
    assertThat(process.exitValue(), is(2));
    return stderr;
  }
}
