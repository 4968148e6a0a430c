package io.steadyproxy.operator.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The operator's Prometheus metrics, kept in plain counters and rendered in the text exposition
 * format: a dozen series need no metrics library.
 *
 * <ul>
 *   <li>{@code steadyproxy_operator_reconciles_total{result}}
 *   <li>{@code steadyproxy_operator_reconcile_duration_seconds} (histogram)
 *   <li>{@code steadyproxy_operator_queue_depth}
 *   <li>{@code steadyproxy_operator_leader}
 *   <li>{@code steadyproxy_operator_proxyconfig_replicas{namespace,proxyconfig}} and {@code
 *       steadyproxy_operator_proxyconfig_ready_replicas{namespace,proxyconfig}}, read from the
 *       ProxyConfig cache at scrape time
 *   <li>{@code steadyproxy_operator_watchdog_checks_total{namespace,proxyconfig,result}} (ok,
 *       above_threshold, above_max, shedding, unreachable)
 *   <li>{@code steadyproxy_operator_watchdog_cleanups_total{namespace,proxyconfig,result}} (ok,
 *       failed, auth_failed, rate_limited, no_token)
 *   <li>{@code steadyproxy_operator_watchdog_restarts_total{namespace,proxyconfig,result}}
 *       (evicted, blocked_pdb, blocked_budget, blocked_settling, blocked_last_ready, halted,
 *       failed)
 *   <li>{@code steadyproxy_operator_pod_memory_mb{namespace,proxyconfig,pod}}: last reading
 *   <li>{@code steadyproxy_operator_watchdog_state{namespace,proxyconfig,state}}: 1 for the current
 *       state (healthy, unhealthy, halted), 0 for the others
 * </ul>
 */
public final class OperatorMetrics {

  /** Histogram bucket bounds, seconds: a reconcile is a few API calls. */
  private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Map<String, LongAdder> reconciles = new ConcurrentHashMap<>();
  private final Map<Labels, LongAdder> checks = new ConcurrentHashMap<>();
  private final Map<Labels, LongAdder> cleanups = new ConcurrentHashMap<>();
  private final Map<Labels, LongAdder> restarts = new ConcurrentHashMap<>();
  private final Map<Labels, Double> podMemory = new ConcurrentHashMap<>();
  private final Map<Labels, String> watchdogStates = new ConcurrentHashMap<>();
  private volatile Supplier<List<Replicas>> replicas = List::of;

  /** The watchdog states, in the order they are rendered. */
  public static final List<String> WATCHDOG_STATES = List.of("healthy", "unhealthy", "halted");

  /** One series' labels: the ProxyConfig and a third value (result, pod or nothing). */
  private record Labels(String namespace, String proxyConfig, String value) {}

  /**
   * A ProxyConfig's replica counts as its status reports them.
   *
   * @param namespace its namespace
   * @param proxyConfig its name
   * @param desired pods wanted (spec.replicas, or status.replicas when unset)
   * @param ready ready pods
   */
  public record Replicas(String namespace, String proxyConfig, int desired, int ready) {}

  private final LongAdder[] bucketCounts = new LongAdder[BUCKETS.length];
  private final LongAdder durationCount = new LongAdder();
  private final DoubleAdder durationSum = new DoubleAdder();
  private volatile IntSupplier queueDepth = () -> 0;
  private volatile boolean leader;

  public OperatorMetrics() {
    for (int i = 0; i < BUCKETS.length; i++) {
      bucketCounts[i] = new LongAdder();
    }
  }

  /** Counts one reconcile and its duration. */
  public void reconciled(String result, Duration took) {
    reconciles.computeIfAbsent(result, r -> new LongAdder()).increment();
    double seconds = took.toNanos() / 1e9;
    for (int i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) {
        bucketCounts[i].increment();
      }
    }
    durationCount.increment();
    durationSum.add(seconds);
  }

  /** Counts one watchdog health check of a ProxyConfig's pod by result. */
  public void watchdogCheck(String namespace, String proxyConfig, String result) {
    checks
        .computeIfAbsent(new Labels(namespace, proxyConfig, result), r -> new LongAdder())
        .increment();
  }

  /** Counts one watchdog cleanup decision by result. */
  public void watchdogCleanup(String namespace, String proxyConfig, String result) {
    cleanups
        .computeIfAbsent(new Labels(namespace, proxyConfig, result), r -> new LongAdder())
        .increment();
  }

  /** Counts one watchdog restart decision by result. */
  public void watchdogRestart(String namespace, String proxyConfig, String result) {
    restarts
        .computeIfAbsent(new Labels(namespace, proxyConfig, result), r -> new LongAdder())
        .increment();
  }

  /** The last memory reading (RSS, MB) of a pod. */
  public void podMemory(String namespace, String proxyConfig, String pod, double mb) {
    podMemory.put(new Labels(namespace, proxyConfig, pod), mb);
  }

  /** Drops the memory series of the ProxyConfig's pods that are gone. */
  public void retainPods(String namespace, String proxyConfig, Set<String> livePods) {
    podMemory
        .keySet()
        .removeIf(
            l ->
                l.namespace().equals(namespace)
                    && l.proxyConfig().equals(proxyConfig)
                    && !livePods.contains(l.value()));
  }

  /** The watchdog's state for a ProxyConfig: one of {@link #WATCHDOG_STATES}. */
  public void watchdogState(String namespace, String proxyConfig, String state) {
    watchdogStates.put(new Labels(namespace, proxyConfig, ""), state);
  }

  /**
   * Drops the gauges of a ProxyConfig the watchdog no longer watches (deleted, or its watchdog
   * off), so a scrape never shows stale pods. Counters stay, as Prometheus counters should.
   */
  public void forgetProxyConfig(String namespace, String proxyConfig) {
    retainPods(namespace, proxyConfig, Set.of());
    watchdogStates.remove(new Labels(namespace, proxyConfig, ""));
  }

  /** Where the ProxyConfigs' replica counts are read from at scrape time. */
  public void replicas(Supplier<List<Replicas>> source) {
    this.replicas = source;
  }

  /** A pod's last memory reading, if the watchdog has one. */
  public Optional<Double> podMemory(String namespace, String proxyConfig, String pod) {
    return Optional.ofNullable(podMemory.get(new Labels(namespace, proxyConfig, pod)));
  }

  /** The watchdog's state for a ProxyConfig, if it watches it. */
  public Optional<String> watchdogState(String namespace, String proxyConfig) {
    return Optional.ofNullable(watchdogStates.get(new Labels(namespace, proxyConfig, "")));
  }

  /** Watchdog restarts of one ProxyConfig so far with that result. */
  public long watchdogRestarts(String namespace, String proxyConfig, String result) {
    LongAdder count = restarts.get(new Labels(namespace, proxyConfig, result));
    return count == null ? 0 : count.sum();
  }

  /** Where the queue depth is read from at scrape time. */
  public void queueDepth(IntSupplier depth) {
    this.queueDepth = depth;
  }

  /** Whether this instance holds the leader lease. */
  public void leader(boolean isLeader) {
    this.leader = isLeader;
  }

  /** Reconciles so far with that result. */
  public long reconciles(String result) {
    LongAdder count = reconciles.get(result);
    return count == null ? 0 : count.sum();
  }

  /** Watchdog checks so far with that result, over every ProxyConfig. */
  public long watchdogChecks(String result) {
    return total(checks, result);
  }

  /** Watchdog cleanups so far with that result, over every ProxyConfig. */
  public long watchdogCleanups(String result) {
    return total(cleanups, result);
  }

  /** Watchdog restarts so far with that result, over every ProxyConfig. */
  public long watchdogRestarts(String result) {
    return total(restarts, result);
  }

  private static long total(Map<Labels, LongAdder> counters, String result) {
    return counters.entrySet().stream()
        .filter(e -> e.getKey().value().equals(result))
        .mapToLong(e -> e.getValue().sum())
        .sum();
  }

  /** The metrics in Prometheus text format 0.0.4. */
  public String render() {
    StringBuilder out = new StringBuilder();
    counter(
        out,
        "steadyproxy_operator_reconciles_total",
        "ProxyConfig reconciles by result.",
        reconciles);
    out.append("# HELP steadyproxy_operator_reconcile_duration_seconds Time one reconcile took.\n");
    out.append("# TYPE steadyproxy_operator_reconcile_duration_seconds histogram\n");
    for (int i = 0; i < BUCKETS.length; i++) {
      out.append("steadyproxy_operator_reconcile_duration_seconds_bucket{le=\"")
          .append(format(BUCKETS[i]))
          .append("\"} ")
          .append(bucketCounts[i].sum())
          .append('\n');
    }
    out.append("steadyproxy_operator_reconcile_duration_seconds_bucket{le=\"+Inf\"} ")
        .append(durationCount.sum())
        .append('\n');
    out.append("steadyproxy_operator_reconcile_duration_seconds_sum ")
        .append(format(durationSum.sum()))
        .append('\n');
    out.append("steadyproxy_operator_reconcile_duration_seconds_count ")
        .append(durationCount.sum())
        .append('\n');
    gauge(
        out,
        "steadyproxy_operator_queue_depth",
        "ProxyConfig keys waiting to be reconciled.",
        queueDepth.getAsInt());
    gauge(
        out,
        "steadyproxy_operator_leader",
        "1 while this instance holds the leader lease.",
        leader ? 1 : 0);
    List<Replicas> counts = new ArrayList<>(replicas.get());
    counts.sort(Comparator.comparing(Replicas::namespace).thenComparing(Replicas::proxyConfig));
    header(out, "steadyproxy_operator_proxyconfig_replicas", "Pods a ProxyConfig wants.", "gauge");
    for (Replicas r : counts) {
      series(out, "steadyproxy_operator_proxyconfig_replicas", r.namespace(), r.proxyConfig(), null)
          .append(r.desired())
          .append('\n');
    }
    header(
        out,
        "steadyproxy_operator_proxyconfig_ready_replicas",
        "Ready pods of a ProxyConfig, as its status reports them.",
        "gauge");
    for (Replicas r : counts) {
      series(
              out,
              "steadyproxy_operator_proxyconfig_ready_replicas",
              r.namespace(),
              r.proxyConfig(),
              null)
          .append(r.ready())
          .append('\n');
    }
    counter(
        out,
        "steadyproxy_operator_watchdog_checks_total",
        "Pod memory checks by result.",
        "result",
        checks);
    counter(
        out,
        "steadyproxy_operator_watchdog_cleanups_total",
        "Cleanup decisions by result.",
        "result",
        cleanups);
    counter(
        out,
        "steadyproxy_operator_watchdog_restarts_total",
        "Pod restart decisions by result.",
        "result",
        restarts);
    header(
        out,
        "steadyproxy_operator_pod_memory_mb",
        "Last memory reading (RSS, MB) of a proxy pod by the watchdog.",
        "gauge");
    new TreeMap<>(sortable(podMemory))
        .forEach(
            (k, e) ->
                series(
                        out,
                        "steadyproxy_operator_pod_memory_mb",
                        e.getKey().namespace(),
                        e.getKey().proxyConfig(),
                        "pod=\"" + escape(e.getKey().value()) + "\"")
                    .append(format(e.getValue()))
                    .append('\n'));
    header(
        out,
        "steadyproxy_operator_watchdog_state",
        "1 for the watchdog's current state of a ProxyConfig (healthy, unhealthy, halted).",
        "gauge");
    new TreeMap<>(sortable(watchdogStates))
        .forEach(
            (k, e) -> {
              for (String state : WATCHDOG_STATES) {
                series(
                        out,
                        "steadyproxy_operator_watchdog_state",
                        e.getKey().namespace(),
                        e.getKey().proxyConfig(),
                        "state=\"" + state + "\"")
                    .append(state.equals(e.getValue()) ? 1 : 0)
                    .append('\n');
              }
            });
    return out.toString();
  }

  private static <V> Map<String, Map.Entry<Labels, V>> sortable(Map<Labels, V> map) {
    Map<String, Map.Entry<Labels, V>> sorted = new TreeMap<>();
    map.entrySet()
        .forEach(
            e ->
                sorted.put(
                    e.getKey().namespace()
                        + "\0"
                        + e.getKey().proxyConfig()
                        + "\0"
                        + e.getKey().value(),
                    Map.entry(e.getKey(), e.getValue())));
    return sorted;
  }

  private static void counter(
      StringBuilder out, String name, String help, Map<String, LongAdder> byResult) {
    header(out, name, help, "counter");
    new TreeMap<>(byResult)
        .forEach(
            (result, count) ->
                out.append(name)
                    .append("{result=\"")
                    .append(result)
                    .append("\"} ")
                    .append(count.sum())
                    .append('\n'));
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  /** Appends {@code name{namespace=..,proxyconfig=..[,extra]} } and returns {@code out}. */
  private static StringBuilder series(
      StringBuilder out, String name, String namespace, String proxyConfig, String extra) {
    out.append(name)
        .append("{namespace=\"")
        .append(escape(namespace))
        .append("\",proxyconfig=\"")
        .append(escape(proxyConfig))
        .append('"');
    if (extra != null) {
      out.append(',').append(extra);
    }
    return out.append("} ");
  }

  private static void counter(
      StringBuilder out, String name, String help, String label, Map<Labels, LongAdder> counters) {
    header(out, name, help, "counter");
    new TreeMap<>(sortable(counters))
        .forEach(
            (k, e) ->
                series(
                        out,
                        name,
                        e.getKey().namespace(),
                        e.getKey().proxyConfig(),
                        label + "=\"" + escape(e.getKey().value()) + "\"")
                    .append(e.getValue().sum())
                    .append('\n'));
  }

  /** Label value escaping of the text format: backslash, double quote, line feed. */
  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%s", value);
  }
}
