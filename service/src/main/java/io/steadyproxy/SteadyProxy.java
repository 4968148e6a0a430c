package io.steadyproxy;

import io.helidon.common.socket.SocketOptions;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.spi.ProtocolConfig;
import io.steadyproxy.admin.AdminService;
import io.steadyproxy.admin.AdminToken;
import io.steadyproxy.config.ConfigException;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ConfigReloader;
import io.steadyproxy.config.Key;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.demo.DemoUpstream;
import io.steadyproxy.http10.Http10AwareSelector;
import io.steadyproxy.observe.AdmissionGate;
import io.steadyproxy.observe.ConnectionAdmission;
import io.steadyproxy.observe.ConnectionCapacity;
import io.steadyproxy.observe.HealthService;
import io.steadyproxy.observe.MemoryMonitor;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.MetricsEndpoint;
import io.steadyproxy.observe.PrometheusMeters;
import io.steadyproxy.observe.ProxyLog;
import io.steadyproxy.observe.ProxyMetrics;
import io.steadyproxy.proxy.BodyBuffers;
import io.steadyproxy.proxy.ClientDeadlines;
import io.steadyproxy.proxy.DirectErrors;
import io.steadyproxy.proxy.ExchangeRecord;
import io.steadyproxy.proxy.PassThroughEncoding;
import io.steadyproxy.proxy.PoolStats;
import io.steadyproxy.proxy.ProxyHandler;
import io.steadyproxy.proxy.Routes;
import io.steadyproxy.proxy.UpstreamPool;
import io.steadyproxy.proxy.UpstreamTls;
import io.steadyproxy.routing.Route;
import io.steadyproxy.tls.ListenerTls;
import io.steadyproxy.tls.TlsFiles;
import io.steadyproxy.tls.TlsReloader;
import io.steadyproxy.upgrade.Tunnels;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;

/**
 * One running SteadyProxy, wired from its settings: the web server (with an optional admin socket),
 * the shared upstream pool, the memory monitor, health, metrics, admin routes, config reload and,
 * when no upstream is configured, the demo upstream. {@link Main} starts one for the process; tests
 * start as many as they like on free ports.
 */
public final class SteadyProxy implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(SteadyProxy.class.getName());
  private static final String ADMIN_SOCKET = "admin";

  private final WebServer server;
  private final AtomicReference<ProxyHandler.Dispatch> upstreams;
  private final MemoryMonitor monitor;
  private final ConnectionAdmission admission;
  private final ProxyMetrics metrics;
  private final PrometheusMeters meters;
  private final Optional<ConfigReloader> reloader;
  private final Optional<DemoUpstream> demo;
  private final Lifecycle lifecycle;
  private final Duration shutdownDelay;
  private final ClientDeadlines clientDeadlines;
  private final Tunnels tunnels;
  private final Optional<TlsReloader> tlsReloader;

  /** "No limit" for Helidon durations that take none (a year). */
  private static final Duration NO_LIMIT = Duration.ofDays(365);

  /** How often the listener's TLS files are compared with what is served. */
  private static final Duration TLS_CHECK_PERIOD = Duration.ofSeconds(2);

  /** Whether the process is stopping: readiness reports DOWN from the first moment of shutdown. */
  private static final class Lifecycle {
    private volatile boolean stopping;
  }

  private SteadyProxy(
      WebServer server,
      AtomicReference<ProxyHandler.Dispatch> upstreams,
      MemoryMonitor monitor,
      ConnectionAdmission admission,
      ProxyMetrics metrics,
      PrometheusMeters meters,
      Optional<ConfigReloader> reloader,
      Optional<DemoUpstream> demo,
      Lifecycle lifecycle,
      Duration shutdownDelay,
      ClientDeadlines clientDeadlines,
      Tunnels tunnels,
      Optional<TlsReloader> tlsReloader) {
    this.server = server;
    this.upstreams = upstreams;
    this.monitor = monitor;
    this.admission = admission;
    this.metrics = metrics;
    this.meters = meters;
    this.reloader = reloader;
    this.demo = demo;
    this.lifecycle = lifecycle;
    this.shutdownDelay = shutdownDelay;
    this.clientDeadlines = clientDeadlines;
    this.tunnels = tunnels;
    this.tlsReloader = tlsReloader;
  }

  /**
   * Starts a proxy with fixed settings (no config reload).
   *
   * @param settings the settings, read once by {@link ConfigLoader}
   * @param memory where memory readings come from ({@link MemoryReader#system()} in production)
   * @return the running proxy
   */
  public static SteadyProxy start(ProxySettings settings, MemoryReader memory) {
    return start(settings, memory, Optional.empty(), InstantSource.system());
  }

  /**
   * Starts a proxy with fixed settings on a given clock (cleanup times, the admin cleanup rate
   * limit, uptime): tests that drive time by hand pass theirs.
   *
   * @param settings the settings, read once by {@link ConfigLoader}
   * @param memory where memory readings come from
   * @param clock the clock seam
   * @return the running proxy
   */
  public static SteadyProxy start(
      ProxySettings settings, MemoryReader memory, InstantSource clock) {
    return start(settings, memory, Optional.empty(), clock);
  }

  /**
   * Starts a proxy that re-reads its config file when it changes.
   *
   * @param inputs flags, environment and working directory to read settings from
   * @param memory the memory seam
   * @return the running proxy
   */
  public static SteadyProxy start(ConfigLoader.Inputs inputs, MemoryReader memory) {
    return start(inputs.read().settings(), inputs, memory);
  }

  /**
   * Starts a proxy from settings already read from {@code inputs} (as {@link Main} reads them once,
   * for the log and the sizing rule), re-reading the inputs only when the config file changes.
   *
   * @param settings the settings {@code inputs} gave
   * @param inputs flags, environment and working directory, for reloads
   * @param memory the memory seam
   * @return the running proxy
   * @throws ConfigException when the upstream CA file does not load
   */
  public static SteadyProxy start(
      ProxySettings settings, ConfigLoader.Inputs inputs, MemoryReader memory) {
    return start(settings, memory, Optional.of(inputs), InstantSource.system());
  }

  private static SteadyProxy start(
      ProxySettings settings,
      MemoryReader memory,
      Optional<ConfigLoader.Inputs> inputs,
      InstantSource clock) {
    SSLSocketFactory tls = tls(settings); // the settings that can still fail: before any thread
    Optional<TlsFiles> tlsFiles = settings.protocols().tlsFiles();
    Optional<ListenerTls.Loaded> listenerTls = tlsFiles.map(f -> listenerTls(settings, f));
    Optional<DemoUpstream> demo = Optional.empty();
    ProxySettings effective = settings;
    if (settings.routing().routes().isEmpty()) {
      DemoUpstream upstream = DemoUpstream.start();
      demo = Optional.of(upstream);
      effective = withDemo(settings, upstream);
      LOG.log(
          System.Logger.Level.INFO,
          "No upstream_url configured: serving the built-in demo upstream at "
              + upstream.url()
              + " (set PROXY_UPSTREAM_URL or --upstream to proxy your service)");
    }
    Lifecycle lifecycle = new Lifecycle();
    // Where requests go now; a reload swaps it, and everything that needs the pool reads it here.
    AtomicReference<ProxyHandler.Dispatch> upstreams = new AtomicReference<>();
    Supplier<PoolStats> poolStats = () -> upstreams.get().pool().stats();

    PrometheusMeters meters = PrometheusMeters.start(memory);
    ProxyMetrics metrics = new ProxyMetrics(meters.registry(), poolStats, memory);
    upstreams.set(dispatch(effective, metrics, tls));
    MemoryMonitor monitor =
        new MemoryMonitor(
            memory,
            clock,
            MemoryMonitor.Cleaners.of(
                all -> {
                  UpstreamPool pool = upstreams.get().pool();
                  return all == 1 ? pool.evictAllIdle() : pool.evictExpired();
                }),
            metrics,
            FromSettings.memoryPolicy(effective.memory()),
            () -> upstreams.get().pool().stats().inUse() == 0);
    // Connection storms: stop accepting within a GC of the heap filling, not on the monitor's tick
    ConnectionAdmission admission =
        new ConnectionAdmission(
            memory,
            metrics,
            FromSettings.memoryPolicy(effective.memory()),
            ConnectionAdmission.WAIT,
            ConnectionAdmission.GC_EVERY);
    AdmissionGate gate = new AdmissionGate(admission, listenerTls.isEmpty());
    capacityWarning(effective);

    ExchangeRecord.Observer observer =
        effective.logging().accessLog()
            ? both(metrics::exchange, ProxyLog.accessLog(effective.logging().accessLogQuery()))
            : metrics::exchange;
    // Client-side timeouts and small-body buffering (issue 10): see ClientDeadlines, BodyBuffers.
    ClientDeadlines deadlines =
        new ClientDeadlines(
                FromSettings.clientTimeouts(effective.client()),
                p -> metrics.clientTimeout(p.label()))
            .tls(listenerTls.isPresent());
    BodyBuffers bodyBuffers =
        new BodyBuffers(effective.client().bodyBufferSize(), effective.client().bodyBuffersMax());
    metrics.bodyBuffers(bodyBuffers::used, bodyBuffers::max);
    metrics.memoryThresholds(FromSettings.memoryPolicy(effective.memory()));
    // WebSocket and any Upgrade: their own limit and idle timeout (see Tunnels)
    Tunnels tunnels = new Tunnels(FromSettings.tunnelLimits(effective.upgrade()));
    metrics.upgraded(tunnels::stats);
    ProxyHandler handler =
        new ProxyHandler(
            upstreams::get, monitor::shedding, observer, deadlines, bodyBuffers, tunnels);

    HealthService health =
        new HealthService(memory, poolStats, monitor, admission, clock)
            .bodyBuffers(
                () ->
                    "{\"used_bytes\":"
                        + bodyBuffers.used()
                        + ",\"max_bytes\":"
                        + bodyBuffers.max()
                        + "}")
            .upgraded(() -> tunnels.stats().toJson());
    AdminService admin =
        new AdminService(
            AdminToken.of(effective.admin().token(), effective.admin().tokenFile()),
            monitor,
            clock);
    ProxyRouting.Endpoints endpoints =
        new ProxyRouting.Endpoints(health, admin, new MetricsEndpoint(meters));
    boolean adminSocket = effective.admin().port().isPresent();

    // HTTP/1.1 first, then HTTP/2 unless turned off (h2 by ALPN, h2c by prior knowledge)
    List<ProtocolConfig> protocols =
        protocols(
            effective.protocols(),
            Http1Config.builder().addReceiveListener(deadlines.listener()).build(),
            effective.client().sendTimeout());
    WebServerConfig.Builder builder =
        WebServer.builder()
            .host(effective.server().host())
            .port(effective.server().port())
            // memory-driven admission first (a refused socket costs nothing more), then the accept
            // hook of the client deadlines; the head's progress comes from the receive listener
            .connectionOptions(
                new AcceptHookSocketOptions(
                    SocketOptions.builder().tcpNoDelay(true).build(),
                    socket -> {
                      gate.admit(socket);
                      deadlines.accepted(socket);
                    }))
            // bodies pass through as sent, whatever their Content-Encoding (see
            // PassThroughEncoding)
            .contentEncoding(new PassThroughEncoding())
            // Our HTTP/1.x selector replaces the discovered default one: with discovery left on,
            // Helidon keeps both, and with two HTTP/1 candidates it sniffs each connection's first
            // bytes to choose (an over-long request line then gets no 414). It is Helidon's
            // HTTP/1.1 selector, with the upgraders Helidon would give it (h2c), that also serves
            // HTTP/1.0 clients (see Http10AwareSelector); HTTP/2's own selector comes after it.
            .protocolsDiscoverServices(false)
            .addConnectionSelector(Http10AwareSelector.over("@default", protocols))
            .addProtocols(protocols.subList(1, protocols.size()))
            .directHandlers(DirectErrors.handlers())
            // let parser errors reach DirectErrors with their (safe) message, e.g. to answer 431
            .errorHandling(ErrorHandling.builder().includeEntity(true).build())
            .shutdownGracePeriod(effective.server().shutdownGracePeriod())
            .shutdownHook(false)
            .featuresDiscoverServices(false)
            .addFeature(
                observe(
                    monitor,
                    admission,
                    lifecycle,
                    adminSocket ? ADMIN_SOCKET : WebServer.DEFAULT_SOCKET_NAME))
            .routing(
                r ->
                    ProxyRouting.routing(
                        r,
                        adminSocket ? Optional.empty() : Optional.of(endpoints),
                        Optional.of(new ProxyRouting.Proxying(handler, deadlines.filter()))));
    builder.maxTcpConnections(effective.server().maxClientConnections());
    // Plain sockets: Helidon's NIO socket keeps an 8 KiB read and an 8 KiB write buffer per
    // connection, the plain one only the read buffer. Measured: 8 KiB less heap per idle client
    // connection (about a third) at the same requests/s (make bench, 64 and 256 connections).
    builder.useNio(false);
    // TLS on the proxy port only: the admin socket stays plain HTTP, as Kubernetes probes and
    // Prometheus scrapes expect by default (nginx and Envoy users keep health on a plain port too)
    listenerTls.ifPresent(t -> builder.tls(t.tls()));
    if (effective.server().maxRequestBodyBytes() > 0) {
      builder.maxPayloadSize(effective.server().maxRequestBodyBytes());
    }
    if (adminSocket) {
      String host = effective.server().host();
      int port = effective.admin().port().get();
      builder.putSocket(
          ADMIN_SOCKET,
          socket ->
              socket
                  .host(host)
                  .port(port)
                  .protocolsDiscoverServices(false)
                  .addConnectionSelector(new Http10AwareSelector(Http1Config.create()))
                  .directHandlers(DirectErrors.handlers())
                  .routing(r -> ProxyRouting.routing(r, Optional.of(endpoints), Optional.empty())));
    }
    WebServer server = builder.build().start();
    Optional<TlsReloader> tlsReloader =
        listenerTls.map(loaded -> tlsReloader(tlsFiles.get(), loaded, server, metrics));
    monitor.start(effective.memory().checkInterval());

    Optional<ConfigReloader> reloader = Optional.empty();
    if (inputs.isPresent() && settings.configFile().isPresent()) {
      Optional<DemoUpstream> demoNow = demo;
      ConfigReloader r =
          new ConfigReloader(
              inputs.get(),
              settings,
              next ->
                  apply(
                      demoNow.map(d -> withDemo(next, d)).orElse(next),
                      upstreams,
                      monitor,
                      admission,
                      metrics,
                      deadlines,
                      bodyBuffers,
                      tunnels));
      r.start(Duration.ofSeconds(2));
      reloader = Optional.of(r);
    }
    return new SteadyProxy(
        server,
        upstreams,
        monitor,
        admission,
        metrics,
        meters,
        reloader,
        demo,
        lifecycle,
        effective.server().shutdownDelay(),
        deadlines,
        tunnels,
        tlsReloader);
  }

  /**
   * Reads every file the settings name that the proxy loads at start (the upstream CA bundle, the
   * listener's certificate, key and client CAs), as the start would: {@code --check} runs it, so a
   * file that would stop the start fails the check too, with the same line.
   *
   * @throws ConfigException naming the file's setting and its source
   */
  public static void checkFiles(ProxySettings settings) {
    tls(settings);
    settings.protocols().tlsFiles().ifPresent(f -> listenerTls(settings, f));
  }

  /**
   * The listener's TLS, read once at start before anything else runs.
   *
   * @throws ConfigException naming the file's setting and its source when a file does not load
   */
  private static ListenerTls.Loaded listenerTls(ProxySettings s, TlsFiles files) {
    try {
      return ListenerTls.load(files);
    } catch (ListenerTls.FileException e) {
      throw s.invalid(ProxySettings.Protocols.keyOf(e.file()), e.getMessage());
    }
  }

  /** Serves rotated TLS files to new connections, and publishes the certificate's expiry. */
  private static TlsReloader tlsReloader(
      TlsFiles files, ListenerTls.Loaded loaded, WebServer server, ProxyMetrics metrics) {
    AtomicReference<X509Certificate> served = new AtomicReference<>(loaded.leaf());
    metrics.tlsCertificate(() -> served.get().getNotAfter().toInstant().getEpochSecond());
    TlsReloader reloader =
        new TlsReloader(
            files,
            loaded,
            server::reloadTls,
            new TlsReloader.Events() {
              @Override
              public void reloaded(X509Certificate leaf) {
                served.set(leaf);
                metrics.tlsReload(true);
              }

              @Override
              public void failed(TlsFiles.Part file, String problem) {
                metrics.tlsReload(false);
              }
            });
    reloader.start(TLS_CHECK_PERIOD);
    return reloader;
  }

  /**
   * The client-facing protocols: HTTP/1.1 always; HTTP/2 unless turned off, offered by ALPN on a
   * TLS port and by prior knowledge or Upgrade (h2c) on a plain one.
   */
  private static List<ProtocolConfig> protocols(
      ProxySettings.Protocols p, Http1Config http1, Duration sendTimeout) {
    if (!p.http2()) {
      return List.of(http1);
    }
    return List.of(
        http1,
        Http2Config.builder()
            .maxConcurrentStreams(p.http2MaxConcurrentStreams())
            // the same bound on a request's header section as HTTP/1.1's (16 KiB)
            .maxHeaderListSize(http1.maxHeadersSize())
            // send_timeout: the longest a stream may wait for the client to open its window. It is
            // also how a stream the client reset is noticed: Helidon 4.5.0 gives a handler no sign
            // of a RST_STREAM, and its next write waits for a window that never opens
            .flowControlTimeout(sendTimeout.isZero() ? NO_LIMIT : sendTimeout)
            .build());
  }

  /**
   * Applies reloaded settings: new requests use new routes and a new pool; old requests finish on
   * the old.
   */
  private static void apply(
      ProxySettings next,
      AtomicReference<ProxyHandler.Dispatch> upstreams,
      MemoryMonitor monitor,
      ConnectionAdmission admission,
      ProxyMetrics metrics,
      ClientDeadlines deadlines,
      BodyBuffers bodyBuffers,
      Tunnels tunnels) {
    ProxyHandler.Dispatch dispatch = dispatch(next, metrics, tls(next)); // first: may throw
    deadlines.timeouts(FromSettings.clientTimeouts(next.client()));
    bodyBuffers.limits(next.client().bodyBufferSize(), next.client().bodyBuffersMax());
    tunnels.limits(FromSettings.tunnelLimits(next.upgrade()));
    ProxyHandler.Dispatch previous = upstreams.getAndSet(dispatch);
    previous.pool().close(); // idle sockets close now; lent ones close as their requests end
    monitor.policy(FromSettings.memoryPolicy(next.memory()));
    admission.policy(FromSettings.memoryPolicy(next.memory()));
    capacityWarning(next);
    monitor.start(next.memory().checkInterval());
  }

  /**
   * How https upstreams are trusted: read for each new pool, at start before anything else runs and
   * at each reload before anything changes.
   *
   * @throws ConfigException naming upstream_ca_file and its source when the CA file does not load
   */
  private static SSLSocketFactory tls(ProxySettings s) {
    try {
      return UpstreamTls.socketFactory(s.pool().caFile());
    } catch (IllegalArgumentException e) {
      throw s.invalid(Key.UPSTREAM_CA_FILE, e.getMessage());
    }
  }

  /** Routes and a new pool for them. */
  private static ProxyHandler.Dispatch dispatch(
      ProxySettings s, ProxyMetrics metrics, SSLSocketFactory tls) {
    UpstreamPool pool =
        new UpstreamPool(FromSettings.poolLimits(s.pool()), InstantSource.system(), tls);
    pool.onWait(metrics::poolWait);
    pool.onStaleClosed(metrics::staleIdleClosed);
    ProxySettings.Routing routing = s.routing();
    return new ProxyHandler.Dispatch(
        new Routes(routing.routes()), pool, routing.preserveHost(), routing.trustedProxies());
  }

  private static ProxySettings withDemo(ProxySettings settings, DemoUpstream upstream) {
    if (!settings.routing().routes().isEmpty()) {
      return settings;
    }
    Route demo = new Route(Route.DEFAULT_PREFIX, upstream.url(), false);
    return settings.withRouting(settings.routing().withRoutes(List.of(demo)));
  }

  /** Logs when max_client_connections promises more than the heap can hold (sizing rule). */
  private static void capacityWarning(ProxySettings s) {
    new ConnectionCapacity(
            Runtime.getRuntime().maxMemory(),
            s.memory().maxHeapPercent(),
            s.pool().maxConnections())
        .warning(s.server().maxClientConnections())
        .ifPresent(w -> LOG.log(System.Logger.Level.WARNING, w));
  }

  private static ObserveFeature observe(
      MemoryMonitor monitor, ConnectionAdmission admission, Lifecycle lifecycle, String socket) {
    HealthCheck ready =
        new HealthCheck() {
          @Override
          public HealthCheckType type() {
            return HealthCheckType.READINESS;
          }

          @Override
          public String name() {
            return "steadyproxy";
          }

          @Override
          public HealthCheckResponse call() {
            // not accepting connections: a load balancer should send new clients elsewhere
            boolean up = !monitor.shedding() && admission.accepting() && !lifecycle.stopping;
            return HealthCheckResponse.builder()
                .status(up)
                .detail("shedding", monitor.shedding())
                .detail("accepting_connections", admission.accepting())
                .detail("stopping", lifecycle.stopping)
                .build();
          }
        };
    return ObserveFeature.builder()
        // above the main routing's weight (100): /observe/* must be matched before the catch-all
        // proxy
        .weight(200)
        .observersDiscoverServices(false)
        .addObserver(
            HealthObserver.builder().useSystemServices(false).details(true).addCheck(ready).build())
        .sockets(List.of(socket))
        .build();
  }

  private static ExchangeRecord.Observer both(
      ExchangeRecord.Observer a, ExchangeRecord.Observer b) {
    return r -> {
      a.completed(r);
      b.completed(r);
    };
  }

  /** The port the proxy listens on. */
  public int port() {
    return server.port();
  }

  /** The admin port, or the proxy port when admin routes share it. */
  public int adminPort() {
    int admin = server.port(ADMIN_SOCKET);
    return admin > 0 ? admin : server.port();
  }

  /** The proxy's base URL on loopback ({@code https} when the port speaks TLS). */
  public URI url() {
    return URI.create((server.hasTls() ? "https" : "http") + "://127.0.0.1:" + port());
  }

  /** The upstream pool's counts. */
  public PoolStats pool() {
    return upstreams.get().pool().stats();
  }

  /** The upgraded connections' counts. */
  public Tunnels.Stats upgraded() {
    return tunnels.stats();
  }

  /** The memory monitor (tests drive its checks). */
  public MemoryMonitor monitor() {
    return monitor;
  }

  /** Connection admission (tests read its state). */
  public ConnectionAdmission admission() {
    return admission;
  }

  /** The config reloader, when the settings came from a file (tests poll it). */
  public Optional<ConfigReloader> reloader() {
    return reloader;
  }

  /** The demo upstream's URL, when it runs. */
  public Optional<URI> demoUrl() {
    return demo.map(DemoUpstream::url);
  }

  /**
   * Stops gracefully: readiness goes DOWN and, for {@code shutdown_delay}, requests are still
   * served so load balancers can notice; then the server stops accepting and lets in-flight
   * requests finish within the grace period, and the pool and background threads close.
   */
  @Override
  public void close() {
    lifecycle.stopping = true;
    if (!shutdownDelay.isZero()) {
      try {
        Thread.sleep(shutdownDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reloader.ifPresent(ConfigReloader::close);
    tlsReloader.ifPresent(TlsReloader::close);
    server.stop();
    // Helidon's stop waited the grace period for connections; an upgraded one still open closes
    // now, both its sides (its access line says error=shutdown)
    tunnels.close();
    clientDeadlines.close();
    monitor.close();
    admission.close();
    upstreams.get().pool().close();
    metrics.close();
    meters.close();
    demo.ifPresent(DemoUpstream::close);
  }
}
