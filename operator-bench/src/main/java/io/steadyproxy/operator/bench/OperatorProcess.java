package io.steadyproxy.operator.bench;

import static io.steadyproxy.operator.bench.ScaleBenchmark.LEASE_NAMESPACE;
import static io.steadyproxy.operator.bench.ScaleBenchmark.STOP_GRACE;
import static io.steadyproxy.operator.bench.ScaleBenchmark.deadline;
import static io.steadyproxy.operator.bench.ScaleBenchmark.words;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar steadyproxy-operator.jar}, its memory and its metrics, watched from here. */
final class OperatorProcess {
  private static final Pattern RECONCILES =
      Pattern.compile(
          "^steadyproxy_operator_reconciles_total\\{result=\"(\\w+)\"} (\\d+)", Pattern.MULTILINE);
  private static final Pattern QUEUE =
      Pattern.compile("^steadyproxy_operator_queue_depth (\\d+)", Pattern.MULTILINE);
  private static final Pattern DURATION_SUM =
      Pattern.compile(
          "^steadyproxy_operator_reconcile_duration_seconds_sum (\\S+)", Pattern.MULTILINE);
  private static final Pattern DURATION_COUNT =
      Pattern.compile(
          "^steadyproxy_operator_reconcile_duration_seconds_count (\\d+)", Pattern.MULTILINE);
  private static final Pattern LEADER =
      Pattern.compile("^steadyproxy_operator_leader 1", Pattern.MULTILINE);

  private final Process process;
  private final Path log;
  private final Path gcLog;
  private final int httpPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final AtomicLong peakRss = new AtomicLong();
  private final AtomicLong lastRss = new AtomicLong();
  private final AtomicLong peakQueue = new AtomicLong();
  private final AtomicLong lastQueue = new AtomicLong();
  private final Thread sampler;
  private final Thread hook;
  private volatile boolean stopped;

  private OperatorProcess(Process process, Path log, Path gcLog, int httpPort) {
    this.process = process;
    this.log = log;
    this.gcLog = gcLog;
    this.httpPort = httpPort;
    this.hook = new Thread(process::destroyForcibly, "kill-operator");
    Runtime.getRuntime().addShutdownHook(hook);
    this.sampler = new Thread(this::sample, "operator-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  static OperatorProcess start(Options options, int apiPort, String tag) throws IOException {
    Path dir = options.workDir();
    Path kubeconfig = dir.resolve("kubeconfig-" + tag + ".yaml");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: http://127.0.0.1:%d
        users:
        - name: bench
          user:
            token: bench
        contexts:
        - name: mock
          context:
            cluster: mock
            user: bench
            namespace: %s
        current-context: mock
        """
            .formatted(apiPort, LEASE_NAMESPACE));
    Path log = dir.resolve("operator-" + tag + ".log");
    Path gcLog = dir.resolve("operator-gc-" + tag + ".log");
    Files.deleteIfExists(gcLog);
    int httpPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(words(options.jvmOpts()));
    if (options.nmt()) {
      command.add("-XX:NativeMemoryTracking=summary");
    }
    command.add("-Xlog:gc:file=" + gcLog);
    command.addAll(
        List.of(
            "-jar",
            options.operatorJar().toAbsolutePath().toString(),
            // Production defaults otherwise: leader election on, 2 workers, every namespace.
            "--identity=bench-operator",
            "--lease-namespace=" + LEASE_NAMESPACE,
            "--http-host=127.0.0.1",
            "--http-port=" + httpPort));
    command.addAll(options.operatorArgs());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(
            k ->
                k.startsWith("KUBERNETES_")
                    || k.equals("JAVA_TOOL_OPTIONS")
                    || k.startsWith("WATCH_")
                    || k.startsWith("LEASE_")
                    || k.equals("WORKERS")
                    || k.equals("RESYNC_SECONDS")
                    || k.equals("LEADER_ELECTION"));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("MALLOC_ARENA_MAX", "2");
    System.out.println("operator: " + String.join(" ", command) + " (log " + log + ")");
    return new OperatorProcess(builder.start(), log, gcLog, httpPort);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  Path log() {
    return log;
  }

  Path gcLog() {
    return gcLog;
  }

  void awaitLeadingAndSynced(long deadline) throws InterruptedException {
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited with status " + process.exitValue() + " at start-up; see " + log);
      }
      Optional<String> ready = get("/readyz");
      Optional<String> metrics = get("/metrics");
      if (ready.isPresent() && metrics.isPresent() && LEADER.matcher(metrics.get()).find()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the operator did not lead with synced caches within 120 s; see " + log);
      }
      Thread.sleep(100);
    }
  }

  /** {@code jcmd <pid> VM.native_memory summary} into {@code file} (with {@code --nmt}). */
  void nativeMemorySummary(Path file) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()),
                "VM.native_memory",
                "summary")
            .redirectErrorStream(true)
            .redirectOutput(file.toFile())
            .start();
    if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
    }
    System.out.println("native memory summary in " + file);
  }

  /** The mean reconcile duration so far, from the operator's histogram; 0 before the first. */
  double meanReconcileMillis() {
    Optional<String> text = get("/metrics");
    if (text.isEmpty()) {
      return 0;
    }
    Matcher sum = DURATION_SUM.matcher(text.get());
    Matcher count = DURATION_COUNT.matcher(text.get());
    if (!sum.find() || !count.find() || Long.parseLong(count.group(1)) == 0) {
      return 0;
    }
    return Double.parseDouble(sum.group(1)) * 1000 / Long.parseLong(count.group(1));
  }

  Map<String, Long> reconciles() {
    Map<String, Long> counts = new TreeMap<>();
    get("/metrics")
        .ifPresent(
            text -> {
              Matcher m = RECONCILES.matcher(text);
              while (m.find()) {
                counts.put(m.group(1), Long.parseLong(m.group(2)));
              }
            });
    return counts;
  }

  long peakRssKb() {
    return Math.max(peakRss.get(), procStatus("VmHWM"));
  }

  long rssKb() {
    return lastRss.get();
  }

  long peakQueueDepth() {
    return peakQueue.get();
  }

  long lastQueueDepth() {
    return lastQueue.get();
  }

  /**
   * Warning and error lines in the operator's log (failed reconciles, lost watches, …), but not
   * fabric8's notice that {@code v1alpha1} is an unstable version.
   */
  long warnings() {
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines
          .filter(
              l ->
                  l.contains(" WARNING ")
                      || l.contains(" SEVERE ")
                      || l.contains(" WARN ")
                      || l.contains(" ERROR "))
          .filter(l -> !l.contains("unstable version"))
          .count();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  /** SIGTERM (the operator releases its Lease and exits), SIGKILL after a grace period. */
  void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    sampler.interrupt();
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println(
            "the operator did not stop within "
                + STOP_GRACE.toSeconds()
                + " s of SIGTERM; killing it");
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }

  private void sample() {
    long nextScrape = 0;
    while (!Thread.currentThread().isInterrupted() && process.isAlive()) {
      long rss = procStatus("VmRSS");
      if (rss > 0) {
        lastRss.set(rss);
        peakRss.accumulateAndGet(rss, Math::max);
      }
      if (System.nanoTime() >= nextScrape) {
        nextScrape = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250);
        get("/metrics")
            .ifPresent(
                text -> {
                  Matcher m = QUEUE.matcher(text);
                  if (m.find()) {
                    long depth = Long.parseLong(m.group(1));
                    lastQueue.set(depth);
                    peakQueue.accumulateAndGet(depth, Math::max);
                  }
                });
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A {@code kB} field of {@code /proc/<pid>/status}; 0 once the process is gone. */
  private long procStatus(String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process ended
    }
    return 0;
  }

  private Optional<String> get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
