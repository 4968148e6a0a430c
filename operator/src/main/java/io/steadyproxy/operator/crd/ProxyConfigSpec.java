package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the user asks for: the proxy's settings (every setting of the original proxy, with its
 * default), where it runs and how the watchdog looks after it.
 *
 * <p>Every {@code @Default} is repeated as a field initializer on purpose: the API server fills
 * defaults from the schema, but objects that never went through it (unit tests, the mock server, a
 * client that skips defaulting) must mean the same thing. {@code CrdSchemaTest} fails when the two
 * disagree.
 */
@ValidationRule(
    value = "self.cleanupThresholdMb < self.maxMemoryUsageMb",
    message = "cleanupThresholdMb must be less than maxMemoryUsageMb")
@ValidationRule(
    value = ProxyConfigSpec.POD_LABELS_RULE,
    message = ProxyConfigSpec.POD_LABELS_MESSAGE)
public class ProxyConfigSpec {

  /** The pod labels the operator sets itself: the Deployment's selector and managed-by. */
  public static final List<String> RESERVED_POD_LABELS =
      List.of(
          "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by");

  /**
   * CEL: {@code podLabels} never names a label the operator selects its pods by. Key lookups, not a
   * walk over the map, so the API server's cost estimate stays constant whatever the map's size.
   */
  public static final String POD_LABELS_RULE =
      "!has(self.podLabels) || !('app.kubernetes.io/name' in self.podLabels"
          + " || 'app.kubernetes.io/instance' in self.podLabels"
          + " || 'app.kubernetes.io/managed-by' in self.podLabels)";

  /** The API server's answer to a reserved key in {@code podLabels}. */
  public static final String POD_LABELS_MESSAGE =
      "podLabels must not set app.kubernetes.io/name, app.kubernetes.io/instance or"
          + " app.kubernetes.io/managed-by: the operator selects its pods by them";

  /** The proxy's log levels (java.util.logging). */
  public static final String LOG_LEVEL_PATTERN =
      "^(OFF|SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST|ALL)$";

  /** An absolute http(s) URL with a host and an optional path; no query or fragment. */
  public static final String HTTP_URL_PATTERN = "^https?://[^\\s/?#]+(/[^\\s?#]*)?$";

  /**
   * An IPv4 or IPv6 address literal with an optional prefix length ({@code 10.0.0.0/8}, {@code
   * ::1/128}). The proxy parses each again ({@code Cidr.parse}); this only keeps typos out of the
   * API server.
   */
  public static final String CIDR_PATTERN =
      "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
          + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?"
          + "|[0-9a-fA-F]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$";

  /** A path prefix: starts with a slash, no whitespace, query or fragment. */
  public static final String PATH_PREFIX_PATTERN = "^/[^\\s?#]*$";

  @SpecReplicas
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "Number of proxy pods. Leave unset to let something else (an HPA) own the Deployment's replicas.")
  private Integer replicas;

  // No schema default on purpose: the API server would write it into every stored ProxyConfig, and
  // it would outlive the operator release it matched. Unset means "the operator's --proxy-image",
  // which the chart sets to the proxy image of its own release.
  @Pattern("^\\S+$")
  @JsonPropertyDescription(
      "Container image of the proxy. Unset: the operator's --proxy-image, which the chart sets from proxyImage to the proxy of the same release.")
  private String image;

  @Required
  @Pattern(HTTP_URL_PATTERN)
  @JsonPropertyDescription("Default upstream base URL, for requests no route matches.")
  private String upstreamUrl;

  @JsonPropertyDescription(
      "Path-prefix routes to other upstreams; the longest matching prefix wins.")
  private List<Route> routes = new ArrayList<>();

  @JsonPropertyDescription(
      "ConfigMap or Secret key with a PEM bundle of CA certificates: https upstreams are then"
          + " verified against only these CAs instead of the JVM's default truststore"
          + " (upstream_ca_file). Mounted read-only into the pods; a change of its content takes"
          + " effect when the pods restart.")
  private CaBundleRef upstreamCaRef;

  @JsonPropertyDescription(
      "TLS on the proxy port from a kubernetes.io/tls Secret (tls_cert_file, tls_key_file).")
  private TlsSpec tls;

  @Default("true")
  @JsonPropertyDescription(
      "HTTP/2 to clients on the proxy port (http2): h2 by ALPN with tls, h2c (prior knowledge or"
          + " Upgrade) without. false: HTTP/1.1 only. Upstreams are always spoken to in HTTP/1.1.")
  private Boolean http2 = true;

  @Default("128")
  @Min(1)
  @Max(100000)
  @JsonPropertyDescription(
      "Streams (requests) one HTTP/2 client connection may have open at once; more are refused"
          + " with RST_STREAM (http2_max_concurrent_streams, nginx's default 128).")
  private Integer http2MaxConcurrentStreams = 128;

  @Default("false")
  @JsonPropertyDescription("Forward the client's Host header instead of the upstream's host.")
  private Boolean preserveHost = false;

  @Default("100")
  @Min(1)
  @Max(100000)
  @JsonPropertyDescription("Maximum upstream connections, in use and idle.")
  private Integer maxConnections = 100;

  @Default("20")
  @Min(0)
  @Max(100000)
  @JsonPropertyDescription("Maximum idle (kept-alive) upstream connections.")
  private Integer maxKeepaliveConnections = 20;

  @Default("30")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds an idle upstream connection is kept.")
  private Integer keepaliveExpirySeconds = 30;

  @Default("10")
  @Min(1)
  @Max(600)
  @JsonPropertyDescription("Upstream connect timeout, seconds.")
  private Integer connectTimeoutSeconds = 10;

  @Default("60")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Upstream read timeout, seconds.")
  private Integer readTimeoutSeconds = 60;

  @Default("10")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Write timeout, seconds.")
  private Integer writeTimeoutSeconds = 10;

  @Default("5")
  @Min(1)
  @Max(600)
  @JsonPropertyDescription("Seconds a request waits for a free upstream connection before a 503.")
  private Integer poolTimeoutSeconds = 5;

  @Default("256")
  @Min(0)
  @Max(1000000)
  @JsonPropertyDescription(
      "Upgraded connections (WebSocket, any Upgrade) open at once per pod, each with an upstream"
          + " socket of its own outside maxConnections; more get 503. 0 refuses upgrades.")
  private Integer maxUpgradedConnections = 256;

  @Default("60")
  @Min(0)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds an upgraded connection (WebSocket) may move no byte before the proxy closes it"
          + " (nginx's proxy_read_timeout role). 0: no limit.")
  private Integer upgradeIdleTimeoutSeconds = 60;

  @Default("30")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds between two memory checks inside the proxy.")
  private Integer memoryCheckIntervalSeconds = 30;

  @Default("500")
  @Min(200)
  @Max(65536)
  @JsonPropertyDescription(
      "Memory (RSS, MB) above which the proxy runs a full cleanup and sheds load.")
  private Integer maxMemoryUsageMb = 500;

  @Default("400")
  @Min(192)
  @Max(65536)
  @JsonPropertyDescription(
      "Memory (RSS, MB) above which a light cleanup runs; must be below maxMemoryUsageMb, and above"
          + " the proxy JVM's resting footprint (its heap plus about 128 MB).")
  private Integer cleanupThresholdMb = 400;

  @Default("90")
  @Min(20)
  @Max(100)
  @JsonPropertyDescription(
      "Percent of the JVM heap in use above which the proxy runs a full cleanup, then sheds load if"
          + " still above; shedding stops 10 points below. 100 turns the heap check off.")
  private Integer maxHeapPercent = 90;

  @JsonPropertyDescription(
      "CIDRs (10.0.0.0/8, ::1/128) of peers in front of the proxy (load balancers, ingress) whose"
          + " X-Forwarded-Proto, X-Forwarded-Host and Forwarded headers are believed"
          + " (trusted_proxies). From any other peer the proxy writes its own X-Forwarded-Proto and"
          + " X-Forwarded-Host and drops Forwarded. Empty: trust no peer.")
  private List<@Pattern(CIDR_PATTERN) String> trustedProxies = new ArrayList<>();

  @JsonPropertyDescription(
      "Largest request body the proxy accepts (max_request_body), as a quantity: 10Mi, 1G,"
          + " 1048576. Larger bodies get 413. Unset or 0: no limit.")
  private Quantity maxRequestBody;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription(
      "Client connections each proxy serves at once (max_client_connections); more wait in the"
          + " accept queue. Unset: as many as the heap holds by the proxy's sizing rule. Set, it"
          + " must not exceed that.")
  private Integer maxClientConnections;

  @Default("60")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds a client may take to send a request head, then 408 and the connection is closed"
          + " (client_header_timeout, as nginx's).")
  private Integer clientHeaderTimeoutSeconds = 60;

  @Default("60")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription(
      "Longest silence, in seconds, between two reads of a request body, then 408 and the"
          + " connection is closed (client_body_timeout, as nginx's).")
  private Integer clientBodyTimeoutSeconds = 60;

  @Default("60")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription(
      "Longest time, in seconds, a write to a client may make no progress, then the connection is"
          + " closed and its upstream connection freed (send_timeout, as nginx's).")
  private Integer sendTimeoutSeconds = 60;

  @Default("75")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds a kept-alive client connection may stay idle between requests before it is closed"
          + " (client_keepalive_timeout, nginx's keepalive_timeout).")
  private Integer clientKeepaliveTimeoutSeconds = 75;

  @JsonPropertyDescription(
      "Request bodies up to this size are read whole before an upstream connection is taken;"
          + " larger ones stream (client_body_buffer_size), as a quantity: 64Ki, 1Mi. Unset: 64Ki."
          + " 0: every body streams.")
  private Quantity clientBodyBufferSize;

  @JsonPropertyDescription(
      "Memory all buffered request bodies of a pod may hold at once; a body that does not fit"
          + " streams instead (client_body_buffers_max), as a quantity. Unset: 8Mi.")
  private Quantity clientBodyBuffersMax;

  @Default("INFO")
  @Pattern(LOG_LEVEL_PATTERN)
  @JsonPropertyDescription(
      "The proxy's log level (java.util.logging): SEVERE, WARNING, INFO, CONFIG, FINE, FINER,"
          + " FINEST, OFF or ALL.")
  private String logLevel = "INFO";

  @Default("5")
  @Min(0)
  @Max(300)
  @JsonPropertyDescription(
      "Seconds a stopping proxy pod keeps serving, with readiness down, after Kubernetes asks it"
          + " to stop (shutdown_delay): time for the endpoints, kube-proxy and load balancers to"
          + " stop sending it requests, so a rollout drops none. terminationGracePeriodSeconds is"
          + " sized from it and shutdownGracePeriodSeconds.")
  private Integer shutdownDelaySeconds = 5;

  @Default("30")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds in-flight requests may take to finish once the listener closed"
          + " (shutdown_grace_period); longer streams are cut.")
  private Integer shutdownGracePeriodSeconds = 30;

  @JsonPropertyDescription(
      "Container resources. The memory limit must exceed maxMemoryUsageMb; when unset it is maxMemoryUsageMb + 25%.")
  private ResourceRequirements resources;

  @JsonPropertyDescription(
      "A HorizontalPodAutoscaler the operator creates and owns for the proxy (autoscaling/v2,"
          + " on CPU). While set, replicas is ignored and the Deployment's replicas are the"
          + " autoscaler's; removing it deletes the autoscaler.")
  private AutoscalingSpec autoscaling;

  @JsonPropertyDescription("Secrets with the credentials to pull the proxy image.")
  private List<LocalObjectReference> imagePullSecrets = new ArrayList<>();

  @JsonPropertyDescription("Node labels the proxy pods must run on.")
  private Map<String, String> nodeSelector = new LinkedHashMap<>();

  @JsonPropertyDescription("Taints the proxy pods tolerate.")
  private List<Toleration> tolerations = new ArrayList<>();

  @JsonPropertyDescription("Node and pod affinity of the proxy pods.")
  private Affinity affinity;

  @JsonPropertyDescription(
      "How the proxy pods spread over zones and nodes. A constraint without a labelSelector"
          + " selects this ProxyConfig's pods.")
  private List<TopologySpreadConstraint> topologySpreadConstraints = new ArrayList<>();

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("PriorityClass of the proxy pods.")
  private String priorityClassName;

  @JsonPropertyDescription(
      "Extra annotations on the proxy pods (a config change of the operator's own annotation"
          + " wins over one of the same name). Changing them rolls the pods.")
  private Map<String, String> podAnnotations = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Extra labels on the proxy pods; never app.kubernetes.io/name, instance or managed-by, which"
          + " select them. Changing them rolls the pods.")
  private Map<String, String> podLabels = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Secret key holding the admin bearer token, mounted into the pods as a file the proxy reads"
          + " at each admin request (PROXY_ADMIN_TOKEN_FILE): a rotated Secret needs no restart.")
  private SecretKeyRef adminTokenSecretRef;

  @JsonPropertyDescription("The Service in front of the proxy pods.")
  private ServiceSpec service = new ServiceSpec();

  @JsonPropertyDescription("The operator's memory watchdog for this proxy.")
  private WatchdogSpec watchdog = new WatchdogSpec();

  public ProxyConfigSpec() {}

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getUpstreamUrl() {
    return upstreamUrl;
  }

  public void setUpstreamUrl(String upstreamUrl) {
    this.upstreamUrl = upstreamUrl;
  }

  public List<Route> getRoutes() {
    return routes;
  }

  public void setRoutes(List<Route> routes) {
    this.routes = routes;
  }

  public CaBundleRef getUpstreamCaRef() {
    return upstreamCaRef;
  }

  public void setUpstreamCaRef(CaBundleRef upstreamCaRef) {
    this.upstreamCaRef = upstreamCaRef;
  }

  public TlsSpec getTls() {
    return tls;
  }

  public void setTls(TlsSpec tls) {
    this.tls = tls;
  }

  public Boolean getPreserveHost() {
    return preserveHost;
  }

  public void setPreserveHost(Boolean preserveHost) {
    this.preserveHost = preserveHost;
  }

  public Integer getMaxConnections() {
    return maxConnections;
  }

  public void setMaxConnections(Integer maxConnections) {
    this.maxConnections = maxConnections;
  }

  public Integer getMaxKeepaliveConnections() {
    return maxKeepaliveConnections;
  }

  public void setMaxKeepaliveConnections(Integer maxKeepaliveConnections) {
    this.maxKeepaliveConnections = maxKeepaliveConnections;
  }

  public Integer getKeepaliveExpirySeconds() {
    return keepaliveExpirySeconds;
  }

  public void setKeepaliveExpirySeconds(Integer keepaliveExpirySeconds) {
    this.keepaliveExpirySeconds = keepaliveExpirySeconds;
  }

  public Integer getConnectTimeoutSeconds() {
    return connectTimeoutSeconds;
  }

  public void setConnectTimeoutSeconds(Integer connectTimeoutSeconds) {
    this.connectTimeoutSeconds = connectTimeoutSeconds;
  }

  public Integer getReadTimeoutSeconds() {
    return readTimeoutSeconds;
  }

  public void setReadTimeoutSeconds(Integer readTimeoutSeconds) {
    this.readTimeoutSeconds = readTimeoutSeconds;
  }

  public Integer getWriteTimeoutSeconds() {
    return writeTimeoutSeconds;
  }

  public void setWriteTimeoutSeconds(Integer writeTimeoutSeconds) {
    this.writeTimeoutSeconds = writeTimeoutSeconds;
  }

  public Integer getPoolTimeoutSeconds() {
    return poolTimeoutSeconds;
  }

  public void setPoolTimeoutSeconds(Integer poolTimeoutSeconds) {
    this.poolTimeoutSeconds = poolTimeoutSeconds;
  }

  public Integer getMaxUpgradedConnections() {
    return maxUpgradedConnections;
  }

  public void setMaxUpgradedConnections(Integer maxUpgradedConnections) {
    this.maxUpgradedConnections = maxUpgradedConnections;
  }

  public Integer getUpgradeIdleTimeoutSeconds() {
    return upgradeIdleTimeoutSeconds;
  }

  public void setUpgradeIdleTimeoutSeconds(Integer upgradeIdleTimeoutSeconds) {
    this.upgradeIdleTimeoutSeconds = upgradeIdleTimeoutSeconds;
  }

  public Integer getMemoryCheckIntervalSeconds() {
    return memoryCheckIntervalSeconds;
  }

  public void setMemoryCheckIntervalSeconds(Integer memoryCheckIntervalSeconds) {
    this.memoryCheckIntervalSeconds = memoryCheckIntervalSeconds;
  }

  public Integer getMaxMemoryUsageMb() {
    return maxMemoryUsageMb;
  }

  public void setMaxMemoryUsageMb(Integer maxMemoryUsageMb) {
    this.maxMemoryUsageMb = maxMemoryUsageMb;
  }

  public Integer getCleanupThresholdMb() {
    return cleanupThresholdMb;
  }

  public void setCleanupThresholdMb(Integer cleanupThresholdMb) {
    this.cleanupThresholdMb = cleanupThresholdMb;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  public Integer getMaxHeapPercent() {
    return maxHeapPercent;
  }

  public void setMaxHeapPercent(Integer maxHeapPercent) {
    this.maxHeapPercent = maxHeapPercent;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public SecretKeyRef getAdminTokenSecretRef() {
    return adminTokenSecretRef;
  }

  public void setAdminTokenSecretRef(SecretKeyRef adminTokenSecretRef) {
    this.adminTokenSecretRef = adminTokenSecretRef;
  }

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }

  public WatchdogSpec getWatchdog() {
    return watchdog;
  }

  public void setWatchdog(WatchdogSpec watchdog) {
    this.watchdog = watchdog;
  }

  public Quantity getMaxRequestBody() {
    return maxRequestBody;
  }

  public void setMaxRequestBody(Quantity maxRequestBody) {
    this.maxRequestBody = maxRequestBody;
  }

  public Integer getMaxClientConnections() {
    return maxClientConnections;
  }

  public void setMaxClientConnections(Integer maxClientConnections) {
    this.maxClientConnections = maxClientConnections;
  }

  public String getLogLevel() {
    return logLevel;
  }

  public void setLogLevel(String logLevel) {
    this.logLevel = logLevel;
  }

  public Integer getShutdownDelaySeconds() {
    return shutdownDelaySeconds;
  }

  public void setShutdownDelaySeconds(Integer shutdownDelaySeconds) {
    this.shutdownDelaySeconds = shutdownDelaySeconds;
  }

  public Integer getShutdownGracePeriodSeconds() {
    return shutdownGracePeriodSeconds;
  }

  public void setShutdownGracePeriodSeconds(Integer shutdownGracePeriodSeconds) {
    this.shutdownGracePeriodSeconds = shutdownGracePeriodSeconds;
  }

  public AutoscalingSpec getAutoscaling() {
    return autoscaling;
  }

  public void setAutoscaling(AutoscalingSpec autoscaling) {
    this.autoscaling = autoscaling;
  }

  public List<LocalObjectReference> getImagePullSecrets() {
    return imagePullSecrets;
  }

  public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
    this.imagePullSecrets = imagePullSecrets;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
    return topologySpreadConstraints;
  }

  public void setTopologySpreadConstraints(
      List<TopologySpreadConstraint> topologySpreadConstraints) {
    this.topologySpreadConstraints = topologySpreadConstraints;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public Map<String, String> getPodAnnotations() {
    return podAnnotations;
  }

  public void setPodAnnotations(Map<String, String> podAnnotations) {
    this.podAnnotations = podAnnotations;
  }

  public Map<String, String> getPodLabels() {
    return podLabels;
  }

  public void setPodLabels(Map<String, String> podLabels) {
    this.podLabels = podLabels;
  }

  public Boolean getHttp2() {
    return http2;
  }

  public void setHttp2(Boolean http2) {
    this.http2 = http2;
  }

  public Integer getHttp2MaxConcurrentStreams() {
    return http2MaxConcurrentStreams;
  }

  public void setHttp2MaxConcurrentStreams(Integer http2MaxConcurrentStreams) {
    this.http2MaxConcurrentStreams = http2MaxConcurrentStreams;
  }

  public Integer getClientHeaderTimeoutSeconds() {
    return clientHeaderTimeoutSeconds;
  }

  public void setClientHeaderTimeoutSeconds(Integer clientHeaderTimeoutSeconds) {
    this.clientHeaderTimeoutSeconds = clientHeaderTimeoutSeconds;
  }

  public Integer getClientBodyTimeoutSeconds() {
    return clientBodyTimeoutSeconds;
  }

  public void setClientBodyTimeoutSeconds(Integer clientBodyTimeoutSeconds) {
    this.clientBodyTimeoutSeconds = clientBodyTimeoutSeconds;
  }

  public Integer getSendTimeoutSeconds() {
    return sendTimeoutSeconds;
  }

  public void setSendTimeoutSeconds(Integer sendTimeoutSeconds) {
    this.sendTimeoutSeconds = sendTimeoutSeconds;
  }

  public Integer getClientKeepaliveTimeoutSeconds() {
    return clientKeepaliveTimeoutSeconds;
  }

  public void setClientKeepaliveTimeoutSeconds(Integer clientKeepaliveTimeoutSeconds) {
    this.clientKeepaliveTimeoutSeconds = clientKeepaliveTimeoutSeconds;
  }

  public Quantity getClientBodyBufferSize() {
    return clientBodyBufferSize;
  }

  public void setClientBodyBufferSize(Quantity clientBodyBufferSize) {
    this.clientBodyBufferSize = clientBodyBufferSize;
  }

  public Quantity getClientBodyBuffersMax() {
    return clientBodyBuffersMax;
  }

  public void setClientBodyBuffersMax(Quantity clientBodyBuffersMax) {
    this.clientBodyBuffersMax = clientBodyBuffersMax;
  }
}
