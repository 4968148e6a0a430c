package io.steadyproxy.operator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The built jar ({@code java -jar target/steadyproxy-operator.jar}), run as the pod runs it: {@code
 * --check} on good and bad settings, {@code --version}, {@code --help} anywhere, and a real start
 * against the mock API server with {@code --log-format=json}, every line of whose log must parse.
 * Runs after {@code package} (failsafe), so it tests the jar and its manifest class path, which is
 * where slf4j-jdk14 must be and slf4j-simple must not.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class JarCommandLineIT {
  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private ProcessBuilder command(Map<String, String> env, String... args) {
    Path jar = Path.of(System.getProperty("steadyproxy.jar", "target/steadyproxy-operator.jar"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-jar",
                jar.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    for (OperatorConfig.Setting s : OperatorConfig.SETTINGS) {
      pb.environment().remove(s.env());
    }
    pb.environment().putAll(env);
    return pb;
  }

  private Run run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    Process p = command(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the jar did not exit within 60 s");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void checkPassesGoodSettingsAndPrintsThem() throws Exception {
    Run r = run(Map.of("WORKERS", "4"), "--check", "--namespaces=shop,blog", "--log-format=json");
    assertThat(r.err(), r.exit(), is(0));
    assertThat(r.out(), startsWith("steadyproxy-operator: configuration OK"));
    assertThat(r.out(), containsString("namespaces=shop,blog"));
    assertThat(r.out(), containsString("workers=4"));
    assertThat(r.out(), containsString("logFormat=json"));
  }

  @Test
  void checkFailsBadSettingsWithOneLineNamingSettingAndSource() throws Exception {
    Run env = run(Map.of("WORKERS", "100"), "--check");
    assertThat(env.exit(), is(2));
    assertThat(
        env.err(),
        is(
            "steadyproxy-operator: invalid setting 'workers' from env WORKERS: must be between 1"
                + " and 64, got 100\n"));
    Run flag = run(Map.of(), "--log-format", "xml", "--check");
    assertThat(flag.exit(), is(2));
    assertThat(
        flag.err(),
        is(
            "steadyproxy-operator: invalid setting 'log-format' from flag --log-format: must be"
                + " text or json, got 'xml'\n"));
  }

  @Test
  void versionComesFromTheBuildAndHelpWorksAnywhere() throws Exception {
    Run version = run(Map.of(), "--workers=2", "--version");
    assertThat(version.exit(), is(0));
    assertThat(
        version.out(),
        matchesPattern(
            "steadyproxy-operator "
                + System.getProperty("steadyproxy.version", "\\S+").replace(".", "\\.")
                + " \\(Java \\S+\\)\n"));
    Run help = run(Map.of(), "--workers=2", "--help");
    assertThat(help.exit(), is(0));
    assertThat(help.out(), startsWith("usage: steadyproxy-operator"));
    assertThat(help.out(), containsString("LOG_FORMAT"));
  }

  /**
   * A real start with {@code --log-format=json}: the operator's own lines and anything fabric8 or
   * Vert.x logs come out on stdout, each line one JSON object, and nothing from SLF4J on stderr (it
   * complains there when it finds no provider, or more than one).
   */
  @Test
  void aRunningOperatorLogsOneJsonObjectPerLine() throws Exception {
    MockCluster.installCrd(client);
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
        contexts:
        - name: mock
          context:
            cluster: mock
            namespace: default
            user: mock
        current-context: mock
        users:
        - name: mock
          user:
            token: secret
        """
            .formatted(client.getMasterUrl()));
    Path out = dir.resolve("operator.out");
    Path err = dir.resolve("operator.err");
    Process p =
        command(
                Map.of("KUBECONFIG", kubeconfig.toString()),
                "--log-format=json",
                "--leader-election=false",
                "--http-host=127.0.0.1",
                "--http-port=0")
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(out).contains(" is leading") && System.nanoTime() < deadline) {
        assertThat(Files.readString(err), p.isAlive(), is(true));
        Thread.sleep(50); // polling a file: no event to wait on
      }
    } finally {
      p.destroy(); // SIGTERM: the shutdown hook logs too
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    List<String> loggers = new ArrayList<>();
    for (String line : lines) {
      JsonNode o = json.readTree(line);
      for (String name : List.of("time", "level", "logger", "message")) {
        assertThat(line, o.has(name), is(true));
      }
      loggers.add(o.get("logger").asString());
    }
    assertThat(loggers, hasItem("io.steadyproxy.operator.Operator"));
    assertThat(lines.stream().anyMatch(l -> l.contains("\"message\":\"" + "operator ")), is(true));
    assertThat(Files.readString(err), not(containsString("SLF4J")));
  }
}
