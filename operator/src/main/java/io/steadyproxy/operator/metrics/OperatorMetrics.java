package io.steadyproxy.operator.metrics;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The operator's Prometheus metrics, kept in plain counters and rendered in the text exposition
 * format: a dozen series need no metrics library.
 *
 * <ul>
 *   <li>{@code steadyproxy_operator_reconciles_total{result}}
 *   <li>{@code steadyproxy_operator_reconcile_duration_seconds} (histogram)
 *   <li>{@code steadyproxy_operator_queue_depth}
 *   <li>{@code steadyproxy_operator_watchdog_checks_total{result}} (ok, above_threshold, above_max,
 *       unreachable)
 *   <li>{@code steadyproxy_operator_watchdog_cleanups_total{result}} (ok, failed, rate_limited,
 *       no_token)
 *   <li>{@code steadyproxy_operator_watchdog_restarts_total{result}} (deleted, blocked)
 *   <li>{@code steadyproxy_operator_leader}
 * </ul>
 */
public final class OperatorMetrics {

  /** Histogram bucket bounds, seconds: a reconcile is a few API calls. */
  private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Map<String, LongAdder> reconciles = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> checks = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> cleanups = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> restarts = new ConcurrentHashMap<>();
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

  /** Counts one watchdog health check by result. */
  public void watchdogCheck(String result) {
    checks.computeIfAbsent(result, r -> new LongAdder()).increment();
  }

  /** Counts one watchdog cleanup decision by result. */
  public void watchdogCleanup(String result) {
    cleanups.computeIfAbsent(result, r -> new LongAdder()).increment();
  }

  /** Counts one watchdog restart decision by result. */
  public void watchdogRestart(String result) {
    restarts.computeIfAbsent(result, r -> new LongAdder()).increment();
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

  /** Watchdog checks so far with that result. */
  public long watchdogChecks(String result) {
    LongAdder count = checks.get(result);
    return count == null ? 0 : count.sum();
  }

  /** Watchdog cleanups so far with that result. */
  public long watchdogCleanups(String result) {
    LongAdder count = cleanups.get(result);
    return count == null ? 0 : count.sum();
  }

  /** Watchdog restarts so far with that result. */
  public long watchdogRestarts(String result) {
    LongAdder count = restarts.get(result);
    return count == null ? 0 : count.sum();
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
    counter(
        out, "steadyproxy_operator_watchdog_checks_total", "Pod memory checks by result.", checks);
    counter(
        out,
        "steadyproxy_operator_watchdog_cleanups_total",
        "Cleanup decisions by result.",
        cleanups);
    counter(
        out,
        "steadyproxy_operator_watchdog_restarts_total",
        "Pod restart decisions by result.",
        restarts);
    return out.toString();
  }

  private static void counter(
      StringBuilder out, String name, String help, Map<String, LongAdder> byResult) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
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

  private static void gauge(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%s", value);
  }
}
