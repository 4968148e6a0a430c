package io.steadyproxy.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of one SteadyProxy process, read once at the edge by {@link ConfigLoader} and
 * passed down as an immutable value. Names and defaults follow the Python proxy this project
 * replaces.
 *
 * @param host address to bind ({@code 0.0.0.0})
 * @param port port to bind (8000); 0 picks a free port
 * @param adminPort separate port for {@code /health}, {@code /admin} and {@code /observe}, if any
 * @param upstreamUrl default upstream; empty means "start the built-in demo upstream"
 * @param routes routing rules, longest prefix first; includes the default route when set
 * @param preserveHost forward the client's {@code Host} instead of the upstream's authority
 * @param upstreamCaFile PEM file of CAs trusted for https upstreams; empty means the JVM's defaults
 * @param maxConnections upstream connections open at once, across all upstreams (100)
 * @param maxKeepaliveConnections idle upstream connections kept for reuse (20)
 * @param keepaliveExpiry an idle upstream connection is closed after this (30 s)
 * @param connectTimeout upstream TCP (and TLS) connect (10 s)
 * @param readTimeout longest silence between bytes from the upstream (60 s)
 * @param writeTimeout longest a write to the upstream may make no progress (10 s)
 * @param poolTimeout longest wait for a free upstream connection before 503 (5 s)
 * @param memoryCheckInterval period of the memory monitor (30 s)
 * @param maxMemoryUsageMb above this RSS a full cleanup runs, then load is shed (500)
 * @param cleanupThresholdMb above this RSS a light cleanup runs (400)
 * @param maxHeapPercent above this share of the heap in use a full cleanup runs, then load is shed
 *     (90)
 * @param maxClientConnections client connections served at once (1000)
 * @param maxRequestBodyBytes larger request bodies get 413; 0 means no limit
 * @param clientHeaderTimeout longest wait for a request head (60 s)
 * @param clientBodyTimeout longest silence between two reads of a request body (60 s)
 * @param sendTimeout longest a write to a client may make no progress (60 s)
 * @param clientKeepaliveTimeout an idle kept-alive client connection is closed after this (75 s)
 * @param clientBodyBufferSize request bodies up to this are read whole before an upstream
 *     connection is taken (64 KiB); 0 means every body streams
 * @param clientBodyBuffersMax bytes all buffered request bodies may hold at once (8 MiB)
 * @param trustedProxies peers whose forwarding headers are kept; empty trusts no peer
 * @param shutdownDelay how long to keep serving, readiness DOWN, after SIGTERM (0 s)
 * @param shutdownGracePeriod how long in-flight requests may finish after SIGTERM (30 s)
 * @param adminToken bearer token for admin routes; empty means loopback-only
 * @param adminTokenFile file the admin token is read from at each admin request, instead of {@code
 *     adminToken}
 * @param logFile request/memory/error log ({@code proxy.log}); empty means stdout only
 * @param logLevel {@code java.util.logging} level name
 * @param logMaxBytes size at which the log file rotates (10 MB)
 * @param logMaxFiles rotated log files kept (5)
 * @param accessLog whether each request is logged
 * @param configFile the JSON file the settings were read from, watched for changes
 */
public record ProxySettings(
    String host,
    int port,
    Optional<Integer> adminPort,
    Optional<URI> upstreamUrl,
    List<Route> routes,
    boolean preserveHost,
    Optional<Path> upstreamCaFile,
    int maxConnections,
    int maxKeepaliveConnections,
    Duration keepaliveExpiry,
    Duration connectTimeout,
    Duration readTimeout,
    Duration writeTimeout,
    Duration poolTimeout,
    Duration memoryCheckInterval,
    long maxMemoryUsageMb,
    long cleanupThresholdMb,
    int maxHeapPercent,
    int maxClientConnections,
    long maxRequestBodyBytes,
    Duration clientHeaderTimeout,
    Duration clientBodyTimeout,
    Duration sendTimeout,
    Duration clientKeepaliveTimeout,
    long clientBodyBufferSize,
    long clientBodyBuffersMax,
    List<Cidr> trustedProxies,
    Duration shutdownDelay,
    Duration shutdownGracePeriod,
    Optional<String> adminToken,
    Optional<Path> adminTokenFile,
    Optional<Path> logFile,
    String logLevel,
    long logMaxBytes,
    int logMaxFiles,
    boolean accessLog,
    Optional<Path> configFile) {

  public ProxySettings {
    routes = List.copyOf(routes);
    trustedProxies = List.copyOf(trustedProxies);
  }

  /**
   * The typed value of one setting. The switch has no default: a new {@link Key} does not compile
   * until it says which value it sets, so {@link ConfigReloader#needRestart}, which compares these
   * for every key that is not {@link Key#live()}, cannot miss one.
   */
  public Object valueOf(Key key) {
    return switch (key) {
      case HOST -> host;
      case PORT -> port;
      case ADMIN_PORT -> adminPort;
      case UPSTREAM_URL -> upstreamUrl;
      case ROUTES -> routes;
      case UPSTREAM_CA_FILE -> upstreamCaFile;
      case PRESERVE_HOST -> preserveHost;
      case MAX_CONNECTIONS -> maxConnections;
      case MAX_KEEPALIVE_CONNECTIONS -> maxKeepaliveConnections;
      case KEEPALIVE_EXPIRY -> keepaliveExpiry;
      case CONNECT_TIMEOUT -> connectTimeout;
      case READ_TIMEOUT -> readTimeout;
      case WRITE_TIMEOUT -> writeTimeout;
      case POOL_TIMEOUT -> poolTimeout;
      case MEMORY_CHECK_INTERVAL -> memoryCheckInterval;
      case MAX_MEMORY_USAGE -> maxMemoryUsageMb;
      case CLEANUP_THRESHOLD -> cleanupThresholdMb;
      case MAX_HEAP_PERCENT -> maxHeapPercent;
      case MAX_CLIENT_CONNECTIONS -> maxClientConnections;
      case MAX_REQUEST_BODY -> maxRequestBodyBytes;
      case CLIENT_HEADER_TIMEOUT -> clientHeaderTimeout;
      case CLIENT_BODY_TIMEOUT -> clientBodyTimeout;
      case SEND_TIMEOUT -> sendTimeout;
      case CLIENT_KEEPALIVE_TIMEOUT -> clientKeepaliveTimeout;
      case CLIENT_BODY_BUFFER_SIZE -> clientBodyBufferSize;
      case CLIENT_BODY_BUFFERS_MAX -> clientBodyBuffersMax;
      case TRUSTED_PROXIES -> trustedProxies;
      case SHUTDOWN_DELAY -> shutdownDelay;
      case SHUTDOWN_GRACE_PERIOD -> shutdownGracePeriod;
      case ADMIN_TOKEN -> adminToken;
      case ADMIN_TOKEN_FILE -> adminTokenFile;
      case LOG_FILE -> logFile;
      case LOG_LEVEL -> logLevel;
      case LOG_MAX_SIZE -> logMaxBytes;
      case LOG_MAX_FILES -> logMaxFiles;
      case ACCESS_LOG -> accessLog;
    };
  }

  /**
   * The same settings with other routes (used when the demo upstream stands in for a missing one).
   */
  public ProxySettings withRoutes(List<Route> newRoutes) {
    return new ProxySettings(
        host,
        port,
        adminPort,
        upstreamUrl,
        newRoutes,
        preserveHost,
        upstreamCaFile,
        maxConnections,
        maxKeepaliveConnections,
        keepaliveExpiry,
        connectTimeout,
        readTimeout,
        writeTimeout,
        poolTimeout,
        memoryCheckInterval,
        maxMemoryUsageMb,
        cleanupThresholdMb,
        maxHeapPercent,
        maxClientConnections,
        maxRequestBodyBytes,
        clientHeaderTimeout,
        clientBodyTimeout,
        sendTimeout,
        clientKeepaliveTimeout,
        clientBodyBufferSize,
        clientBodyBuffersMax,
        trustedProxies,
        shutdownDelay,
        shutdownGracePeriod,
        adminToken,
        adminTokenFile,
        logFile,
        logLevel,
        logMaxBytes,
        logMaxFiles,
        accessLog,
        configFile);
  }
}
