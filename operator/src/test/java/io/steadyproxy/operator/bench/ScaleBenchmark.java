package io.steadyproxy.operator.bench;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.reconcile.Ownership;
import java.io.IOException;
import java.io.InputStream;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * <p>Usage (from {@code operator/}, test classpath): {@code ScaleBenchmark [--counts 100,500]
 * [--namespaces 5] [--timeout-seconds 300] [--operator-jar target/steadyproxy-operator.jar]
 * [--jvm-opts "..."] [--operator-args "--workers=4"] [--nmt] [--write] [--doc
 * ../src-docs/performance.md]}. {@code --nmt} turns on the operator's native memory tracking and
 * saves {@code jcmd VM.native_memory summary} at the end, to see what the resident set is made of.
 * With {@code --write} the table replaces what is between {@code <!-- operator-scale:begin -->} and
 * {@code <!-- operator-scale:end -->} in the doc (section "## Operator scale", appended if
 * missing). Exit status 1 when a run timed out or the operator died.
 */
public final class ScaleBenchmark {

  static final String BEGIN = "<!-- operator-scale:begin -->";
  static final String END = "<!-- operator-scale:end -->";
  static final String HEADING = "## Operator scale";
  private static final String CRD_RESOURCE = "/META-INF/fabric8/proxyconfigs.steadyproxy.io-v1.yml";
  private static final String LEASE_NAMESPACE = "steadyproxy-system";
  private static final int REPLICAS = 2;
  private static final Duration SETTLE = Duration.ofSeconds(5);
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final String DEFAULT_JVM_OPTS =
      "-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:MaxRAM=384m -XX:MaxRAMPercentage=75";

  /** The command line. */
  record Options(
      List<Integer> counts,
      int namespaces,
      Duration timeout,
      Path operatorJar,
      String jvmOpts,
      List<String> operatorArgs,
      boolean write,
      boolean nmt,
      Path doc,
      Path workDir) {

    static Options parse(String[] args) {
      List<Integer> counts = List.of(500);
      int namespaces = 5;
      int timeoutSeconds = 300;
      Path jar = Path.of("target", "steadyproxy-operator.jar");
      String jvmOpts = DEFAULT_JVM_OPTS;
      List<String> operatorArgs = List.of();
      boolean write = false;
      boolean nmt = false;
      Path doc = Path.of("..", "src-docs", "performance.md");
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--write")) {
          write = true;
          continue;
        }
        if (arg.equals("--nmt")) {
          nmt = true;
          continue;
        }
        if (!arg.startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException(
              "unexpected argument '" + arg + "'; see the class Javadoc for the flags");
        }
        String value = args[++i];
        switch (arg) {
          case "--counts", "--count" ->
              counts =
                  java.util.Arrays.stream(value.split(","))
                      .map(String::trim)
                      .map(Integer::parseInt)
                      .toList();
          case "--namespaces" -> namespaces = Integer.parseInt(value);
          case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(value);
          case "--operator-jar" -> jar = Path.of(value);
          case "--jvm-opts" -> jvmOpts = value;
          case "--operator-args" -> operatorArgs = words(value);
          case "--doc" -> doc = Path.of(value);
          default -> throw new IllegalArgumentException("unknown flag " + arg);
        }
      }
      if (counts.isEmpty()
          || counts.stream().anyMatch(n -> n < 1)
          || namespaces < 1
          || timeoutSeconds < 1) {
        throw new IllegalArgumentException(
            "--counts, --namespaces and --timeout-seconds must be positive");
      }
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException(
            jar.toAbsolutePath()
                + " is missing: build the operator first (make bench-operator does)");
      }
      return new Options(
          counts,
          namespaces,
          Duration.ofSeconds(timeoutSeconds),
          jar,
          jvmOpts,
          operatorArgs,
          write,
          nmt,
          doc,
          jar.toAbsolutePath().getParent().resolve("bench"));
    }
  }

  /** One run's figures; {@code failure} is null when every ProxyConfig became Ready in time. */
  record Result(
      int count,
      int namespaces,
      double startupSeconds,
      double createSeconds,
      double readySeconds,
      double p50LatencySeconds,
      double maxLatencySeconds,
      int readyCount,
      Map<String, Long> reconciles,
      long reconcilesAfterSettle,
      double meanReconcileMillis,
      long peakQueueDepth,
      long apiRequests,
      Map<String, Long> requestsByMethod,
      long conflicts,
      long kubeletStatusWrites,
      long peakRssKb,
      long endRssKb,
      long peakHeapUsedKb,
      long heapCapacityKb,
      int gcCount,
      long operatorWarnings,
      String failure) {

    long totalReconciles() {
      return reconciles.values().stream().mapToLong(Long::longValue).sum();
    }

    double reconcilesPerSecond() {
      return readySeconds > 0 ? totalReconciles() / readySeconds : 0;
    }
  }

  /** The mock server logs every request at INFO; held here so the level sticks. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private ScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
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

  private static List<String> words(String text) {
    return java.util.Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static long deadline(Duration timeout) {
    return System.nanoTime() + timeout.toNanos();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  // ---------------------------------------------------------------------------------------------
  // The mock API server, counting what it serves

  /** The CRUD dispatcher of the tests, counting requests by method and 409 answers. */
  static final class CountingDispatcher extends KubernetesCrudDispatcher {
    final LongAdder total = new LongAdder();
    final LongAdder conflicts = new LongAdder();
    private final Map<String, LongAdder> methods = new ConcurrentHashMap<>();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      MockResponse response = super.dispatch(request);
      total.increment();
      String path = request.getPath() == null ? "" : request.getPath();
      String method = request.getMethod() + (path.contains("watch=true") ? " (watch)" : "");
      methods.computeIfAbsent(method, m -> new LongAdder()).increment();
      if (response != null && response.code() == 409) {
        conflicts.increment();
      }
      return response;
    }

    Map<String, Long> byMethod() {
      Map<String, Long> snapshot = new java.util.TreeMap<>();
      methods.forEach((m, n) -> snapshot.put(m, n.sum()));
      return snapshot;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The fake Deployment controller

  /**
   * Plays the Deployment controller and the kubelet: every Deployment the operator creates or
   * changes gets the status of a finished rollout of {@code spec.replicas} ready pods.
   */
  static final class FakeDeploymentController implements AutoCloseable {
    private static final int ATTEMPTS = 5;
    final LongAdder statusWrites = new LongAdder();
    final LongAdder failures = new LongAdder();
    private final KubernetesClient client;
    private final SharedIndexInformer<Deployment> informer;
    private final ExecutorService writers;
    private final java.util.Set<String> pending = ConcurrentHashMap.newKeySet();

    FakeDeploymentController(KubernetesClient client) {
      this.client = client;
      this.writers = Executors.newFixedThreadPool(2, daemon("fake-deployment-controller"));
      this.informer =
          client
              .apps()
              .deployments()
              .inAnyNamespace()
              .withLabel(Ownership.MANAGED_BY_LABEL, Ownership.MANAGED_BY)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Deployment deployment) {
                      consider(deployment);
                    }

                    @Override
                    public void onUpdate(Deployment before, Deployment after) {
                      consider(after);
                    }

                    @Override
                    public void onDelete(Deployment deployment, boolean finalStateUnknown) {}
                  });
    }

    private void consider(Deployment deployment) {
      if (!rolledOut(deployment)) {
        String key =
            deployment.getMetadata().getNamespace() + "/" + deployment.getMetadata().getName();
        if (pending.add(key)) {
          writers.execute(
              () -> {
                pending.remove(key);
                roll(deployment.getMetadata().getNamespace(), deployment.getMetadata().getName());
              });
        }
      }
    }

    /** Reads the Deployment afresh and writes a finished rollout, retrying on 409. */
    private void roll(String namespace, String name) {
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        Deployment current =
            client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (current == null || rolledOut(current)) {
          return;
        }
        current.setStatus(finishedRollout(current));
        try {
          client.resource(current).updateStatus();
          statusWrites.increment();
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            failures.increment();
            System.err.println(
                "fake Deployment controller: status of "
                    + namespace
                    + "/"
                    + name
                    + ": "
                    + e.getMessage());
            return;
          }
        }
      }
      failures.increment();
    }

    private static int wanted(Deployment d) {
      return d.getSpec() == null || d.getSpec().getReplicas() == null
          ? 1
          : d.getSpec().getReplicas();
    }

    private static long generation(Deployment d) {
      return d.getMetadata().getGeneration() == null ? 1 : d.getMetadata().getGeneration();
    }

    static boolean rolledOut(Deployment d) {
      DeploymentStatus s = d.getStatus();
      int wanted = wanted(d);
      return s != null
          && s.getObservedGeneration() != null
          && s.getObservedGeneration() >= generation(d)
          && Objects.equals(s.getReplicas(), wanted)
          && Objects.equals(s.getUpdatedReplicas(), wanted)
          && Objects.equals(s.getReadyReplicas(), wanted)
          && Objects.equals(s.getAvailableReplicas(), wanted);
    }

    private static DeploymentStatus finishedRollout(Deployment d) {
      int wanted = wanted(d);
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      return new DeploymentStatusBuilder()
          .withObservedGeneration(generation(d))
          .withReplicas(wanted)
          .withUpdatedReplicas(wanted)
          .withReadyReplicas(wanted)
          .withAvailableReplicas(wanted)
          .withConditions(
              new DeploymentConditionBuilder()
                  .withType("Available")
                  .withStatus("True")
                  .withReason("MinimumReplicasAvailable")
                  .withMessage("Deployment has minimum availability.")
                  .withLastTransitionTime(now)
                  .withLastUpdateTime(now)
                  .build(),
              new DeploymentConditionBuilder()
                  .withType("Progressing")
                  .withStatus("True")
                  .withReason("NewReplicaSetAvailable")
                  .withMessage("ReplicaSet has successfully progressed.")
                  .withLastTransitionTime(now)
                  .withLastUpdateTime(now)
                  .build())
          .build();
    }

    @Override
    public void close() {
      informer.close();
      writers.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Readiness, as a user would see it

  /** Records when each ProxyConfig is first seen Ready for its current generation. */
  static final class ReadinessTracker implements AutoCloseable {
    private final KubernetesClient client;
    private final SharedIndexInformer<ProxyConfig> informer;
    private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
    private final Map<String, Long> createdAt = new ConcurrentHashMap<>();
    private final LongAccumulator last = new LongAccumulator(Math::max, Long.MIN_VALUE);
    private volatile long clockStart = Long.MAX_VALUE;

    ReadinessTracker(KubernetesClient client) {
      this.client = client;
      this.informer =
          client
              .resources(ProxyConfig.class)
              .inAnyNamespace()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ProxyConfig proxy) {
                      observe(proxy);
                    }

                    @Override
                    public void onUpdate(ProxyConfig before, ProxyConfig after) {
                      observe(after);
                    }

                    @Override
                    public void onDelete(ProxyConfig proxy, boolean finalStateUnknown) {
                      readyAt.remove(key(proxy));
                    }
                  });
    }

    void startClock(long nanos) {
      clockStart = nanos;
    }

    void created(String key, long nanos) {
      createdAt.put(key, nanos);
    }

    /** Seconds from each ProxyConfig's create to its Ready, sorted. */
    List<Double> latencies() {
      List<Double> seconds = new ArrayList<>();
      readyAt.forEach(
          (key, ready) -> {
            Long created = createdAt.get(key);
            if (created != null) {
              seconds.add(seconds(ready - created));
            }
          });
      java.util.Collections.sort(seconds);
      return seconds;
    }

    private void observe(ProxyConfig proxy) {
      long now = System.nanoTime();
      if (isReady(proxy)) {
        if (readyAt.putIfAbsent(key(proxy), now) == null) {
          last.accumulate(now);
        }
      } else {
        readyAt.remove(key(proxy));
      }
    }

    static boolean isReady(ProxyConfig proxy) {
      Long generation = proxy.getMetadata().getGeneration();
      if (proxy.getStatus() == null
          || !Objects.equals(proxy.getStatus().getObservedGeneration(), generation)) {
        return false;
      }
      Optional<Condition> ready = proxy.getStatus().condition("Ready");
      return ready.isPresent()
          && "True".equals(ready.get().getStatus())
          && Objects.equals(ready.get().getObservedGeneration(), generation);
    }

    int ready() {
      return readyAt.size();
    }

    long lastReadyAt() {
      return Math.max(last.get(), clockStart);
    }

    /** One list from the API server, to make sure the informer's picture is the real one. */
    String verifyAllReady(int count) {
      List<ProxyConfig> all =
          client.resources(ProxyConfig.class).inAnyNamespace().list().getItems();
      long ready = all.stream().filter(ReadinessTracker::isReady).count();
      return all.size() == count && ready == count
          ? null
          : "after settling, the API server lists "
              + ready
              + " Ready of "
              + all.size()
              + " ProxyConfigs (expected "
              + count
              + ")";
    }

    private static String key(ProxyConfig proxy) {
      return proxy.getMetadata().getNamespace() + "/" + proxy.getMetadata().getName();
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The operator, as its own process

  /** {@code java -jar steadyproxy-operator.jar}, its memory and its metrics, watched from here. */
  static final class OperatorProcess {
    private static final Pattern RECONCILES =
        Pattern.compile(
            "^steadyproxy_operator_reconciles_total\\{result=\"(\\w+)\"} (\\d+)",
            Pattern.MULTILINE);
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
              "the operator exited with status "
                  + process.exitValue()
                  + " at start-up; see "
                  + log);
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
      Map<String, Long> counts = new java.util.TreeMap<>();
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
      } catch (IOException | java.io.UncheckedIOException e) {
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

  /** The operator's {@code -Xlog:gc} output: heap occupancy before and after each collection. */
  record GcLog(long peakUsedKb, long capacityKb, int collections) {
    private static final Pattern PAUSE =
        Pattern.compile("Pause .*? (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    static GcLog parse(Path file) {
      long peak = 0;
      long capacity = 0;
      int collections = 0;
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          Matcher m = PAUSE.matcher(line);
          if (m.find()) {
            collections++;
            peak = Math.max(peak, kb(m.group(1), m.group(2)));
            capacity = Math.max(capacity, kb(m.group(5), m.group(6)));
          }
        }
      } catch (IOException e) {
        System.err.println("no GC log at " + file + ": " + e.getMessage());
      }
      return new GcLog(peak, capacity, collections);
    }

    private static long kb(String value, String unit) {
      long n = Long.parseLong(value);
      return switch (unit) {
        case "G" -> n * 1024 * 1024;
        case "M" -> n * 1024;
        default -> n;
      };
    }
  }

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
              + "`make bench-operator` (not part of `make test`); see `ScaleBenchmark` in the operator's test sources.\n\n"
              + BEGIN
              + "\n"
              + table
              + END
              + "\n";
      updated = (text.endsWith("\n") ? text : text + "\n") + section;
    }
    Files.writeString(doc, updated, StandardCharsets.UTF_8);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
