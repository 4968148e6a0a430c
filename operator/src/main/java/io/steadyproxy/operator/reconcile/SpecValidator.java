package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.Route;
import io.steadyproxy.operator.crd.TlsSpec;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a spec before anything is applied. It repeats the schema's rules (an API server without
 * CEL, or a resource stored before the schema tightened, must not crash the operator) and adds the
 * ones no schema can express, such as the memory limit against the proxy's maximum.
 */
public final class SpecValidator {

  private static final Pattern LOG_LEVEL = Pattern.compile(ProxyConfigSpec.LOG_LEVEL_PATTERN);
  private static final Pattern NAME = Pattern.compile(ProxyConfig.NAME_PATTERN);
  private static final Pattern HTTP_URL = Pattern.compile(ProxyConfigSpec.HTTP_URL_PATTERN);
  private static final Pattern PATH_PREFIX = Pattern.compile(ProxyConfigSpec.PATH_PREFIX_PATTERN);
  private static final Pattern CIDR = Pattern.compile(ProxyConfigSpec.CIDR_PATTERN);
  private static final Pattern CA_KIND = Pattern.compile(CaBundleRef.KIND_PATTERN);
  private static final Pattern CA_NAME = Pattern.compile(CaBundleRef.NAME_PATTERN);
  private static final Pattern CA_KEY = Pattern.compile(CaBundleRef.KEY_PATTERN);

  private SpecValidator() {}

  /** The first problem found, or empty when the spec can be applied. */
  public static Optional<SpecProblem> check(ProxyConfig proxy) {
    String name = proxy.getMetadata().getName();
    if (name == null || name.length() > ProxyConfig.NAME_MAX_LENGTH) {
      return problem("InvalidName", ProxyConfig.NAME_LENGTH_MESSAGE + ", got '" + name + "'");
    }
    if (!NAME.matcher(name).matches()) {
      return problem("InvalidName", ProxyConfig.NAME_PATTERN_MESSAGE + ", got '" + name + "'");
    }
    ProxyConfigSpec spec = proxy.getSpec();
    if (spec == null) {
      return problem("MissingSpec", "spec is required");
    }
    // Unset is fine (the operator's --proxy-image); set, it must look like an image.
    if (spec.getImage() != null
        && (spec.getImage().isBlank()
            || spec.getImage().chars().anyMatch(Character::isWhitespace))) {
      return problem(
          "InvalidImage",
          "spec.image must be an image reference without spaces, got '" + spec.getImage() + "'");
    }
    if (spec.getUpstreamUrl() == null || !HTTP_URL.matcher(spec.getUpstreamUrl()).matches()) {
      return problem(
          "InvalidUpstreamUrl",
          "spec.upstreamUrl must be an absolute http(s) URL, got '" + spec.getUpstreamUrl() + "'");
    }
    if (spec.getRoutes() != null) {
      Set<String> prefixes = new HashSet<>();
      for (Route route : spec.getRoutes()) {
        if (route.getPrefix() == null || !PATH_PREFIX.matcher(route.getPrefix()).matches()) {
          return problem(
              "InvalidRoute", "route prefix must start with '/', got '" + route.getPrefix() + "'");
        }
        if (route.getUpstream() == null || !HTTP_URL.matcher(route.getUpstream()).matches()) {
          return problem(
              "InvalidRoute",
              "route "
                  + route.getPrefix()
                  + " needs an absolute http(s) upstream, got '"
                  + route.getUpstream()
                  + "'");
        }
        if (!prefixes.add(route.getPrefix())) {
          return problem("InvalidRoute", "route prefix " + route.getPrefix() + " appears twice");
        }
      }
    }
    for (String cidr :
        spec.getTrustedProxies() == null ? java.util.List.<String>of() : spec.getTrustedProxies()) {
      if (!isCidr(cidr)) {
        return problem(
            "InvalidTrustedProxies",
            "spec.trustedProxies entries must be CIDRs such as 10.0.0.0/8 or ::1/128, got '"
                + cidr
                + "'");
      }
    }
    if (spec.getLogLevel() != null && !LOG_LEVEL.matcher(spec.getLogLevel()).matches()) {
      return problem(
          "InvalidLogLevel",
          "spec.logLevel must be one of SEVERE, WARNING, INFO, CONFIG, FINE, FINER, FINEST, OFF,"
              + " ALL, got '"
              + spec.getLogLevel()
              + "'");
    }
    for (String reserved : ProxyConfigSpec.RESERVED_POD_LABELS) {
      if (spec.getPodLabels() != null && spec.getPodLabels().containsKey(reserved)) {
        return problem(
            "InvalidPodLabels", ProxyConfigSpec.POD_LABELS_MESSAGE + "; got podLabels." + reserved);
      }
    }
    if (spec.getMaxRequestBody() != null) {
      try {
        if (ProxyConfigFile.maxRequestBodyBytes(spec) < 0) {
          return problem(
              "InvalidMaxRequestBody",
              "spec.maxRequestBody must not be negative, got " + spec.getMaxRequestBody());
        }
      } catch (IllegalArgumentException | ArithmeticException e) {
        return problem(
            "InvalidMaxRequestBody",
            "spec.maxRequestBody must be a size such as 10Mi or 1048576, got "
                + spec.getMaxRequestBody());
      }
    }
    Optional<SpecProblem> autoscalingProblem = autoscalingProblem(spec);
    if (autoscalingProblem.isPresent()) {
      return autoscalingProblem;
    }
    Optional<SpecProblem> caProblem =
        caBundleRefProblem(spec.getUpstreamCaRef(), "InvalidUpstreamCaRef", "upstreamCaRef");
    if (caProblem.isPresent()) {
      return caProblem;
    }
    Optional<SpecProblem> tlsProblem = tlsProblem(spec.getTls());
    if (tlsProblem.isPresent()) {
      return tlsProblem;
    }
    Optional<SpecProblem> bufferProblem = clientBodyBufferProblem(spec);
    if (bufferProblem.isPresent()) {
      return bufferProblem;
    }
    Optional<SpecProblem> missing = firstMissingNumber(spec);
    if (missing.isPresent()) {
      return missing;
    }
    Optional<SpecProblem> outOfRange = firstOutOfRange(spec);
    if (outOfRange.isPresent()) {
      return outOfRange;
    }
    if (spec.getCleanupThresholdMb() >= spec.getMaxMemoryUsageMb()) {
      return problem(
          "ThresholdsInverted",
          "cleanupThresholdMb ("
              + spec.getCleanupThresholdMb()
              + ") must be less than maxMemoryUsageMb ("
              + spec.getMaxMemoryUsageMb()
              + ")");
    }
    if (spec.getMaxKeepaliveConnections() > spec.getMaxConnections()) {
      return problem(
          "PoolLimitsInverted",
          "maxKeepaliveConnections ("
              + spec.getMaxKeepaliveConnections()
              + ") must not exceed maxConnections ("
              + spec.getMaxConnections()
              + ")");
    }
    MemoryBudget budget;
    try {
      budget = MemoryBudget.of(spec);
    } catch (IllegalArgumentException | ArithmeticException e) {
      return problem(
          "InvalidResources", "resources.limits.memory is not a valid quantity: " + e.getMessage());
    }
    if (budget.heapMib() < MemoryBudget.MIN_HEAP_MIB) {
      return problem(
          "ThresholdsTooLow",
          "cleanupThresholdMb ("
              + spec.getCleanupThresholdMb()
              + ") and maxMemoryUsageMb ("
              + spec.getMaxMemoryUsageMb()
              + ") leave the JVM a heap of "
              + budget.heapMib()
              + " MiB, under the "
              + MemoryBudget.MIN_HEAP_MIB
              + " it needs: the heap plus about "
              + MemoryBudget.NON_HEAP_MIB
              + " MiB outside it must fit under the cleanup threshold and in half the maximum;"
              + " use cleanupThresholdMb >= "
              + (MemoryBudget.MIN_HEAP_MIB + MemoryBudget.NON_HEAP_MIB)
              + " and maxMemoryUsageMb >= "
              + 2 * MemoryBudget.MIN_HEAP_MIB);
    }
    if (budget.limitMib() <= spec.getMaxMemoryUsageMb()) {
      return problem(
          "MemoryLimitTooLow",
          "resources.limits.memory ("
              + budget.limitMib()
              + "Mi) must exceed maxMemoryUsageMb ("
              + spec.getMaxMemoryUsageMb()
              + "), or the kernel kills the proxy before it can clean up");
    }
    Quantity requested =
        spec.getResources() == null || spec.getResources().getRequests() == null
            ? null
            : spec.getResources().getRequests().get("memory");
    if (requested != null
        && budget.limitFromSpec()
        && Quantity.getAmountInBytes(requested)
                .compareTo(Quantity.getAmountInBytes(budget.limitQuantity()))
            > 0) {
      return problem(
          "InvalidResources", "resources.requests.memory must not exceed resources.limits.memory");
    }
    if (spec.getMaxClientConnections() != null
        && spec.getMaxClientConnections() > ProxyConfigFile.clientConnectionCapacity(spec)) {
      return problem(
          "MaxClientConnectionsTooHigh",
          "maxClientConnections ("
              + spec.getMaxClientConnections()
              + ") is more than the proxy's heap holds with these memory settings ("
              + ProxyConfigFile.clientConnectionCapacity(spec)
              + "); raise maxMemoryUsageMb and cleanupThresholdMb, or leave it unset to get that"
              + " many");
    }
    if (spec.getService() != null
        && spec.getService().getType() != null
        && !Set.of("ClusterIP", "NodePort", "LoadBalancer").contains(spec.getService().getType())) {
      return problem(
          "InvalidServiceType", "service.type must be ClusterIP, NodePort or LoadBalancer");
    }
    return Optional.empty();
  }

  /**
   * The schema's pattern, then a parse: the pattern lets through strings such as {@code ":::"} that
   * the proxy would refuse at start (exit 2, a crash-looping pod). The pattern admits literals
   * only, so the parse never looks a name up.
   */
  static boolean isCidr(String text) {
    if (text == null || !CIDR.matcher(text).matches()) {
      return false;
    }
    int slash = text.indexOf('/');
    try {
      java.net.InetAddress.getByName(slash < 0 ? text : text.substring(0, slash));
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * Unset is fine (plain HTTP); set, it needs the name of a Secret, and a client CA reference (if
   * any) the pod's volume can project.
   */
  private static Optional<SpecProblem> tlsProblem(TlsSpec tls) {
    if (tls == null) {
      return Optional.empty();
    }
    if (tls.getSecretName() == null || !CA_NAME.matcher(tls.getSecretName()).matches()) {
      return problem(
          "InvalidTls",
          "tls.secretName must be the name of a kubernetes.io/tls Secret in the ProxyConfig's"
              + " namespace, got '"
              + tls.getSecretName()
              + "'");
    }
    return caBundleRefProblem(tls.getClientCaRef(), "InvalidTlsClientCaRef", "tls.clientCaRef");
  }

  /** Both body-buffer quantities, when set, must be sizes of zero or more bytes. */
  private static Optional<SpecProblem> clientBodyBufferProblem(ProxyConfigSpec spec) {
    Object[][] sizes = {
      {"clientBodyBufferSize", spec.getClientBodyBufferSize()},
      {"clientBodyBuffersMax", spec.getClientBodyBuffersMax()},
    };
    for (Object[] size : sizes) {
      Quantity quantity = (Quantity) size[1];
      if (quantity == null) {
        continue;
      }
      long bytes;
      try {
        bytes = ProxyConfigFile.bytes(quantity, 0);
      } catch (IllegalArgumentException | ArithmeticException e) {
        return problem(
            "InvalidClientBodyBuffer",
            "spec." + size[0] + " must be a size such as 64Ki or 8Mi, got " + quantity);
      }
      if (bytes < 0) {
        return problem(
            "InvalidClientBodyBuffer",
            "spec." + size[0] + " must not be negative, got " + quantity);
      }
    }
    return Optional.empty();
  }

  /**
   * The schema's bounds on the settings the proxy refuses at zero (a timeout of 0 s, no HTTP/2
   * stream): without this, a ProxyConfig stored under an API server that skipped the schema would
   * roll out pods that exit at start with code 2 and crash-loop.
   */
  private static Optional<SpecProblem> firstOutOfRange(ProxyConfigSpec spec) {
    Object[][] bounded = {
      {"http2MaxConcurrentStreams", spec.getHttp2MaxConcurrentStreams(), 1, 100_000},
      {"clientHeaderTimeoutSeconds", spec.getClientHeaderTimeoutSeconds(), 1, 3600},
      {"clientBodyTimeoutSeconds", spec.getClientBodyTimeoutSeconds(), 1, 3600},
      {"sendTimeoutSeconds", spec.getSendTimeoutSeconds(), 1, 3600},
      {"clientKeepaliveTimeoutSeconds", spec.getClientKeepaliveTimeoutSeconds(), 1, 3600},
    };
    for (Object[] field : bounded) {
      int value = (Integer) field[1];
      if (value < (Integer) field[2] || value > (Integer) field[3]) {
        return problem(
            "OutOfRange",
            "spec."
                + field[0]
                + " must be between "
                + field[2]
                + " and "
                + field[3]
                + ", got "
                + value);
      }
    }
    return Optional.empty();
  }

  /**
   * Unset is fine; set, it must name a ConfigMap or Secret and a key the pod's volume can project.
   * An unset kind or key means the schema's default.
   */
  private static Optional<SpecProblem> caBundleRefProblem(
      CaBundleRef ref, String reason, String field) {
    if (ref == null) {
      return Optional.empty();
    }
    if (!CA_KIND.matcher(ref.effectiveKind()).matches()) {
      return problem(
          reason, field + ".kind must be ConfigMap or Secret, got '" + ref.getKind() + "'");
    }
    if (ref.getName() == null || !CA_NAME.matcher(ref.getName()).matches()) {
      return problem(
          reason,
          field
              + ".name must be the name of a "
              + ref.effectiveKind()
              + " in the ProxyConfig's namespace, got '"
              + ref.getName()
              + "'");
    }
    if (!CA_KEY.matcher(ref.effectiveKey()).matches()) {
      return problem(
          reason,
          field
              + ".key must be a "
              + ref.effectiveKind()
              + " key (letters, digits, '-', '_', '.'), got '"
              + ref.getKey()
              + "'");
    }
    return Optional.empty();
  }

  /**
   * Unset is fine (replicas as given); set, it needs a maximum at or above the minimum, and a CPU
   * request on the pods, since the autoscaler measures CPU in percent of it.
   */
  private static Optional<SpecProblem> autoscalingProblem(ProxyConfigSpec spec) {
    AutoscalingSpec autoscaling = spec.getAutoscaling();
    if (autoscaling == null) {
      return Optional.empty();
    }
    if (autoscaling.getMaxReplicas() == null
        || autoscaling.getMinReplicas() == null
        || autoscaling.getTargetCPUUtilizationPercentage() == null) {
      return problem(
          "InvalidAutoscaling",
          "spec.autoscaling needs maxReplicas (minReplicas and targetCPUUtilizationPercentage"
              + " default to 1 and 80)");
    }
    if (autoscaling.getMinReplicas() < 1
        || autoscaling.getMinReplicas() > autoscaling.getMaxReplicas()) {
      return problem(
          "InvalidAutoscaling",
          AutoscalingSpec.MIN_ABOVE_MAX_MESSAGE
              + " and be at least 1, got "
              + autoscaling.getMinReplicas()
              + " and "
              + autoscaling.getMaxReplicas());
    }
    int target = autoscaling.getTargetCPUUtilizationPercentage();
    if (target < 1 || target > 100) {
      return problem(
          "InvalidAutoscaling",
          "spec.autoscaling.targetCPUUtilizationPercentage must be 1 to 100, got " + target);
    }
    boolean cpuRequested =
        spec.getResources() == null
            || (spec.getResources().getRequests() != null
                && spec.getResources().getRequests().containsKey("cpu"))
            || (spec.getResources().getLimits() != null
                && spec.getResources().getLimits().containsKey("cpu"));
    if (!cpuRequested) {
      return problem(
          "AutoscalingNeedsCpuRequest",
          "spec.autoscaling scales on CPU in percent of the pods' request: set"
              + " resources.requests.cpu");
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> firstMissingNumber(ProxyConfigSpec spec) {
    Object[][] required = {
      {"maxConnections", spec.getMaxConnections()},
      {"maxKeepaliveConnections", spec.getMaxKeepaliveConnections()},
      {"keepaliveExpirySeconds", spec.getKeepaliveExpirySeconds()},
      {"connectTimeoutSeconds", spec.getConnectTimeoutSeconds()},
      {"readTimeoutSeconds", spec.getReadTimeoutSeconds()},
      {"writeTimeoutSeconds", spec.getWriteTimeoutSeconds()},
      {"poolTimeoutSeconds", spec.getPoolTimeoutSeconds()},
      {"maxUpgradedConnections", spec.getMaxUpgradedConnections()},
      {"upgradeIdleTimeoutSeconds", spec.getUpgradeIdleTimeoutSeconds()},
      {"http2MaxConcurrentStreams", spec.getHttp2MaxConcurrentStreams()},
      {"clientHeaderTimeoutSeconds", spec.getClientHeaderTimeoutSeconds()},
      {"clientBodyTimeoutSeconds", spec.getClientBodyTimeoutSeconds()},
      {"sendTimeoutSeconds", spec.getSendTimeoutSeconds()},
      {"clientKeepaliveTimeoutSeconds", spec.getClientKeepaliveTimeoutSeconds()},
      {"memoryCheckIntervalSeconds", spec.getMemoryCheckIntervalSeconds()},
      {"maxMemoryUsageMb", spec.getMaxMemoryUsageMb()},
      {"cleanupThresholdMb", spec.getCleanupThresholdMb()},
      {"maxHeapPercent", spec.getMaxHeapPercent()},
      {"shutdownDelaySeconds", spec.getShutdownDelaySeconds()},
      {"shutdownGracePeriodSeconds", spec.getShutdownGracePeriodSeconds()},
    };
    for (Object[] field : required) {
      if (field[1] == null) {
        return problem("MissingField", "spec." + field[0] + " must not be null");
      }
      if ((Integer) field[1] < 0) {
        return problem("NegativeValue", "spec." + field[0] + " must not be negative");
      }
    }
    return Optional.empty();
  }

  private static Optional<SpecProblem> problem(String reason, String message) {
    return Optional.of(new SpecProblem(reason, message));
  }
}
