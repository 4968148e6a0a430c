package io.steadyproxy.charts;

import com.sun.net.httpserver.HttpServer;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The metric names (and each one's label names) that alerts and dashboards may use: scraped from a
 * real SteadyProxy's {@code /observe/metrics} after traffic that creates every lazily registered
 * family, and rendered by the operator's real {@link OperatorMetrics} after one event of each kind.
 * Nothing is listed by hand except what other exporters provide ({@link #EXTERNAL}), so a metric
 * renamed in the service or the operator fails the lint instead of an alert going silent in
 * production.
 */
record MetricCatalog(Map<String, Set<String>> labels) {

  /**
   * Labels Prometheus adds to every series from the chart's PodMonitor and ServiceMonitor (target
   * labels of the Prometheus Operator, and {@code proxyconfig} from the PodMonitor's relabelling).
   */
  static final Set<String> TARGET_LABELS =
      Set.of(
          "namespace", "pod", "container", "job", "instance", "endpoint", "service", "proxyconfig");

  /**
   * Series from other exporters that the alerts use, with their labels: cAdvisor through the
   * kubelet, and kube-state-metrics. Both ship with kube-prometheus-stack.
   */
  static final Map<String, Set<String>> EXTERNAL =
      Map.of(
          "container_memory_working_set_bytes",
          Set.of("namespace", "pod", "container", "id", "image", "name"),
          "kube_pod_container_resource_limits",
          Set.of("namespace", "pod", "container", "node", "resource", "unit", "uid"));

  private static MetricCatalog cached;

  /** The catalog, built once per test JVM (starting a proxy takes a second). */
  static synchronized MetricCatalog get() {
    if (cached == null) {
      Map<String, Set<String>> all = new TreeMap<>();
      parse(scrapeProxy(), all);
      parse(operatorMetrics(), all);
      cached = new MetricCatalog(all);
    }
    return cached;
  }

  /** Whether a metric exists, from our exporters or a known external one. */
  boolean has(String metric) {
    return labels.containsKey(metric) || EXTERNAL.containsKey(metric);
  }

  /** The label names a selector of this metric may match on. */
  Set<String> labelsOf(String metric) {
    Set<String> names = new TreeSet<>(TARGET_LABELS);
    names.addAll(labels.getOrDefault(metric, EXTERNAL.getOrDefault(metric, Set.of())));
    names.add("__name__");
    return names;
  }

  /** The operator's /metrics text after one reconcile and one watchdog event of each kind. */
  static String operatorMetrics() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.reconciled("success", Duration.ofMillis(3));
    metrics.reconciled("error", Duration.ofMillis(30));
    metrics.queueDepth(() -> 1);
    metrics.leader(true);
    metrics.replicas(() -> List.of(new OperatorMetrics.Replicas("shop", "edge", 2, 1)));
    metrics.watchdogCheck("shop", "edge", "ok");
    metrics.watchdogCleanup("shop", "edge", "ok");
    metrics.watchdogRestart("shop", "edge", "evicted");
    metrics.podMemory("shop", "edge", "edge-abc", 210.5);
    metrics.watchdogState("shop", "edge", "healthy");
    return metrics.render();
  }

  /**
   * A real proxy's /observe/metrics: one proxied request to a live upstream, one to a port that
   * refuses (an error class), a full cleanup, a memory check and a client header timeout, so that
   * every family the proxy creates on first use is there.
   */
  static String scrapeProxy() {
    HttpServer upstream;
    try {
      upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    upstream.createContext(
        "/",
        exchange -> {
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    upstream.start();
    String[] flags = {
      "--host", "127.0.0.1",
      "--port", "0",
      "--admin-port", "0",
      "--log-file", "",
      "--upstream", "http://127.0.0.1:" + upstream.getAddress().getPort(),
      "--route", "/refused=http://127.0.0.1:9",
      "--memory-check-interval", "1",
      "--client-header-timeout", "1"
    };
    try (SteadyProxy proxy =
            SteadyProxy.start(
                ConfigLoader.read(flags, Map.of(), Path.of("target")).settings(),
                MemoryReader.system());
        HttpClient client = HttpClient.newHttpClient()) {
      String base = "http://127.0.0.1:" + proxy.port();
      send(client, base + "/");
      send(client, base + "/refused/x");
      proxy.monitor().fullCleanup();
      try (Socket silent = new Socket("127.0.0.1", proxy.port())) {
        silent.setSoTimeout(10_000);
        InputStream in = silent.getInputStream();
        // the proxy closes a connection that sends no request head within the header timeout
        while (in.read() >= 0) {
          // drain whatever it answers until it closes
        }
      }
      String metricsUrl = "http://127.0.0.1:" + proxy.adminPort() + "/observe/metrics";
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      String text = send(client, metricsUrl);
      while (!(text.contains("steadyproxy_memory_checks_total")
          && text.contains("steadyproxy_client_timeouts_total"))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "the proxy's metrics never showed memory checks and client timeouts:\n" + text);
        }
        Thread.sleep(100); // polling a condition with a deadline, not standing in for a sync
        text = send(client, metricsUrl);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      upstream.stop(0);
    }
  }

  private static String send(HttpClient client, String url)
      throws IOException, InterruptedException {
    return client
        .send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Adds each sample's metric name and label names from Prometheus text format. */
  static void parse(String text, Map<String, Set<String>> into) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int end = brace >= 0 && (space < 0 || brace < space) ? brace : space;
      String name = line.substring(0, end);
      Set<String> labels = into.computeIfAbsent(name, n -> new TreeSet<>());
      if (end == brace) {
        int i = brace + 1;
        while (i < line.length() && line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          labels.add(line.substring(i, eq).trim());
          i = eq + 2; // past ="
          while (line.charAt(i) != '"') {
            i += line.charAt(i) == '\\' ? 2 : 1;
          }
          i++;
          if (line.charAt(i) == ',') {
            i++;
          }
        }
      }
    }
  }
}
