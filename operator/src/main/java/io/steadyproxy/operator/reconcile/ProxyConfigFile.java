package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.Route;
import io.steadyproxy.operator.crd.TlsSpec;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The proxy's config file, {@code proxy_config.json}, rendered from a spec: the contract with the
 * service. Keys are the original proxy's snake_case names, seconds and MB are plain numbers, and
 * the key order is fixed so the same spec always renders the same bytes (and the same checksum).
 * The golden file {@code testdata/proxy_config.golden.json} pins this format for both modules.
 *
 * <p>The admin token is never rendered here: it reaches the pod as {@code PROXY_ADMIN_TOKEN} from a
 * Secret. {@code upstream_ca_file} is rendered only when {@code spec.upstreamCaRef} is set, so a
 * ProxyConfig without it renders the same bytes (and checksum) as before the field existed; the
 * same holds for the TLS files and {@code spec.tls}. Settings with a default (the HTTP/2 and
 * client-side settings among them) are always rendered, so the file says what the proxy runs with
 * even where it agrees with the proxy's own default.
 */
public final class ProxyConfigFile {

  /** The key of the file in the ConfigMap, and its name on disk. */
  public static final String FILE_NAME = "proxy_config.json";

  /** Where the ConfigMap is mounted in the proxy container. */
  public static final String MOUNT_DIR = "/etc/steadyproxy";

  /** The path the proxy is started with, {@code --config <path>}. */
  public static final String PATH = MOUNT_DIR + "/" + FILE_NAME;

  /** The proxy's traffic port inside the pod. */
  public static final int HTTP_PORT = 8000;

  /** The proxy's admin port: health, metrics and {@code /admin/cleanup}. */
  public static final int ADMIN_PORT = 9090;

  /**
   * Where the {@code spec.upstreamCaRef} volume is mounted. A sibling of {@link #MOUNT_DIR}, not a
   * directory inside it: that one is the config ConfigMap's read-only volume.
   */
  public static final String UPSTREAM_CA_DIR = "/etc/steadyproxy-upstream-ca";

  /** The CA bundle's file name in {@link #UPSTREAM_CA_DIR}, whatever the key it comes from. */
  public static final String UPSTREAM_CA_FILE_NAME = "ca.crt";

  /** The proxy's {@code upstream_ca_file} when {@code spec.upstreamCaRef} is set. */
  public static final String UPSTREAM_CA_PATH = UPSTREAM_CA_DIR + "/" + UPSTREAM_CA_FILE_NAME;

  /**
   * Where the {@code spec.tls} Secret is mounted: a directory mount, so the kubelet's refresh after
   * a renewal reaches the files the proxy watches.
   */
  public static final String TLS_DIR = "/etc/steadyproxy-tls";

  /** The proxy's {@code tls_cert_file} when {@code spec.tls} is set. */
  public static final String TLS_CERT_PATH = TLS_DIR + "/" + TlsSpec.CERT_KEY;

  /** The proxy's {@code tls_key_file} when {@code spec.tls} is set. */
  public static final String TLS_KEY_PATH = TLS_DIR + "/" + TlsSpec.KEY_KEY;

  /**
   * Where the {@code spec.tls.clientCaRef} bundle is mounted: a directory of its own (not inside
   * {@link #TLS_DIR}, which is the Secret's volume), mounted whole so a changed bundle reaches the
   * running proxy, which reloads it with the certificate.
   */
  public static final String TLS_CLIENT_CA_DIR = "/etc/steadyproxy-tls-client-ca";

  /** The client CA bundle's file name in {@link #TLS_CLIENT_CA_DIR}, whatever its key. */
  public static final String TLS_CLIENT_CA_FILE_NAME = "ca.crt";

  /** The proxy's {@code tls_client_ca_file} when {@code spec.tls.clientCaRef} is set. */
  public static final String TLS_CLIENT_CA_PATH = TLS_CLIENT_CA_DIR + "/" + TLS_CLIENT_CA_FILE_NAME;

  /** The proxy's {@code client_body_buffer_size} when the spec leaves it unset (64 KiB). */
  public static final long DEFAULT_CLIENT_BODY_BUFFER_SIZE = 64 * 1024;

  /** The proxy's {@code client_body_buffers_max} when the spec leaves it unset (8 MiB). */
  public static final long DEFAULT_CLIENT_BODY_BUFFERS_MAX = 8 * 1024 * 1024;

  /** The log file, on the pod's writable {@code /tmp} (the root filesystem is read-only). */
  public static final String LOG_FILE = "/tmp/proxy.log";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ProxyConfigFile() {}

  /** The file's content: one line of JSON and a newline. */
  public static String render(ProxyConfigSpec spec) {
    ObjectNode file = JSON.createObjectNode();
    file.put("host", "0.0.0.0");
    file.put("port", HTTP_PORT);
    file.put("upstream_url", spec.getUpstreamUrl());
    ArrayNode routes = file.putArray("routes");
    for (Route route : nullToEmpty(spec.getRoutes())) {
      ObjectNode r = routes.addObject();
      r.put("prefix", route.getPrefix());
      r.put("upstream", route.getUpstream());
      r.put("strip_prefix", Boolean.TRUE.equals(route.getStripPrefix()));
      if (route.getProtocol() != null && route.getProtocol() != Route.Protocol.HTTP1) {
        r.put("protocol", route.getProtocol().configName()); // http1 is the proxy's default
      }
    }
    if (spec.getUpstreamCaRef() != null) {
      file.put("upstream_ca_file", UPSTREAM_CA_PATH);
    }
    if (spec.getTls() != null) {
      file.put("tls_cert_file", TLS_CERT_PATH);
      file.put("tls_key_file", TLS_KEY_PATH);
      if (spec.getTls().getClientCaRef() != null) {
        file.put("tls_client_ca_file", TLS_CLIENT_CA_PATH);
      }
    }
    file.put("http2", !Boolean.FALSE.equals(spec.getHttp2()));
    file.put("http2_max_concurrent_streams", spec.getHttp2MaxConcurrentStreams());
    file.put("preserve_host", Boolean.TRUE.equals(spec.getPreserveHost()));
    file.put("max_connections", spec.getMaxConnections());
    file.put("max_keepalive_connections", spec.getMaxKeepaliveConnections());
    file.put("keepalive_expiry", spec.getKeepaliveExpirySeconds());
    file.put("connect_timeout", spec.getConnectTimeoutSeconds());
    file.put("read_timeout", spec.getReadTimeoutSeconds());
    file.put("write_timeout", spec.getWriteTimeoutSeconds());
    file.put("pool_timeout", spec.getPoolTimeoutSeconds());
    file.put("max_upgraded_connections", spec.getMaxUpgradedConnections());
    file.put("upgrade_idle_timeout", spec.getUpgradeIdleTimeoutSeconds());
    file.put("memory_check_interval", spec.getMemoryCheckIntervalSeconds());
    file.put("max_memory_usage", spec.getMaxMemoryUsageMb());
    file.put("cleanup_threshold", spec.getCleanupThresholdMb());
    file.put("max_heap_percent", spec.getMaxHeapPercent());
    if (!nullToEmpty(spec.getTrustedProxies()).isEmpty()) {
      // one comma-separated value, as PROXY_TRUSTED_PROXIES and --trusted-proxies take it
      file.put("trusted_proxies", String.join(",", spec.getTrustedProxies()));
    }
    file.put("max_client_connections", clientConnections(spec));
    file.put("max_request_body", maxRequestBodyBytes(spec));
    file.put("client_header_timeout", spec.getClientHeaderTimeoutSeconds());
    file.put("client_body_timeout", spec.getClientBodyTimeoutSeconds());
    file.put("send_timeout", spec.getSendTimeoutSeconds());
    file.put("client_keepalive_timeout", spec.getClientKeepaliveTimeoutSeconds());
    file.put(
        "client_body_buffer_size",
        bytes(spec.getClientBodyBufferSize(), DEFAULT_CLIENT_BODY_BUFFER_SIZE));
    file.put(
        "client_body_buffers_max",
        bytes(spec.getClientBodyBuffersMax(), DEFAULT_CLIENT_BODY_BUFFERS_MAX));
    file.put("shutdown_delay", spec.getShutdownDelaySeconds());
    file.put("shutdown_grace_period", spec.getShutdownGracePeriodSeconds());
    file.put("admin_port", ADMIN_PORT);
    file.put("log_file", LOG_FILE);
    file.put("log_level", spec.getLogLevel() == null ? "INFO" : spec.getLogLevel());
    return JSON.writeValueAsString(file) + "\n";
  }

  /**
   * {@code spec.maxClientConnections} when set, else what the heap holds: sized from the memory
   * settings the way the heap is ({@link MemoryBudget}), by the proxy's own rule.
   */
  public static long clientConnections(ProxyConfigSpec spec) {
    return spec.getMaxClientConnections() != null
        ? spec.getMaxClientConnections()
        : clientConnectionCapacity(spec);
  }

  /** The most client connections the spec's heap holds, by the proxy's sizing rule. */
  public static long clientConnectionCapacity(ProxyConfigSpec spec) {
    return MemoryBudget.of(spec)
        .clientConnections(spec.getMaxHeapPercent(), spec.getMaxConnections());
  }

  /** {@code spec.maxRequestBody} in bytes; 0 (no limit) when unset. */
  public static long maxRequestBodyBytes(ProxyConfigSpec spec) {
    return bytes(spec.getMaxRequestBody(), 0);
  }

  /**
   * A size quantity in whole bytes (rounded up: {@code 1.5} is 2 bytes), or {@code unset} when
   * there is none. Throws {@link IllegalArgumentException} or {@link ArithmeticException} for a
   * quantity that is no size, which {@link SpecValidator} reports before anything renders.
   */
  public static long bytes(Quantity quantity, long unset) {
    return quantity == null
        ? unset
        : Quantity.getAmountInBytes(quantity).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** Lower-case hex sha256 of the rendered file, put on the pod template to roll pods on change. */
  public static String checksum(String renderedFile) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(renderedFile.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
