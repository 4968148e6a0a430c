package io.steadyproxy.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Every setting SteadyProxy knows, with its canonical snake_case key (the JSON key of the seed's
 * {@code proxy_config.json}), its environment variable and its command-line flag.
 */
public enum Key {
  HOST("0.0.0.0", false, "Address to bind."),
  PORT("8000", false, "Port to bind; 0 picks a free port."),
  ADMIN_PORT(
      null,
      false,
      "Separate port for /health, /admin and /observe; unset keeps them on the proxy port."),
  TLS_CERT_FILE(
      null,
      false,
      "PEM certificate chain (leaf first) of the proxy port: set with tls_key_file, the port"
          + " speaks TLS 1.2/1.3 only. The files are watched: a rotated pair (cert-manager, a"
          + " Secret volume) is served to new connections within seconds; a bad one is logged and"
          + " the old pair kept. A new path needs a restart."),
  TLS_KEY_FILE(
      null,
      false,
      "PEM private key (PKCS#8, or PKCS#1 RSA) of tls_cert_file; unencrypted. Watched and reloaded"
          + " with it."),
  TLS_CLIENT_CA_FILE(
      null,
      false,
      "PEM file of CA certificates client certificates are checked against: when set, every"
          + " client must present a certificate they issued (mutual TLS); the TLS handshake fails"
          + " otherwise. Watched and reloaded with the certificate."),
  HTTP2(
      "true",
      false,
      "HTTP/2 to clients: h2 by ALPN on a TLS port, h2c (prior knowledge or Upgrade) on a plain"
          + " one. false: HTTP/1.1 only. Upstreams are always spoken to in HTTP/1.1."),
  HTTP2_MAX_CONCURRENT_STREAMS(
      "128",
      false,
      "Streams (requests) one HTTP/2 client connection may have open at once; more are refused"
          + " with RST_STREAM (nginx's http2_max_concurrent_streams, 128)."),
  UPSTREAM_URL(
      null, true, "Default upstream (http or https URL); unset starts the built-in demo upstream."),
  ROUTES(
      null,
      true,
      "Routes: JSON/YAML list of {prefix, upstream, strip_prefix, protocol}; env and flag: "
          + "/prefix=URL[;strip][;h2c|;grpc], comma-separated or repeated. protocol: http1"
          + " (default), h2c (HTTP/2 to the upstream) or grpc (h2c with gRPC deadlines and"
          + " error answers)."),
  UPSTREAM_CA_FILE(
      null,
      false,
      "PEM file of the CA certificates https upstreams are checked against, instead of the JVM's"
          + " default truststore. Reread at each config reload; a new path needs a restart."),
  PRESERVE_HOST(
      "false", true, "Forward the client's Host header instead of the upstream's authority."),
  MAX_CONNECTIONS("100", true, "Upstream connections open at once, across all upstreams."),
  MAX_KEEPALIVE_CONNECTIONS("20", true, "Idle upstream connections kept for reuse."),
  KEEPALIVE_EXPIRY("30", true, "Seconds after which an idle upstream connection is closed."),
  CONNECT_TIMEOUT("10", true, "Seconds allowed for a TCP (and TLS) connect to an upstream."),
  READ_TIMEOUT(
      "60",
      true,
      "Longest silence, in seconds, between bytes from an upstream; also the longest time for a"
          + " whole response head, interim 1xx answers included."),
  WRITE_TIMEOUT(
      "10", true, "Longest time, in seconds, a write to an upstream may make no progress."),
  POOL_TIMEOUT("5", true, "Longest wait, in seconds, for a free upstream connection before 503."),
  MAX_UPGRADED_CONNECTIONS(
      "256",
      true,
      "Upgraded connections (WebSocket, or any protocol a 101 switches to) open at once, each"
          + " with an upstream socket of its own outside max_connections; more upgrade requests get"
          + " 503 (upgrades_exhausted). Each holds two 16 KiB relay buffers besides its client"
          + " connection. 0: upgrades are refused."),
  UPGRADE_IDLE_TIMEOUT(
      "60",
      true,
      "Seconds an upgraded connection may move no byte in either direction (or a write to one"
          + " side make no progress) before both its sides are closed; the role nginx's"
          + " proxy_read_timeout plays for WebSockets. Applications silent for longer should send"
          + " pings. 0: no limit."),
  MEMORY_CHECK_INTERVAL("30", true, "Seconds between memory checks."),
  MAX_MEMORY_USAGE(
      "500", true, "MB of RSS above which a full cleanup runs, then new requests are shed."),
  CLEANUP_THRESHOLD(
      "400", true, "MB of RSS above which a light cleanup runs; shedding stops below it."),
  MAX_HEAP_PERCENT(
      "90",
      true,
      "Percent of the JVM heap in use above which a full cleanup runs, then new requests are shed"
          + " if still above; shedding stops 10 points below. 100 turns the heap check off."),
  MAX_CLIENT_CONNECTIONS(
      "1000",
      false,
      "Client connections served at once; more wait in the accept queue. Each holds about 8 KiB of"
          + " heap while idle, more with a request in flight: raise it with the heap (PROXY_JAVA_OPTS)."
          + " Warned at start when above what the heap holds (sizing rule in operations.md); while"
          + " the heap is nearly full, new connections wait or get 503 whatever the cap."),
  MAX_REQUEST_BODY(
      "0", false, "Largest request body (bytes, or 10MB); larger gets 413. 0: no limit."),
  CLIENT_HEADER_TIMEOUT(
      "60",
      true,
      "Seconds a client may take to send a request head: from accept, or on a kept-alive"
          + " connection from the arrival of its request line; then 408 and the connection is"
          + " closed (nginx's client_header_timeout)."),
  CLIENT_BODY_TIMEOUT(
      "60",
      true,
      "Longest silence, in seconds, between two reads of a request body; then 408 (if nothing"
          + " was answered yet) and the connection is closed (nginx's client_body_timeout)."),
  SEND_TIMEOUT(
      "60",
      true,
      "Longest time, in seconds, a write to a client may make no progress; then the connection"
          + " is closed and its upstream connection freed (nginx's send_timeout)."),
  CLIENT_KEEPALIVE_TIMEOUT(
      "75",
      true,
      "Seconds a kept-alive client connection may stay idle after a response, until its next"
          + " request line arrives; then it is closed (nginx's keepalive_timeout)."),
  CLIENT_BODY_BUFFER_SIZE(
      "64KB",
      true,
      "Request bodies up to this size are read whole, under client_body_timeout, before an"
          + " upstream connection is taken; larger ones stream. 0: every body streams."),
  CLIENT_BODY_BUFFERS_MAX(
      "8MB",
      true,
      "Memory all buffered request bodies may hold at once (shown on /health); a body that"
          + " does not fit streams instead."),
  TRUSTED_PROXIES(
      null,
      true,
      "Comma-separated CIDRs (10.0.0.0/8, ::1/128) of peers whose X-Forwarded-Proto,"
          + " X-Forwarded-Host, X-Forwarded-Port, X-Forwarded-Prefix, X-Real-IP and Forwarded"
          + " headers are kept; from any other peer X-Forwarded-Proto and -Host are replaced by"
          + " the proxy's own view and the others dropped. Unset: trust no peer."),
  SHUTDOWN_DELAY(
      "0",
      false,
      "Seconds to keep serving with readiness DOWN after SIGTERM, so load balancers "
          + "stop sending before the listener closes."),
  SHUTDOWN_GRACE_PERIOD(
      "30", false, "Seconds in-flight requests may take to finish after SIGTERM."),
  ADMIN_TOKEN(
      null, false, "Bearer token for /admin; unset: admin routes answer loopback clients only."),
  ADMIN_TOKEN_FILE(
      null,
      false,
      "File holding the bearer token for /admin, read again at each admin request: a rotated"
          + " Kubernetes Secret volume takes effect without a restart. Exclusive with admin_token."),
  LOG_FILE(
      "proxy.log",
      false,
      "Log file (requests, memory checks, cleanups, errors), written as well as stdout; empty:"
          + " stdout only. Left at its default where the working directory is not writable (a"
          + " container's read-only root, a non-root user in /), the log goes to stdout only, and"
          + " a line at start says so; a path set explicitly must be writable."),
  LOG_LEVEL("INFO", false, "java.util.logging level: SEVERE, WARNING, INFO, FINE, ..."),
  LOG_FORMAT(
      "text",
      false,
      "Layout of the log lines, on stdout and in log_file alike: text (time level logger message"
          + " key=value ...) or json (one object per line: time, level, logger, message, the"
          + " event's fields, exception_class, exception_message, stack_trace)."),
  LOG_MAX_SIZE("10MB", false, "Size at which the log file rotates."),
  LOG_MAX_FILES("5", false, "Rotated log files kept (proxy.log.1 ... proxy.log.N)."),
  ACCESS_LOG("true", false, "Write one line per request to the log."),
  ACCESS_LOG_QUERY(
      "true",
      false,
      "Write each request's query string in its access line (query=...); false writes"
          + " query=redacted for requests that have one, for queries that carry tokens or"
          + " personal data.");

  private final String defaultValue;
  private final boolean live;
  private final String description;

  Key(String defaultValue, boolean live, String description) {
    this.defaultValue = defaultValue;
    this.live = live;
    this.description = description;
  }

  /** Whether a change in the config file applies without a restart. */
  public boolean live() {
    return live;
  }

  /** What the setting does, one sentence (used by --help and the configuration reference). */
  public String description() {
    return description;
  }

  /** The JSON/YAML key, e.g. {@code max_connections}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The environment variable, e.g. {@code PROXY_MAX_CONNECTIONS}. */
  public String env() {
    return "PROXY_" + name();
  }

  /** The command-line flag, e.g. {@code --max-connections}. */
  public String flag() {
    return switch (this) {
      case UPSTREAM_URL -> "--upstream";
      case ROUTES -> "--route";
      default -> "--" + key().replace('_', '-');
    };
  }

  /** The default as the seed wrote it, if the setting has one. */
  public Optional<String> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  /**
   * The key for a JSON/YAML key, accepting {@code max-connections} as well as {@code
   * max_connections}.
   */
  static Optional<Key> fromKey(String key) {
    String normalized = key.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    for (Key k : values()) {
      if (k.name().equals(normalized)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
