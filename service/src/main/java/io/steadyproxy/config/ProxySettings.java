package io.steadyproxy.config;

import io.steadyproxy.admin.AdminToken;
import io.steadyproxy.logging.LogFormat;
import io.steadyproxy.routing.Cidr;
import io.steadyproxy.routing.Route;
import io.steadyproxy.tls.TlsFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;

/**
 * Every setting of one SteadyProxy process, read once at the edge by {@link ConfigLoader} and
 * passed down as an immutable value, in groups that each part of the proxy takes whole. Names and
 * defaults follow the Python proxy this project replaces (the seed); each group's {@code read}
 * turns typed values into the group and checks the rules that tie its settings together.
 *
 * @param server the client-facing listener and its limits
 * @param protocols TLS and HTTP/2 on the client-facing listener
 * @param admin the admin routes' socket and token
 * @param routing where requests go and whose forwarding headers are believed
 * @param pool upstream connections: counts, timeouts and trusted CAs
 * @param client client-side timeouts and request body buffering
 * @param upgrade upgraded connections (WebSocket): their limit and idle timeout
 * @param memory the memory monitor's thresholds
 * @param logging the log file and access log
 * @param configFile the JSON file the settings were read from, watched for changes
 * @param sources where each key's value came from, for errors found after reading (a CA file that
 *     does not load when the pool is built)
 */
public record ProxySettings(
    Server server,
    Protocols protocols,
    Admin admin,
    Routing routing,
    Pool pool,
    Client client,
    Upgrade upgrade,
    Memory memory,
    Logging logging,
    Optional<Path> configFile,
    Map<Key, String> sources) {

  public ProxySettings {
    sources = Map.copyOf(sources);
  }

  /**
   * The client-facing listener.
   *
   * @param host address to bind ({@code 0.0.0.0})
   * @param port port to bind (8000); 0 picks a free port
   * @param maxClientConnections client connections served at once (1000)
   * @param maxRequestBodyBytes larger request bodies get 413; 0 means no limit
   * @param shutdownDelay how long to keep serving, readiness DOWN, after SIGTERM (0 s)
   * @param shutdownGracePeriod how long in-flight requests may finish after SIGTERM (30 s)
   */
  public record Server(
      String host,
      int port,
      int maxClientConnections,
      long maxRequestBodyBytes,
      Duration shutdownDelay,
      Duration shutdownGracePeriod) {

    static Server read(TypedValues v) {
      return new Server(
          v.string(Key.HOST),
          v.integer(Key.PORT, 0, 65535),
          v.integer(Key.MAX_CLIENT_CONNECTIONS, 1, 1_000_000),
          v.bytes(Key.MAX_REQUEST_BODY),
          v.duration(Key.SHUTDOWN_DELAY, false),
          v.duration(Key.SHUTDOWN_GRACE_PERIOD, false));
    }
  }

  /**
   * What the client-facing listener speaks: TLS when a certificate and key are set, HTTP/2 unless
   * turned off. The files themselves are read when the proxy starts (and by {@code --check}), and
   * again whenever they change.
   *
   * @param tlsCertFile PEM certificate chain; with {@code tlsKeyFile}, the port speaks TLS
   * @param tlsKeyFile PEM private key of the certificate
   * @param tlsClientCaFile PEM CA certificates client certificates must chain to (mutual TLS)
   * @param http2 h2 by ALPN on TLS, h2c on a plain port (true)
   * @param http2MaxConcurrentStreams streams one HTTP/2 connection may have open at once (128)
   */
  public record Protocols(
      Optional<Path> tlsCertFile,
      Optional<Path> tlsKeyFile,
      Optional<Path> tlsClientCaFile,
      boolean http2,
      int http2MaxConcurrentStreams) {

    /** Whether the client-facing port speaks TLS. */
    public boolean tls() {
      return tlsCertFile.isPresent();
    }

    /** The TLS files, when the port speaks TLS. */
    public Optional<TlsFiles> tlsFiles() {
      return tls()
          ? Optional.of(new TlsFiles(tlsCertFile.get(), tlsKeyFile.get(), tlsClientCaFile))
          : Optional.empty();
    }

    static Protocols read(TypedValues v) {
      Optional<Path> cert = v.path(Key.TLS_CERT_FILE);
      Optional<Path> key = v.path(Key.TLS_KEY_FILE);
      Optional<Path> clientCa = v.path(Key.TLS_CLIENT_CA_FILE);
      if (cert.isPresent() && key.isEmpty()) {
        throw v.error(Key.TLS_CERT_FILE, "needs tls_key_file as well (the certificate's key)");
      }
      if (key.isPresent() && cert.isEmpty()) {
        throw v.error(Key.TLS_KEY_FILE, "needs tls_cert_file as well (the key's certificate)");
      }
      if (clientCa.isPresent() && cert.isEmpty()) {
        throw v.error(
            Key.TLS_CLIENT_CA_FILE, "needs tls_cert_file and tls_key_file (a TLS port) to apply");
      }
      return new Protocols(
          cert,
          key,
          clientCa,
          v.bool(Key.HTTP2),
          v.integer(Key.HTTP2_MAX_CONCURRENT_STREAMS, 1, 100_000));
    }

    /** The setting that names a TLS file. */
    public static Key keyOf(TlsFiles.Part part) {
      return switch (part) {
        case CERT -> Key.TLS_CERT_FILE;
        case KEY -> Key.TLS_KEY_FILE;
        case CLIENT_CA -> Key.TLS_CLIENT_CA_FILE;
      };
    }
  }

  /**
   * The admin routes ({@code /health}, {@code /admin}, {@code /observe}).
   *
   * @param port a separate port for them, if any; otherwise they share the proxy port
   * @param token bearer token for admin routes; empty (and no {@code tokenFile}) means
   *     loopback-only
   * @param tokenFile file the bearer token is read from at each admin request, instead of {@code
   *     token}: a rotated Kubernetes Secret volume takes effect without a restart
   */
  public record Admin(Optional<Integer> port, Optional<String> token, Optional<Path> tokenFile) {

    static Admin read(TypedValues v) {
      Optional<String> token = v.optional(Key.ADMIN_TOKEN);
      Optional<Path> tokenFile = v.path(Key.ADMIN_TOKEN_FILE);
      if (token.isPresent() && tokenFile.isPresent()) {
        throw v.error(Key.ADMIN_TOKEN_FILE, "set admin_token or admin_token_file, not both");
      }
      if (tokenFile.isPresent()) {
        try {
          AdminToken.read(tokenFile.get()); // read once here, so a bad file fails at start
        } catch (AdminToken.UnavailableException e) {
          throw v.error(Key.ADMIN_TOKEN_FILE, e.getMessage());
        }
      }
      return new Admin(
          v.optional(Key.ADMIN_PORT).map(s -> v.integer(Key.ADMIN_PORT, 0, 65535)),
          token,
          tokenFile);
    }
  }

  /**
   * Where requests go.
   *
   * @param upstreamUrl default upstream; empty means "start the built-in demo upstream"
   * @param routes routing rules, longest prefix first; includes the default route when set
   * @param preserveHost forward the client's {@code Host} instead of the upstream's authority
   * @param trustedProxies peers whose forwarding headers are kept; empty trusts no peer
   */
  public record Routing(
      Optional<URI> upstreamUrl,
      List<Route> routes,
      boolean preserveHost,
      List<Cidr> trustedProxies) {

    public Routing {
      routes = List.copyOf(routes);
      trustedProxies = List.copyOf(trustedProxies);
    }

    /** The same rules with other routes (the demo upstream standing in for a missing one). */
    public Routing withRoutes(List<Route> newRoutes) {
      return new Routing(upstreamUrl, newRoutes, preserveHost, trustedProxies);
    }

    static Routing read(TypedValues v) {
      Optional<URI> upstream = v.url(Key.UPSTREAM_URL);
      List<Route> routes = new ArrayList<>(v.routes());
      if (upstream.isPresent() && routes.stream().noneMatch(Route::isDefault)) {
        routes.add(new Route(Route.DEFAULT_PREFIX, upstream.get(), false));
      }
      routes.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
      return new Routing(upstream, routes, v.bool(Key.PRESERVE_HOST), v.cidrs(Key.TRUSTED_PROXIES));
    }
  }

  /**
   * Upstream connections.
   *
   * @param maxConnections upstream connections open at once, across all upstreams (100)
   * @param maxKeepaliveConnections idle upstream connections kept for reuse (20)
   * @param keepaliveExpiry an idle upstream connection is closed after this (30 s)
   * @param poolTimeout longest wait for a free upstream connection before 503 (5 s)
   * @param connectTimeout upstream TCP (and TLS) connect (10 s)
   * @param readTimeout longest silence between bytes from the upstream (60 s)
   * @param writeTimeout longest a write to the upstream may make no progress (10 s)
   * @param caFile PEM file of CAs trusted for https upstreams; empty means the JVM's defaults
   */
  public record Pool(
      int maxConnections,
      int maxKeepaliveConnections,
      Duration keepaliveExpiry,
      Duration poolTimeout,
      Duration connectTimeout,
      Duration readTimeout,
      Duration writeTimeout,
      Optional<Path> caFile) {

    static Pool read(TypedValues v) {
      int max = v.integer(Key.MAX_CONNECTIONS, 1, 100_000);
      int keepalive = v.integer(Key.MAX_KEEPALIVE_CONNECTIONS, 0, 100_000);
      if (keepalive > max && v.isDefault(Key.MAX_KEEPALIVE_CONNECTIONS)) {
        keepalive = max; // a small max_connections alone should not need the keep-alive set too
      } else if (keepalive > max) {
        throw v.error(
            Key.MAX_KEEPALIVE_CONNECTIONS,
            "must not exceed max_connections (" + max + "), got " + keepalive);
      }
      return new Pool(
          max,
          keepalive,
          v.duration(Key.KEEPALIVE_EXPIRY, false),
          v.duration(Key.POOL_TIMEOUT, false),
          v.duration(Key.CONNECT_TIMEOUT, true),
          v.duration(Key.READ_TIMEOUT, true),
          v.duration(Key.WRITE_TIMEOUT, true),
          v.path(Key.UPSTREAM_CA_FILE));
    }
  }

  /**
   * The client side of each exchange (nginx's client_* settings).
   *
   * @param headerTimeout longest wait for a request head (60 s)
   * @param bodyTimeout longest silence between two reads of a request body (60 s)
   * @param sendTimeout longest a write to a client may make no progress (60 s)
   * @param keepaliveTimeout an idle kept-alive client connection is closed after this (75 s)
   * @param bodyBufferSize request bodies up to this are read whole before an upstream connection is
   *     taken (64 KiB); 0 means every body streams
   * @param bodyBuffersMax bytes all buffered request bodies may hold at once (8 MiB)
   */
  public record Client(
      Duration headerTimeout,
      Duration bodyTimeout,
      Duration sendTimeout,
      Duration keepaliveTimeout,
      long bodyBufferSize,
      long bodyBuffersMax) {

    static Client read(TypedValues v) {
      return new Client(
          v.duration(Key.CLIENT_HEADER_TIMEOUT, true),
          v.duration(Key.CLIENT_BODY_TIMEOUT, true),
          v.duration(Key.SEND_TIMEOUT, true),
          v.duration(Key.CLIENT_KEEPALIVE_TIMEOUT, true),
          v.bytes(Key.CLIENT_BODY_BUFFER_SIZE),
          v.bytes(Key.CLIENT_BODY_BUFFERS_MAX));
    }
  }

  /**
   * Upgraded connections: WebSocket, and any protocol a 101 Switching Protocols switches to.
   *
   * @param maxConnections upgraded connections open at once, apart from the pool (256); 0 refuses
   *     every upgrade
   * @param idleTimeout an upgraded connection that moves no byte for this long is closed (60 s);
   *     zero: never
   */
  public record Upgrade(int maxConnections, Duration idleTimeout) {

    static Upgrade read(TypedValues v) {
      return new Upgrade(
          v.integer(Key.MAX_UPGRADED_CONNECTIONS, 0, 1_000_000),
          v.duration(Key.UPGRADE_IDLE_TIMEOUT, false));
    }
  }

  /**
   * The memory monitor.
   *
   * @param checkInterval period of the memory monitor (30 s)
   * @param maxUsageMb above this RSS a full cleanup runs, then load is shed (500)
   * @param cleanupThresholdMb above this RSS a light cleanup runs (400)
   * @param maxHeapPercent above this share of the heap in use a full cleanup runs, then load is
   *     shed (90)
   */
  public record Memory(
      Duration checkInterval, long maxUsageMb, long cleanupThresholdMb, int maxHeapPercent) {

    static Memory read(TypedValues v) {
      long max = v.megabytes(Key.MAX_MEMORY_USAGE);
      long cleanup = v.megabytes(Key.CLEANUP_THRESHOLD);
      if (cleanup >= max) {
        throw v.error(
            Key.CLEANUP_THRESHOLD,
            "must be below max_memory_usage (" + max + " MB), got " + cleanup + " MB");
      }
      return new Memory(
          v.duration(Key.MEMORY_CHECK_INTERVAL, true),
          max,
          cleanup,
          v.integer(Key.MAX_HEAP_PERCENT, 20, 100));
    }
  }

  /**
   * The log.
   *
   * @param file request/memory/error log ({@code proxy.log}); empty means stdout only
   * @param level {@code java.util.logging} level name
   * @param format the log lines' layout ({@code text} or {@code json})
   * @param maxBytes size at which the log file rotates (10 MB)
   * @param maxFiles rotated log files kept (5)
   * @param accessLog whether each request is logged
   * @param accessLogQuery whether the access line shows the query string (else {@code redacted})
   */
  public record Logging(
      Optional<Path> file,
      String level,
      LogFormat format,
      long maxBytes,
      int maxFiles,
      boolean accessLog,
      boolean accessLogQuery) {

    static Logging read(TypedValues v, Path workDir, List<String> notices) {
      String level = v.string(Key.LOG_LEVEL).toUpperCase(Locale.ROOT);
      try {
        Level.parse(level);
      } catch (IllegalArgumentException e) {
        throw v.error(
            Key.LOG_LEVEL,
            "must be one of SEVERE, WARNING, INFO, FINE, FINER, FINEST, ALL, OFF; got '"
                + level
                + "'");
      }
      LogFormat format =
          LogFormat.fromKey(v.string(Key.LOG_FORMAT))
              .orElseThrow(
                  () ->
                      v.error(
                          Key.LOG_FORMAT,
                          "must be text or json, got '" + v.string(Key.LOG_FORMAT) + "'"));
      return new Logging(
          file(v, workDir, notices),
          level,
          format,
          Math.max(1024, v.bytes(Key.LOG_MAX_SIZE)),
          v.integer(Key.LOG_MAX_FILES, 1, 1000),
          v.bool(Key.ACCESS_LOG),
          v.bool(Key.ACCESS_LOG_QUERY));
    }

    /**
     * The log file: empty means stdout only. A file set explicitly is used as given (the start
     * fails, naming it, if it cannot be written). The default {@code proxy.log} is used only where
     * it can be written: in a container the working directory is usually read-only (a read-only
     * root filesystem, or {@code /} for a non-root user), and there the log goes to stdout alone,
     * as container logs should, instead of stopping the proxy.
     */
    private static Optional<Path> file(TypedValues v, Path workDir, List<String> notices) {
      String value = v.string(Key.LOG_FILE);
      if (value.isEmpty()) {
        return Optional.empty();
      }
      if (!v.isDefault(Key.LOG_FILE)) {
        Path file = Path.of(value);
        if (!canWrite(file)) {
          throw v.error(
              Key.LOG_FILE,
              "cannot write "
                  + file.toAbsolutePath()
                  + " (not a writable regular file, or its directory is read-only)");
        }
        return Optional.of(file);
      }
      Path file = workDir.resolve(value);
      if (canWrite(file)) {
        return Optional.of(file);
      }
      notices.add(
          "log_file: the default "
              + file.toAbsolutePath()
              + " cannot be written here, so the log goes to stdout only (set PROXY_LOG_FILE to a"
              + " writable path for a file as well, or to empty for stdout only without this"
              + " note)");
      return Optional.empty();
    }

    /**
     * Whether a file could be opened for appending, without creating it: it is a writable regular
     * file, or it is missing and its nearest existing ancestor is a writable directory (the log
     * creates missing directories).
     */
    private static boolean canWrite(Path file) {
      if (Files.exists(file)) {
        return Files.isRegularFile(file) && Files.isWritable(file);
      }
      Path dir = file.toAbsolutePath().getParent();
      while (dir != null && !Files.exists(dir)) {
        dir = dir.getParent();
      }
      return dir != null && Files.isDirectory(dir) && Files.isWritable(dir);
    }
  }

  /** The typed settings from the merged values, every group checked. */
  static ProxySettings read(
      TypedValues v, Optional<Path> configFile, Path workDir, List<String> notices) {
    return new ProxySettings(
        Server.read(v),
        Protocols.read(v),
        Admin.read(v),
        Routing.read(v),
        Pool.read(v),
        Client.read(v),
        Upgrade.read(v),
        Memory.read(v),
        Logging.read(v, workDir, notices),
        configFile,
        v.sources());
  }

  /**
   * The one-line error for a setting found unusable after reading (say, a CA file that does not
   * load when the pool is built), naming the key and where its value came from.
   */
  public ConfigException invalid(Key key, String problem) {
    return new ConfigException(key.key(), sources.getOrDefault(key, RawValue.DEFAULT), problem);
  }

  /** The same settings with other routing (the demo upstream standing in for a missing one). */
  public ProxySettings withRouting(Routing newRouting) {
    return new ProxySettings(
        server,
        protocols,
        admin,
        newRouting,
        pool,
        client,
        upgrade,
        memory,
        logging,
        configFile,
        sources);
  }

  /**
   * The typed value of one setting. The switch has no default: a new {@link Key} does not compile
   * until it says which value it sets, so {@link ConfigReloader#needRestart}, which compares these
   * for every key that is not {@link Key#live()}, cannot miss one.
   */
  public Object valueOf(Key key) {
    return switch (key) {
      case HOST -> server.host();
      case PORT -> server.port();
      case MAX_CLIENT_CONNECTIONS -> server.maxClientConnections();
      case MAX_REQUEST_BODY -> server.maxRequestBodyBytes();
      case SHUTDOWN_DELAY -> server.shutdownDelay();
      case SHUTDOWN_GRACE_PERIOD -> server.shutdownGracePeriod();
      case TLS_CERT_FILE -> protocols.tlsCertFile();
      case TLS_KEY_FILE -> protocols.tlsKeyFile();
      case TLS_CLIENT_CA_FILE -> protocols.tlsClientCaFile();
      case HTTP2 -> protocols.http2();
      case HTTP2_MAX_CONCURRENT_STREAMS -> protocols.http2MaxConcurrentStreams();
      case ADMIN_PORT -> admin.port();
      case ADMIN_TOKEN -> admin.token();
      case ADMIN_TOKEN_FILE -> admin.tokenFile();
      case UPSTREAM_URL -> routing.upstreamUrl();
      case ROUTES -> routing.routes();
      case PRESERVE_HOST -> routing.preserveHost();
      case TRUSTED_PROXIES -> routing.trustedProxies();
      case MAX_CONNECTIONS -> pool.maxConnections();
      case MAX_KEEPALIVE_CONNECTIONS -> pool.maxKeepaliveConnections();
      case KEEPALIVE_EXPIRY -> pool.keepaliveExpiry();
      case POOL_TIMEOUT -> pool.poolTimeout();
      case CONNECT_TIMEOUT -> pool.connectTimeout();
      case READ_TIMEOUT -> pool.readTimeout();
      case WRITE_TIMEOUT -> pool.writeTimeout();
      case UPSTREAM_CA_FILE -> pool.caFile();
      case CLIENT_HEADER_TIMEOUT -> client.headerTimeout();
      case CLIENT_BODY_TIMEOUT -> client.bodyTimeout();
      case SEND_TIMEOUT -> client.sendTimeout();
      case CLIENT_KEEPALIVE_TIMEOUT -> client.keepaliveTimeout();
      case CLIENT_BODY_BUFFER_SIZE -> client.bodyBufferSize();
      case CLIENT_BODY_BUFFERS_MAX -> client.bodyBuffersMax();
      case MAX_UPGRADED_CONNECTIONS -> upgrade.maxConnections();
      case UPGRADE_IDLE_TIMEOUT -> upgrade.idleTimeout();
      case MEMORY_CHECK_INTERVAL -> memory.checkInterval();
      case MAX_MEMORY_USAGE -> memory.maxUsageMb();
      case CLEANUP_THRESHOLD -> memory.cleanupThresholdMb();
      case MAX_HEAP_PERCENT -> memory.maxHeapPercent();
      case LOG_FILE -> logging.file();
      case LOG_LEVEL -> logging.level();
      case LOG_FORMAT -> logging.format();
      case LOG_MAX_SIZE -> logging.maxBytes();
      case LOG_MAX_FILES -> logging.maxFiles();
      case ACCESS_LOG -> logging.accessLog();
      case ACCESS_LOG_QUERY -> logging.accessLogQuery();
    };
  }
}
