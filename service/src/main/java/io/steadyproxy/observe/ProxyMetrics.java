package io.steadyproxy.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.steadyproxy.proxy.ErrorClass;
import io.steadyproxy.proxy.ExchangeRecord;
import io.steadyproxy.proxy.PoolStats;
import io.steadyproxy.upgrade.Tunnels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * SteadyProxy's meters in a Micrometer registry (the proxy's own {@link PrometheusMeters}, served
 * at {@code /observe/metrics}). Meters with tags are looked up once and cached, so the data path
 * pays a map lookup, not a registry lookup. Meters this instance registered are removed on {@link
 * #close()}, so several proxies in one JVM (tests) do not report each other's gauges.
 */
public final class ProxyMetrics implements AutoCloseable {
  private final MeterRegistry registry;
  private final List<Meter> registered = new ArrayList<>();
  private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
  private final Counter[] errors = new Counter[ErrorClass.values().length];
  private final Map<String, Counter> cleanups = new ConcurrentHashMap<>();
  private final Map<String, Counter> checks = new ConcurrentHashMap<>();
  private final Map<String, Counter> clientTimeouts = new ConcurrentHashMap<>();
  private final Map<String, Counter> tlsReloads = new ConcurrentHashMap<>();
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Counter shed;
  private final Counter sheddingTransitions;
  private final Timer poolWait;
  private final Counter connectionsDeferred;
  private final Counter connectionsRefused;
  private final Counter admissionTransitions;
  private final Counter staleIdleClosed;
  private volatile Supplier<Tunnels.Stats> upgradedStats;
  private volatile boolean shedding;

  /**
   * @param registry the registry ({@link PrometheusMeters#registry()} in production)
   * @param pool pool counts for the gauges
   * @param memory memory readings for the gauges
   */
  public ProxyMetrics(MeterRegistry registry, Supplier<PoolStats> pool, MemoryReader memory) {
    this.registry = registry;
    bytesIn =
        keep(
            Counter.builder("steadyproxy_bytes_in")
                .description("Request body bytes read from clients"));
    bytesOut =
        keep(
            Counter.builder("steadyproxy_bytes_out")
                .description("Response body bytes written to clients"));
    shed =
        keep(
            Counter.builder("steadyproxy_shed_requests")
                .description("Requests refused with 503 to protect memory"));
    sheddingTransitions =
        keep(
            Counter.builder("steadyproxy_shedding_transitions")
                .description("Times load shedding switched on or off"));
    poolWait =
        keep(
            Timer.builder("steadyproxy_pool_wait")
                .description("Time requests waited for a free upstream connection")
                .serviceLevelObjectives(BUCKETS));
    connectionsDeferred =
        keep(
            Counter.builder("steadyproxy_connections_deferred")
                .description(
                    "Client connections accepted while connection admission was stopped (they"
                        + " waited)"));
    connectionsRefused =
        keep(
            Counter.builder("steadyproxy_connections_refused")
                .description(
                    "Client connections refused (503, then closed) because memory stayed above the"
                        + " admission mark"));
    admissionTransitions =
        keep(
            Counter.builder("steadyproxy_admission_transitions")
                .description("Times connection admission stopped or resumed"));
    staleIdleClosed =
        keep(
            Counter.builder("steadyproxy_pool_stale_closed")
                .description(
                    "Idle upstream sockets closed because the upstream had closed them or sent"
                        + " bytes nobody asked for"));
    gauge("steadyproxy_pool_open", "Upstream sockets open", () -> pool.get().open());
    gauge("steadyproxy_pool_idle", "Upstream sockets idle", () -> pool.get().idle());
    gauge("steadyproxy_pool_in_use", "Upstream sockets lent to requests", () -> pool.get().inUse());
    gauge(
        "steadyproxy_pool_waiting",
        "Requests waiting for an upstream socket",
        () -> pool.get().waiting());
    gauge("steadyproxy_pool_max", "Upstream socket limit", () -> pool.get().max());
    gauge(
        "steadyproxy_memory_rss_bytes",
        "Process resident set size",
        () -> memory.read().rssBytes());
    gauge(
        "steadyproxy_memory_heap_used_bytes",
        "JVM heap in use",
        () -> memory.read().heapUsedBytes());
    gauge(
        "steadyproxy_memory_heap_max_bytes", "JVM heap limit", () -> memory.read().heapMaxBytes());
    gauge("steadyproxy_shedding", "1 while load is shed", () -> shedding ? 1 : 0);
  }

  /**
   * The histogram buckets of the request and upstream durations: fixed, so that histograms from
   * every pod aggregate with histogram_quantile; from 0.5 ms (a loopback hop) to 60 s (the default
   * read timeout), about 2.5x apart.
   */
  // Service-level objectives, in Micrometer's words: exactly these buckets, no client-side
  // quantiles (they cannot be aggregated across pods and cost a sketch update per request).
  static final Duration[] BUCKETS = {
    Duration.ofMillis(1).dividedBy(2),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private static final String[] METHODS = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER"
  };
  private static final String[] STATUS_CLASSES = {
    "none", "1xx", "2xx", "3xx", "4xx", "5xx", "other"
  };

  /**
   * The status label's index in {@link #STATUS_CLASSES}: {@code 1xx} to {@code 5xx}, {@code none}
   * when no status was sent, {@code other} for anything an upstream invents outside 100-599. A
   * fixed set, as Envoy's response-code classes.
   */
  private static int statusClassIndex(int status) {
    if (status == 0) {
      return 0;
    }
    return status >= 100 && status <= 599 ? status / 100 : STATUS_CLASSES.length - 1;
  }

  /** The status label. */
  static String statusClass(int status) {
    return STATUS_CLASSES[statusClassIndex(status)];
  }

  /**
   * The method label's index in {@link #METHODS}: the standard methods by name (case-sensitive, as
   * RFC 9110 says methods are), every other one {@code OTHER}. Without this each invented method
   * name, one request each, would make a new series that lives as long as the process.
   */
  private static int methodIndex(String method) {
    return switch (method) {
      case "GET" -> 0;
      case "HEAD" -> 1;
      case "POST" -> 2;
      case "PUT" -> 3;
      case "PATCH" -> 4;
      case "DELETE" -> 5;
      case "OPTIONS" -> 6;
      case "TRACE" -> 7;
      case "CONNECT" -> 8;
      default -> METHODS.length - 1;
    };
  }

  /** The method label. */
  static String methodLabel(String method) {
    return METHODS[methodIndex(method)];
  }

  /** Records one finished request. */
  public void exchange(ExchangeRecord r) {
    RouteMeters meters = routes.get(r.route());
    if (meters == null) {
      meters = routes.computeIfAbsent(r.route(), RouteMeters::new);
    }
    meters.requests(methodIndex(r.method()), statusClassIndex(r.status())).increment();
    meters.duration.record(r.nanos(), TimeUnit.NANOSECONDS);
    if (r.upstreamNanos() >= 0) {
      meters.upstream.record(r.upstreamNanos(), TimeUnit.NANOSECONDS);
    }
    if (r.bytesIn() > 0) {
      bytesIn.increment(r.bytesIn());
    }
    if (r.bytesOut() > 0) {
      bytesOut.increment(r.bytesOut());
    }
    if (r.error() != null) {
      if (r.error() == ErrorClass.OVERLOADED) {
        shed.increment();
      }
      errors(r.error()).increment();
    }
  }

  /**
   * One route's meters, bound on its first request: a request then costs one map lookup and an
   * array read instead of building a key and looking up each meter (JFR on small responses showed
   * the key's string building and two map lookups per request).
   */
  private final class RouteMeters {
    private final String route;
    private final Timer duration;
    private final Timer upstream;
    // [method][status class], each created on its first use; a race creates none twice, since the
    // registry answers register with the meter it already holds
    private final Counter[] requests = new Counter[METHODS.length * STATUS_CLASSES.length];

    RouteMeters(String route) {
      this.route = route;
      this.duration =
          keep(
              Timer.builder("steadyproxy_request_duration")
                  .description("Time from request arrival to the end of the response")
                  .serviceLevelObjectives(BUCKETS)
                  .tag("route", route));
      this.upstream =
          keep(
              Timer.builder("steadyproxy_upstream_duration")
                  .description(
                      "Time from asking the pool to the upstream's response head (connect"
                          + " included)")
                  .serviceLevelObjectives(BUCKETS)
                  .tag("route", route));
    }

    Counter requests(int method, int statusClass) {
      int i = method * STATUS_CLASSES.length + statusClass;
      Counter c = requests[i];
      if (c == null) {
        c =
            keep(
                Counter.builder("steadyproxy_requests")
                    .description("Proxied requests by route, method and status class")
                    .tags(
                        "route",
                        route,
                        "method",
                        METHODS[method],
                        "status",
                        STATUS_CLASSES[statusClass]));
        requests[i] = c;
      }
      return c;
    }
  }

  /**
   * The counter of one failure class, on either side of the proxy. Named {@code
   * steadyproxy_errors_total} since 2026-12: it was {@code steadyproxy_upstream_errors_total},
   * which also counted client aborts, unmatched routes and shed requests.
   */
  private Counter errors(ErrorClass error) {
    Counter c = errors[error.ordinal()];
    if (c == null) {
      c =
          keep(
              Counter.builder("steadyproxy_errors")
                  .description("Failed requests by failure class, on either side of the proxy")
                  .tag("class", error.code()));
      errors[error.ordinal()] = c;
    }
    return c;
  }

  /** Counts an idle upstream socket found closed by the upstream, or with bytes unasked. */
  public void staleIdleClosed() {
    staleIdleClosed.increment();
  }

  /** Records how long an acquisition waited for a pool slot. */
  public void poolWait(long nanos) {
    poolWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts a cleanup of a kind ({@code light}, {@code full}). */
  public void cleanup(String kind) {
    cleanups
        .computeIfAbsent(
            kind,
            k ->
                keep(
                    Counter.builder("steadyproxy_cleanups")
                        .description("Memory cleanups by kind")
                        .tag("kind", k)))
        .increment();
  }

  /** Counts a memory check by the action it took. */
  public void memoryCheck(String action) {
    checks
        .computeIfAbsent(
            action,
            a ->
                keep(
                    Counter.builder("steadyproxy_memory_checks")
                        .description("Memory checks by action")
                        .tag("action", a)))
        .increment();
  }

  /**
   * Counts a client connection closed by a client-side timeout ({@code header}, {@code body},
   * {@code send}, {@code keepalive}).
   */
  public void clientTimeout(String phase) {
    clientTimeouts
        .computeIfAbsent(
            phase,
            p ->
                keep(
                    Counter.builder("steadyproxy_client_timeouts")
                        .description("Client connections closed by a client-side timeout, by phase")
                        .tag("phase", p)))
        .increment();
  }

  /** Counts a reload of the listener's TLS files: {@code ok}, or {@code failed} (old kept). */
  public void tlsReload(boolean ok) {
    tlsReloads
        .computeIfAbsent(
            ok ? "ok" : "failed",
            r ->
                keep(
                    Counter.builder("steadyproxy_tls_reloads")
                        .description(
                            "Changed TLS files of the listener: served (ok), or refused and the"
                                + " previous certificate kept (failed)")
                        .tag("result", r)))
        .increment();
  }

  /** Publishes when the certificate served expires (seconds since the epoch), for alerts. */
  public void tlsCertificate(Supplier<Number> notAfterEpochSeconds) {
    gauge(
        "steadyproxy_tls_certificate_not_after_seconds",
        "When the listener's certificate expires, in seconds since the epoch",
        notAfterEpochSeconds);
  }

  /** Publishes the bytes held by request bodies read whole before an upstream is contacted. */
  public void bodyBuffers(Supplier<Number> usedBytes, Supplier<Number> maxBytes) {
    gauge(
        "steadyproxy_client_body_buffer_bytes",
        "Bytes held by request bodies read whole before an upstream is contacted",
        usedBytes);
    gauge(
        "steadyproxy_client_body_buffer_max_bytes",
        "Limit of bytes all buffered request bodies may hold (client_body_buffers_max)",
        maxBytes);
  }

  /**
   * Publishes the memory thresholds in force, so that an alert or a dashboard compares {@code
   * steadyproxy_memory_rss_bytes} with this proxy's own limits instead of a number copied from its
   * config (each pod may have its own).
   */
  public void memoryThresholds(MemoryPolicy policy) {
    gauge(
        "steadyproxy_memory_max_bytes",
        "RSS above which the proxy runs a full cleanup and sheds load (max_memory_usage)",
        () -> policy.maxMemoryUsageMb() * MIB);
    gauge(
        "steadyproxy_memory_cleanup_threshold_bytes",
        "RSS above which the proxy runs a light cleanup (cleanup_threshold)",
        () -> policy.cleanupThresholdMb() * MIB);
  }

  private static final long MIB = 1024L * 1024L;

  /** Counts a shedding transition and sets the shedding gauge. */
  public void sheddingChanged(boolean on) {
    shedding = on;
    sheddingTransitions.increment();
  }

  /**
   * Registers the gauges and counters of upgraded connections (WebSocket): open now, the limit,
   * established and refused since start. Their bytes and durations are in the request meters, as
   * the 101 exchange that ends when the connection closes.
   */
  public void upgraded(Supplier<Tunnels.Stats> stats) {
    upgradedStats = stats; // a function counter holds its object weakly
    gauge(
        "steadyproxy_upgraded_connections",
        "Upgraded connections (WebSocket) open, handshakes under way included",
        () -> stats.get().active());
    gauge(
        "steadyproxy_upgraded_connections_max",
        "Limit of upgraded connections open at once (max_upgraded_connections)",
        () -> stats.get().max());
    keep(
        FunctionCounter.builder(
                "steadyproxy_upgraded_connections_established", stats, s -> s.get().total())
            .description("Upgraded connections established (101 relayed) since start")
            .register(registry));
    keep(
        FunctionCounter.builder(
                "steadyproxy_upgraded_connections_refused", stats, s -> s.get().refused())
            .description("Upgrade requests refused at max_upgraded_connections (503)")
            .register(registry));
  }

  /** Registers the gauge of connection admission: 1 while new client connections are accepted. */
  public void admission(java.util.function.BooleanSupplier accepting) {
    gauge(
        "steadyproxy_admission_accepting",
        "1 while new client connections are accepted, 0 while memory holds them back",
        () -> accepting.getAsBoolean() ? 1 : 0);
  }

  /** Counts a connection admission transition. */
  public void admissionChanged(boolean accepting) {
    admissionTransitions.increment();
  }

  /** Counts a client connection that had to wait for admission. */
  public void connectionDeferred() {
    connectionsDeferred.increment();
  }

  /** Counts a client connection refused by admission. */
  public void connectionRefused() {
    connectionsRefused.increment();
  }

  private void gauge(String name, String description, Supplier<Number> value) {
    // a Supplier gauge holds its function strongly (an object-and-function gauge would hold the
    // object weakly, and the gauge would read NaN once it is collected)
    keep(Gauge.builder(name, value).description(description).strongReference(true));
  }

  private Counter keep(Counter.Builder builder) {
    return keep(builder.register(registry));
  }

  private Timer keep(Timer.Builder builder) {
    return keep(builder.register(registry));
  }

  private Gauge keep(Gauge.Builder<?> builder) {
    return keep(builder.register(registry));
  }

  private synchronized <M extends Meter> M keep(M meter) {
    registered.add(meter);
    return meter;
  }

  @Override
  public synchronized void close() {
    registered.forEach(registry::remove);
    registered.clear();
  }
}
