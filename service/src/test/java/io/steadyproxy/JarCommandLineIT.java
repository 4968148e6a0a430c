package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.steadyproxy.testing.TestCerts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar ({@code java -jar target/steadyproxy-service.jar}), run as a user runs it: {@code
 * --check} on good and bad settings from each source, {@code --version}, and {@code --help}
 * anywhere on the line. Runs after {@code package} (failsafe), so it tests the jar, its manifest
 * class path and its filtered version, not the test class path.
 */
class JarCommandLineIT {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private Run run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("steadyproxy.jar", "target/steadyproxy-service.jar"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx112m",
                "-jar",
                jar.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PROXY_"));
    pb.environment().putAll(env);
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the jar did not exit within 60 s: " + cmd);
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void checkPassesGoodSettingsFromEverySourceAndSummarisesThem() throws Exception {
    Files.writeString(
        dir.resolve("proxy_config.json"),
        "{\"upstream_url\": \"http://127.0.0.1:9\", \"log_format\": \"json\"}");
    Run r =
        run(
            Map.of("PROXY_MAX_CONNECTIONS", "50"),
            "--port",
            "8123",
            "--check",
            "--route",
            "/api=http://127.0.0.1:10;strip");
    assertThat(r.err(), r.exit(), is(0));
    assertThat(r.err(), is(""));
    assertThat(
        r.out(),
        startsWith(
            "steadyproxy: configuration OK (config file proxy_config.json, environment and"
                + " flags)\n"));
    assertThat(r.out(), containsString("listen   0.0.0.0:8123\n"));
    assertThat(r.out(), containsString("route    /api -> http://127.0.0.1:10 (prefix stripped)\n"));
    assertThat(r.out(), containsString("route    / -> http://127.0.0.1:9\n"));
    assertThat(r.out(), containsString("log      stdout and proxy.log, json"));
    // a check starts nothing and writes nothing
    assertThat(Files.exists(dir.resolve("proxy.log")), is(false));
  }

  @Test
  void checkFailsBadSettingsWithOneLineNamingKeyAndSource() throws Exception {
    Run flag = run(Map.of(), "--check", "--port", "70000");
    assertThat(flag.exit(), is(2));
    assertThat(
        flag.err(),
        is(
            "steadyproxy: invalid setting 'port' from flag --port: must be between 0 and 65535,"
                + " got 70000\n"));
    assertThat(flag.out(), is(""));

    Run env = run(Map.of("PROXY_LOG_FORMAT", "xml"), "--check");
    assertThat(env.exit(), is(2));
    assertThat(
        env.err(),
        is(
            "steadyproxy: invalid setting 'log_format' from env PROXY_LOG_FORMAT: must be text or"
                + " json, got 'xml'\n"));

    Files.writeString(dir.resolve("bad.json"), "{\"read_timeout\": \"soon\"}");
    Run file = run(Map.of("PROXY_CONFIG", dir.resolve("bad.json").toString()), "--check");
    assertThat(file.exit(), is(2));
    assertThat(
        file.err(),
        startsWith(
            "steadyproxy: invalid setting 'read_timeout' from file "
                + dir.resolve("bad.json")
                + ": must be seconds"));
    assertThat(file.err().lines().count(), is(1L));
    assertThat(file.err(), not(containsString("Exception")));
  }

  @Test
  void tlsFilesAreCheckedAtCheckAndAtStartWithOneLineNamingTheKey() throws Exception {
    TestCerts ca = TestCerts.authority(dir, "it-ca");
    TestCerts.Leaf leaf = ca.issue("it-proxy", false);
    Run good =
        run(
            Map.of("PROXY_TLS_CERT_FILE", leaf.cert().toString()),
            "--check",
            "--tls-key-file",
            leaf.key().toString());
    assertThat(good.err(), good.exit(), is(0));
    assertThat(
        good.out(),
        containsString(
            "  protocol TLS 1.2/1.3 with " + leaf.cert() + "; HTTP/1.1 and h2 (ALPN)\n"));

    Path bad = dir.resolve("bad.key");
    Files.writeString(bad, "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
    for (String mode : new String[] {"--check", "--port=0"}) {
      Run r =
          run(
              Map.of("PROXY_TLS_KEY_FILE", bad.toString()),
              mode,
              "--tls-cert-file",
              leaf.cert().toString());
      assertThat(mode, r.exit(), is(2));
      assertThat(
          r.err(),
          startsWith(
              "steadyproxy: invalid setting 'tls_key_file' from env PROXY_TLS_KEY_FILE: not a PEM"
                  + " private key: "
                  + bad));
      assertThat(r.err().lines().count(), is(1L));
      assertThat(r.err(), not(containsString("Exception")));
    }
  }

  /**
   * The container case, as the image runs: the default proxy.log cannot be written in the working
   * directory (there read-only; here a directory stands in its way, as tests may run as root), so
   * the proxy logs to stdout only and says so, rather than failing to start.
   */
  @Test
  void whereTheDefaultLogFileCannotBeWrittenTheLogGoesToStdout() throws Exception {
    Files.createDirectory(dir.resolve("proxy.log"));
    Run r = run(Map.of(), "--check");
    assertThat(r.err(), r.exit(), is(0));
    assertThat(
        r.out(),
        containsString(
            "steadyproxy: log_file: the default "
                + dir.resolve("proxy.log").toRealPath()
                + " cannot be written here, so the log goes to stdout only"));
    assertThat(r.out(), containsString("  log      stdout, text, level INFO"));
  }

  @Test
  void checkReportsUnknownKeysAsWarningsAndStillPasses() throws Exception {
    Run r = run(Map.of("PROXY_MAX_CONECTIONS", "5"), "--check");
    assertThat(r.exit(), is(0));
    assertThat(
        r.err(),
        is("steadyproxy: warning: unknown environment variable PROXY_MAX_CONECTIONS ignored\n"));
  }

  @Test
  void versionComesFromTheBuild() throws Exception {
    Run r = run(Map.of(), "--port", "1", "--version");
    assertThat(r.exit(), is(0));
    assertThat(
        r.out(),
        matchesPattern(
            "steadyproxy "
                + System.getProperty("steadyproxy.version", "\\S+").replace(".", "\\.")
                + " \\(Java \\S+\\)\n"));
    assertThat(r.out(), not(containsString("unknown")));
  }

  @Test
  void helpWorksAnywhereOnTheLine() throws Exception {
    Run r = run(Map.of(), "--port", "8000", "--help", "--upstream", "http://x");
    assertThat(r.exit(), is(0));
    assertThat(r.out(), startsWith("usage: start-proxy "));
    assertThat(r.out(), containsString("--check"));
    assertThat(r.out(), containsString("--log-format"));
  }
}
