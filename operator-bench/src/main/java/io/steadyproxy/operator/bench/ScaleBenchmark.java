package io.steadyproxy.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scale benchmark of the operator (issue 4, "Scale"): how long the operator takes to bring N
 * ProxyConfigs to {@code Ready}, and how much memory it needs meanwhile. A {@code main}, not a
 * test: surefire never runs it; {@code make bench-operator} does.
 *
 * <h2>Set-up, per run</h2>
 *
 * <ol>
 *   <li>fabric8's {@link KubernetesMockServer} in CRUD mode on 127.0.0.1 (a random port), with the
 *       generated ProxyConfig CRD registered, so the status subresource works as in the tests;
 *   <li>the <b>real operator as a separate process</b>: {@code java -jar
 *       target/steadyproxy-operator.jar}, the production entry point {@code Main}, with production
 *       defaults (leader election through a Lease, 2 workers, all namespaces), pointed at the mock
 *       server by a kubeconfig in {@code KUBECONFIG}. Its JVM gets the container image's flags
 *       ({@code -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError}, {@code MALLOC_ARENA_MAX=2}) and sees
 *       the chart's 384 MiB memory limit through {@code -XX:MaxRAM=384m -XX:MaxRAMPercentage=75}
 *       (heap ≤ 288 MiB, as in the pod);
 *   <li>a <b>fake Deployment controller</b> (the mock server runs no controllers) in this JVM: an
 *       informer on the operator's Deployments that, whenever one is created or changes, writes
 *       through the status subresource what a finished rollout reports: {@code replicas}, {@code
 *       updatedReplicas}, {@code readyReplicas}, {@code availableReplicas} equal to {@code
 *       spec.replicas}, {@code observedGeneration} equal to {@code metadata.generation}, and the
 *       {@code Available} and {@code Progressing} conditions. Pods are "ready" at once, so the time
 *       measured is the operator's and the API server's, not pod start-up.
 * </ol>
 *
 * <h2>What is measured</h2>
 *
 * <ul>
 *   <li><b>time to all Ready</b>: from the first ProxyConfig create (the operator already leads
 *       with synced caches) until every ProxyConfig has {@code Ready=True} with {@code
 *       status.observedGeneration == metadata.generation}, as seen by an informer in this JVM. The
 *       N creates (round-robin over a few namespaces, 2 replicas each) are inside the window;
 *   <li><b>reconciles</b>: the operator's own {@code steadyproxy_operator_reconciles_total}, by
 *       result, scraped from its {@code /metrics} when the last ProxyConfig became Ready, and again
 *       after a 5 s settle period (a reconcile loop that never calms down shows there); the peak
 *       {@code steadyproxy_operator_queue_depth}, scraped every 250 ms;
 *   <li><b>operator memory</b>: the child's {@code /proc/<pid>/status}: {@code VmHWM} (peak
 *       resident set since the JVM started) at the end, and {@code VmRSS} sampled every 200 ms; the
 *       peak heap in use is the largest "before" occupancy in the operator's GC log ({@code
 *       -Xlog:gc}), i.e. the heap just before a collection;
 *   <li><b>API traffic</b>: requests served by the mock server by method, and its 409 Conflict
 *       answers (optimistic-locking retries of the operator or of the fake controller).
 * </ul>
 *
 * <p>Everything (mock server, fake controller, operator) shares the machine's cores, so the figures
 * are an upper bound for the operator alone. Every wait is bounded ({@code --timeout-seconds}, 300
 * by default); the operator process is stopped with SIGTERM (then killed after 20 s) and the mock
 * server destroyed in {@code finally} blocks, and a shutdown hook kills the child if this JVM is
 * interrupted.
 *
 * <p>Usage (from {@code operator/}, with this module's classpath; {@code make bench-operator}
 * builds it): {@code ScaleBenchmark [--counts 100,500] [--namespaces 5] [--timeout-seconds 300]
 * [--operator-jar target/steadyproxy-operator.jar] [--jvm-opts "..."] [--operator-args
 * "--workers=4"] [--nmt] [--write] [--doc ../src-docs/performance.md]}. {@code --nmt} turns on the
 * operator's native memory tracking and saves {@code jcmd VM.native_memory summary} at the end, to
 * see what the resident set is made of. With {@code --write} the table replaces what is between
 * {@code <!-- operator-scale:begin -->} and {@code <!-- operator-scale:end -->} in the doc (section
 * "## Operator scale", appended if missing). Exit status 1 when a run timed out or the operator
 * died.
 */
public final class ScaleBenchmark {

  static final String BEGIN = "<!-- operator-scale:begin -->";
  static final String END = "<!-- operator-scale:end -->";
  static final String HEADING = "## Operator scale";
  static final String CRD_RESOURCE = "/META-INF/fabric8/proxyconfigs.steadyproxy.io-v1.yml";
  static final String LEASE_NAMESPACE = "steadyproxy-system";
  static final int REPLICAS = 2;
  static final Duration SETTLE = Duration.ofSeconds(5);
  static final Duration STOP_GRACE = Duration.ofSeconds(20);
  static final String DEFAULT_JVM_OPTS =
      "-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:MaxRAM=384m -XX:MaxRAMPercentage=75";

  /** The mock server logs every request at INFO; held here so the level sticks. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private ScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ScaleBenchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    Files.createDirectories(options.workDir());
    List<Result> results = new ArrayList<>();
    for (int count : options.counts()) {
      System.out.printf(
          Locale.ROOT, "%n== %d ProxyConfigs over %d namespaces ==%n", count, options.namespaces());
      Result result = run(options, count);
      results.add(result);
      System.out.println(result.failure() == null ? "done" : "FAILED: " + result.failure());
    }
    String table = table(results, options);
    System.out.println();
    System.out.println(table);
    for (Result r : results) {
      if (r.failure() == null) {
        System.out.printf(
            Locale.ROOT,
            "N=%d: all Ready in %.1f s (target < 60 s: %s), operator peak RSS %d MiB (target < 256 MiB: %s)%n",
            r.count(),
            r.readySeconds(),
            r.readySeconds() < 60 ? "met" : "MISSED",
            r.peakRssKb() / 1024,
            r.peakRssKb() < 256 * 1024 ? "met" : "MISSED");
      }
    }
    if (options.write()) {
      writeDoc(options.doc(), table);
      System.out.println("written to " + options.doc().toAbsolutePath().normalize());
    }
    boolean failed = results.stream().anyMatch(r -> r.failure() != null);
    System.exit(failed ? 1 : 0);
  }

  // ---------------------------------------------------------------------------------------------
  // One run

  private static Result run(Options options, int count) throws Exception {
    CountingDispatcher dispatcher = new CountingDispatcher();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    OperatorProcess operator = null;
    KubernetesClient client = null;
    FakeDeploymentController kubelet = null;
    ReadinessTracker tracker = null;
    try {
      server.init(InetAddress.getLoopbackAddress(), 0);
      client = server.createClient();
      installCrd(client);
      List<String> namespaces = new ArrayList<>();
      for (int i = 0; i < options.namespaces(); i++) {
        namespaces.add("bench-" + i);
      }
      for (String ns : concat(namespaces, List.of(LEASE_NAMESPACE))) {
        client
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
      kubelet = new FakeDeploymentController(client);
      tracker = new ReadinessTracker(client);

      String tag = "n" + count;
      long launched = System.nanoTime();
      operator = OperatorProcess.start(options, server.getPort(), tag);
      operator.awaitLeadingAndSynced(deadline(Duration.ofSeconds(120)));
      double startup = seconds(System.nanoTime() - launched);
      System.out.printf(
          Locale.ROOT,
          "operator pid %d leading with synced caches after %.1f s%n",
          operator.pid(),
          startup);
      long requestsBefore = dispatcher.total.sum();
      long conflictsBefore = dispatcher.conflicts.sum();
      Map<String, Long> methodsBefore = dispatcher.byMethod();

      // The measured window: first create → every ProxyConfig Ready for its generation.
      long start = System.nanoTime();
      tracker.startClock(start);
      for (int i = 0; i < count; i++) {
        String namespace = namespaces.get(i % namespaces.size());
        tracker.created(namespace + "/pxc-" + i, System.nanoTime());
        client.resource(proxy(namespace, "pxc-" + i, i)).create();
      }
      double createSeconds = seconds(System.nanoTime() - start);
      System.out.printf(Locale.ROOT, "%d ProxyConfigs created in %.1f s%n", count, createSeconds);

      long deadline = deadline(options.timeout());
      String failure = null;
      long lastReport = System.nanoTime();
      while (tracker.ready() < count) {
        if (!operator.isAlive()) {
          failure =
              "the operator exited with status "
                  + operator.exitValue()
                  + " (see "
                  + operator.log()
                  + ")";
          break;
        }
        if (System.nanoTime() > deadline) {
          failure =
              "timed out after "
                  + options.timeout().toSeconds()
                  + " s with "
                  + tracker.ready()
                  + "/"
                  + count
                  + " ProxyConfigs Ready (queue depth "
                  + operator.lastQueueDepth()
                  + "; see "
                  + operator.log()
                  + ")";
          break;
        }
        if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
          lastReport = System.nanoTime();
          System.out.printf(
              Locale.ROOT,
              "  %5.1f s: %d/%d Ready, queue depth %d, operator RSS %d MiB%n",
              seconds(lastReport - start),
              tracker.ready(),
              count,
              operator.lastQueueDepth(),
              operator.rssKb() / 1024);
        }
        Thread.sleep(50);
      }
      double readySeconds =
          failure == null
              ? seconds(tracker.lastReadyAt() - start)
              : seconds(System.nanoTime() - start);
      Map<String, Long> reconciles = operator.reconciles();
      double meanReconcileMillis = operator.meanReconcileMillis();
      long requests = dispatcher.total.sum() - requestsBefore;
      long conflicts = dispatcher.conflicts.sum() - conflictsBefore;
      Map<String, Long> methods = new LinkedHashMap<>();
      dispatcher
          .byMethod()
          .forEach(
              (m, n) -> {
                if (n > methodsBefore.getOrDefault(m, 0L)) {
                  methods.put(m, n - methodsBefore.getOrDefault(m, 0L));
                }
              });
      long reconcilesAfterSettle = 0;
      if (failure == null) {
        System.out.printf(
            Locale.ROOT,
            "all %d Ready after %.1f s; settling %d s%n",
            count,
            readySeconds,
            SETTLE.toSeconds());
        Thread.sleep(SETTLE.toMillis());
        long after = operator.reconciles().values().stream().mapToLong(Long::longValue).sum();
        reconcilesAfterSettle =
            after - reconciles.values().stream().mapToLong(Long::longValue).sum();
        failure = tracker.verifyAllReady(count);
        if (options.nmt()) {
          operator.nativeMemorySummary(options.workDir().resolve("operator-nmt-" + tag + ".txt"));
        }
      }
      long peakRss = operator.peakRssKb();
      long endRss = operator.rssKb();
      long peakQueue = operator.peakQueueDepth();
      List<Double> latencies = tracker.latencies();
      double p50 = latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2);
      double max = latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1);
      long kubeletWrites = kubelet.statusWrites.sum();
      operator.stop();
      GcLog gc = GcLog.parse(operator.gcLog());
      return new Result(
          count,
          options.namespaces(),
          startup,
          createSeconds,
          readySeconds,
          p50,
          max,
          tracker.ready(),
          reconciles,
          reconcilesAfterSettle,
          meanReconcileMillis,
          peakQueue,
          requests,
          methods,
          conflicts,
          kubeletWrites,
          peakRss,
          endRss,
          gc.peakUsedKb(),
          gc.capacityKb(),
          gc.collections(),
          operator.warnings(),
          failure);
    } finally {
      // The operator first: on SIGTERM it releases its Lease through the mock server.
      if (operator != null) {
        operator.stop();
      }
      if (kubelet != null) {
        kubelet.close();
      }
      if (tracker != null) {
        tracker.close();
      }
      if (client != null) {
        client.close();
      }
      server.destroy();
    }
  }

  private static ProxyConfig proxy(String namespace, String name, int i) {
    ProxyConfig proxy = Samples.proxy(namespace, name);
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    ProxyConfigSpec spec = proxy.getSpec();
    spec.setReplicas(REPLICAS);
    spec.setUpstreamUrl("http://backend-" + i + "." + namespace + ":8080");
    return proxy;
  }

  private static void installCrd(KubernetesClient client) throws IOException {
    try (InputStream yaml = ScaleBenchmark.class.getResourceAsStream(CRD_RESOURCE)) {
      if (yaml == null) {
        throw new IllegalStateException(
            CRD_RESOURCE + " is not on the classpath: build the operator module first");
      }
      client.apiextensions().v1().customResourceDefinitions().load(yaml).create();
    }
  }

  static List<String> words(String text) {
    return Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  static long deadline(Duration timeout) {
    return System.nanoTime() + timeout.toNanos();
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  // ---------------------------------------------------------------------------------------------
  // The mock API server, counting what it serves

  // ---------------------------------------------------------------------------------------------
  // The fake Deployment controller

  // ---------------------------------------------------------------------------------------------
  // Readiness, as a user would see it

  // ---------------------------------------------------------------------------------------------
  // The operator, as its own process

  // ---------------------------------------------------------------------------------------------
  // Output

  static String table(List<Result> results, Options options) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| ProxyConfigs | time to all Ready | create → Ready p50 / max | reconciles (ok/error) | reconciles/s "
            + "| peak queue depth | API requests (409s) | operator peak RSS | peak heap used (heap size) |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      String ready =
          r.failure() == null
              ? String.format(Locale.ROOT, "**%.1f s**", r.readySeconds())
              : String.format(Locale.ROOT, "failed: %d/%d Ready", r.readyCount(), r.count());
      out.append(
          String.format(
              Locale.ROOT,
              "| %d over %d ns | %s | %.1f s / %.1f s | %d (%d/%d) | %.0f | %d | %d (%d) | **%d MiB** | %d MiB (%d MiB) |%n",
              r.count(),
              r.namespaces(),
              ready,
              r.p50LatencySeconds(),
              r.maxLatencySeconds(),
              r.totalReconciles(),
              r.reconciles().getOrDefault("success", 0L),
              r.reconciles().getOrDefault("error", 0L),
              r.reconcilesPerSecond(),
              r.peakQueueDepth(),
              r.apiRequests(),
              r.conflicts(),
              r.peakRssKb() / 1024,
              r.peakHeapUsedKb() / 1024,
              r.heapCapacityKb() / 1024));
    }
    out.append('\n');
    for (Result r : results) {
      out.append(
          String.format(
              Locale.ROOT,
              "- N=%d: operator leading with synced caches %.1f s after its JVM started; the %d creates took %.1f s of the "
                  + "window; mean reconcile %.1f ms; %d Deployment status writes by the fake controller; %d reconciles in "
                  + "the %d s after the last Ready; RSS %d MiB at the end; %d GCs; %d warnings in the operator log; API "
                  + "requests in the window by method: %s.%s%n",
              r.count(),
              r.startupSeconds(),
              r.count(),
              r.createSeconds(),
              r.meanReconcileMillis(),
              r.kubeletStatusWrites(),
              r.reconcilesAfterSettle(),
              SETTLE.toSeconds(),
              r.endRssKb() / 1024,
              r.gcCount(),
              r.operatorWarnings(),
              r.requestsByMethod(),
              r.failure() == null ? "" : " **Failed: " + r.failure() + "**"));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "%nMeasured %s on %d cores (%s), JDK %s; operator JVM `%s`%s.%n",
            Instant.now().truncatedTo(ChronoUnit.MINUTES),
            Runtime.getRuntime().availableProcessors(),
            cpuModel(),
            System.getProperty("java.version"),
            options.jvmOpts(),
            options.operatorArgs().isEmpty()
                ? ", operator defaults"
                : ", operator flags `" + String.join(" ", options.operatorArgs()) + "`"));
    return out.toString();
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  /** Replaces the table between the markers, adding the section at the end if it is missing. */
  static void writeDoc(Path doc, String table) throws IOException {
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    String updated;
    if (begin >= 0 && end > begin) {
      updated = text.substring(0, begin + BEGIN.length()) + "\n" + table + text.substring(end);
    } else {
      String section =
          (text.contains("\n" + HEADING + "\n") ? "" : "\n" + HEADING + "\n\n")
              + "`make bench-operator` (not part of `make test`); see `ScaleBenchmark` in `operator-bench/`.\n\n"
              + BEGIN
              + "\n"
              + table
              + END
              + "\n";
      updated = (text.endsWith("\n") ? text : text + "\n") + section;
    }
    Files.writeString(doc, updated, StandardCharsets.UTF_8);
  }

  static ThreadFactory daemon(String name) {
    return Thread.ofPlatform().name(name + "-", 1).daemon().factory();
  }
}
