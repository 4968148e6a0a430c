package io.steadyproxy.operator.reconcile;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.crd.TlsSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Deployment running the proxy pods.
 *
 * <p>The pod template carries {@link #CONFIG_CHECKSUM_ANNOTATION}, the sha256 of the rendered
 * config file: a config change changes the template, so the Deployment rolls the pods; nothing else
 * in the ProxyConfig's metadata leaks into the template, so unrelated edits never roll.
 *
 * <p>The container image is the other input that rolls the pods, through the template's {@code
 * image} itself rather than the checksum (the config file doesn't change): {@link #image} picks
 * {@code spec.image} when set, else the operator's default. A new {@code spec.image} rolls that one
 * Deployment; a new operator default ({@code --proxy-image}, e.g. after an operator upgrade) rolls
 * exactly the Deployments whose ProxyConfig leaves {@code spec.image} unset.
 *
 * <p>Rollouts drop no request without a preStop hook: on SIGTERM the proxy itself keeps serving for
 * {@code shutdown_delay} ({@code spec.shutdownDelaySeconds}) with readiness down, while the
 * endpoints controller, kube-proxy and load balancers stop sending it traffic, then closes its
 * listener and lets in-flight requests finish; {@link #terminationGracePeriodSeconds} leaves room
 * for all of it. The surge-first strategy keeps the ready capacity during the roll.
 *
 * <p>{@code spec.upstreamCaRef} adds a read-only volume with only that key, as {@link
 * ProxyConfigFile#UPSTREAM_CA_PATH}; unset, the pod template is exactly what it was before the
 * field existed. The content of the referenced ConfigMap or Secret is not watched (the operator may
 * only read Secrets by name): a new bundle takes effect when the pods restart.
 */
public final class DesiredDeployment {

  /** Pod-template annotation with the sha256 of {@code proxy_config.json}. */
  public static final String CONFIG_CHECKSUM_ANNOTATION = "steadyproxy.io/config-checksum";

  /**
   * Deployment annotation with the sha256 of the Deployment spec the operator last applied. Drift
   * is judged by name and ignores what others added (see {@link JsonSubset}); this is what notices
   * what we stopped asking for (an env var, a volume, a toleration removed from the spec): the
   * desired hash differs, so the Deployment is corrected.
   */
  public static final String SPEC_HASH_ANNOTATION = "steadyproxy.io/spec-hash";

  /** The proxy container's name. */
  public static final String CONTAINER = "proxy";

  /** The volume with the {@code spec.upstreamCaRef} bundle. */
  public static final String UPSTREAM_CA_VOLUME = "upstream-ca";

  /** The volume with the {@code spec.tls} Secret's certificate and key. */
  public static final String TLS_VOLUME = "tls";

  /** The volume with the {@code spec.tls.clientCaRef} bundle. */
  public static final String TLS_CLIENT_CA_VOLUME = "tls-client-ca";

  /** The volume with the {@code spec.adminTokenSecretRef} key. */
  public static final String ADMIN_TOKEN_VOLUME = "admin-token";

  /** Where the admin token's Secret volume is mounted. */
  public static final String ADMIN_TOKEN_DIR = "/etc/steadyproxy-admin-token";

  /** The token's file name in {@link #ADMIN_TOKEN_DIR}, whatever the Secret key. */
  public static final String ADMIN_TOKEN_FILE_NAME = "token";

  /** The file the proxy reads its admin token from ({@code PROXY_ADMIN_TOKEN_FILE}). */
  public static final String ADMIN_TOKEN_PATH = ADMIN_TOKEN_DIR + "/" + ADMIN_TOKEN_FILE_NAME;

  /** Path of the liveness probe on the admin port. */
  public static final String LIVENESS_PATH = "/observe/health/live";

  /** Path of the readiness probe on the admin port. */
  public static final String READINESS_PATH = "/observe/health/ready";

  /** Seconds after the proxy's shutdown delay and grace period for the JVM to exit. */
  public static final long STOP_MARGIN_SECONDS = 5;

  /** A fixed unprivileged uid/gid, so {@code runAsNonRoot} holds whatever user the image names. */
  static final long RUN_AS_USER = 65532L;

  private DesiredDeployment() {}

  /** The Deployment's name: the ProxyConfig's name. */
  public static String name(ProxyConfig owner) {
    return owner.getMetadata().getName();
  }

  /**
   * The image the proxy runs: {@code spec.image} when the ProxyConfig sets it, else the operator's
   * default.
   *
   * @param spec the ProxyConfig's spec
   * @param operatorDefault the operator's {@code --proxy-image}
   */
  public static String image(ProxyConfigSpec spec, String operatorDefault) {
    return spec.getImage() != null ? spec.getImage() : Objects.requireNonNull(operatorDefault);
  }

  /**
   * The Deployment as it should be. Pure: no I/O, same input, same output. {@code spec.replicas} is
   * left out when the ProxyConfig leaves it unset, so an HPA can own it.
   *
   * @param owner the ProxyConfig
   * @param image the proxy image, as {@link #image} chooses it
   */
  public static Deployment desired(ProxyConfig owner, String image) {
    Objects.requireNonNull(image, "image");
    ProxyConfigSpec spec = owner.getSpec();
    String checksum = ProxyConfigFile.checksum(ProxyConfigFile.render(spec));
    // The user's pod labels and annotations first, ours over them: the selector labels (which
    // SpecValidator keeps out of podLabels anyway) and the checksum always hold.
    Map<String, String> podLabels = new LinkedHashMap<>(nullToEmpty(spec.getPodLabels()));
    podLabels.putAll(Ownership.labels(owner));
    Map<String, String> podAnnotations = new LinkedHashMap<>(nullToEmpty(spec.getPodAnnotations()));
    podAnnotations.put(CONFIG_CHECKSUM_ANNOTATION, checksum);
    Deployment deployment =
        new DeploymentBuilder()
            .withMetadata(Ownership.metadata(owner, name(owner)))
            .withNewSpec()
            // Under spec.autoscaling the HPA owns the replicas: never written, never compared.
            .withReplicas(spec.getAutoscaling() == null ? spec.getReplicas() : null)
            .withNewSelector()
            .withMatchLabels(Ownership.selector(owner))
            .endSelector()
            .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            // Surge first, so a config roll never lowers the ready capacity.
            .withMaxSurge(new IntOrString(1))
            .withMaxUnavailable(new IntOrString(0))
            .endRollingUpdate()
            .endStrategy()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(podLabels)
            .withAnnotations(podAnnotations)
            .endMetadata()
            .withNewSpec()
            // The proxy never talks to the Kubernetes API.
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withTerminationGracePeriodSeconds(terminationGracePeriodSeconds(spec))
            .withImagePullSecrets(new ArrayList<>(nullToEmpty(spec.getImagePullSecrets())))
            .withNodeSelector(new LinkedHashMap<>(nullToEmpty(spec.getNodeSelector())))
            .withTolerations(new ArrayList<>(nullToEmpty(spec.getTolerations())))
            .withAffinity(spec.getAffinity())
            .withTopologySpreadConstraints(topologySpreadConstraints(owner))
            .withPriorityClassName(spec.getPriorityClassName())
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(RUN_AS_USER)
            .withRunAsGroup(RUN_AS_USER)
            .withFsGroup(RUN_AS_USER)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withContainers(container(spec, image))
            .addNewVolume()
            .withName("config")
            .withNewConfigMap()
            .withName(DesiredConfigMap.name(owner))
            .endConfigMap()
            .endVolume()
            .addNewVolume()
            // The root filesystem is read-only; the log file and JVM temp files go here.
            .withName("tmp")
            .withNewEmptyDir()
            .withSizeLimit(new Quantity("256Mi"))
            .endEmptyDir()
            .endVolume()
            .addAllToVolumes(upstreamCaVolume(spec))
            .addAllToVolumes(tlsVolume(spec))
            .addAllToVolumes(tlsClientCaVolume(spec))
            .addAllToVolumes(adminTokenVolume(spec))
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    deployment
        .getMetadata()
        .setAnnotations(
            new LinkedHashMap<>(
                Map.of(
                    SPEC_HASH_ANNOTATION,
                    ProxyConfigFile.checksum(SERIALIZATION.asJson(deployment.getSpec())))));
    return deployment;
  }

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * How long the kubelet waits after SIGTERM before it kills the proxy: the proxy's {@code
   * shutdown_delay} (serving with readiness down while endpoints and load balancers catch up), then
   * its {@code shutdown_grace_period} (in-flight requests finish), then {@link
   * #STOP_MARGIN_SECONDS} for the JVM to close its pools and exit.
   */
  public static long terminationGracePeriodSeconds(ProxyConfigSpec spec) {
    return (long) spec.getShutdownDelaySeconds()
        + spec.getShutdownGracePeriodSeconds()
        + STOP_MARGIN_SECONDS;
  }

  /**
   * The spec's constraints, each without a {@code labelSelector} given this ProxyConfig's pod
   * selector: a constraint that selects nothing would spread nothing.
   */
  private static List<TopologySpreadConstraint> topologySpreadConstraints(ProxyConfig owner) {
    List<TopologySpreadConstraint> result = new ArrayList<>();
    for (TopologySpreadConstraint constraint :
        nullToEmpty(owner.getSpec().getTopologySpreadConstraints())) {
      TopologySpreadConstraintBuilder copy = new TopologySpreadConstraintBuilder(constraint);
      if (constraint.getLabelSelector() == null) {
        copy.withNewLabelSelector().withMatchLabels(Ownership.selector(owner)).endLabelSelector();
      }
      result.add(copy.build());
    }
    return result;
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Map<String, String> nullToEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }

  private static Container container(ProxyConfigSpec spec, String image) {
    MemoryBudget budget = MemoryBudget.of(spec);
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withArgs("--config", ProxyConfigFile.PATH)
        .addNewPort()
        .withName("http")
        .withContainerPort(ProxyConfigFile.HTTP_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName("admin")
        .withContainerPort(ProxyConfigFile.ADMIN_PORT)
        .withProtocol("TCP")
        .endPort()
        .withEnv(env(spec, budget))
        .withResources(resources(spec, budget))
        .withLivenessProbe(probe(LIVENESS_PATH, 10, 3))
        .withReadinessProbe(probe(READINESS_PATH, 5, 2))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withPrivileged(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewVolumeMount()
        .withName("config")
        .withMountPath(ProxyConfigFile.MOUNT_DIR)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .addAllToVolumeMounts(upstreamCaMount(spec))
        .addAllToVolumeMounts(tlsMount(spec))
        .addAllToVolumeMounts(tlsClientCaMount(spec))
        .addAllToVolumeMounts(adminTokenMount(spec))
        .build();
  }

  /**
   * The {@code spec.upstreamCaRef} bundle: only its key, projected as {@link
   * ProxyConfigFile#UPSTREAM_CA_FILE_NAME}, from a ConfigMap or a Secret. Not optional: a missing
   * object or key keeps the pods from starting (the kubelet says why; the reconciler reports it as
   * {@code UpstreamCaMissing}) rather than running without the CAs the upstreams need.
   */
  private static List<Volume> upstreamCaVolume(ProxyConfigSpec spec) {
    CaBundleRef ref = spec.getUpstreamCaRef();
    if (ref == null) {
      return List.of();
    }
    return List.of(caBundleVolume(UPSTREAM_CA_VOLUME, ref, ProxyConfigFile.UPSTREAM_CA_FILE_NAME));
  }

  /**
   * The {@code spec.tls.clientCaRef} bundle, as {@link ProxyConfigFile#TLS_CLIENT_CA_PATH}. Not
   * optional either: without it the proxy would not start (its {@code tls_client_ca_file} names a
   * file that isn't there), and the reconciler reports {@code TlsClientCaMissing}.
   */
  private static List<Volume> tlsClientCaVolume(ProxyConfigSpec spec) {
    CaBundleRef ref = spec.getTls() == null ? null : spec.getTls().getClientCaRef();
    if (ref == null) {
      return List.of();
    }
    return List.of(
        caBundleVolume(TLS_CLIENT_CA_VOLUME, ref, ProxyConfigFile.TLS_CLIENT_CA_FILE_NAME));
  }

  private static List<VolumeMount> tlsClientCaMount(ProxyConfigSpec spec) {
    if (spec.getTls() == null || spec.getTls().getClientCaRef() == null) {
      return List.of();
    }
    // The directory, never subPath: the proxy reloads a changed bundle with the certificate, and
    // the kubelet updates only whole-volume mounts.
    return List.of(
        new VolumeMountBuilder()
            .withName(TLS_CLIENT_CA_VOLUME)
            .withMountPath(ProxyConfigFile.TLS_CLIENT_CA_DIR)
            .withReadOnly(true)
            .build());
  }

  /** One key of a ConfigMap or Secret, projected as {@code fileName}; never optional. */
  private static Volume caBundleVolume(String volumeName, CaBundleRef ref, String fileName) {
    VolumeBuilder volume = new VolumeBuilder().withName(volumeName);
    if (CaBundleRef.SECRET.equals(ref.effectiveKind())) {
      volume
          .withNewSecret()
          .withSecretName(ref.getName())
          .addNewItem()
          .withKey(ref.effectiveKey())
          .withPath(fileName)
          .endItem()
          .withOptional(false)
          .endSecret();
    } else {
      volume
          .withNewConfigMap()
          .withName(ref.getName())
          .addNewItem()
          .withKey(ref.effectiveKey())
          .withPath(fileName)
          .endItem()
          .withOptional(false)
          .endConfigMap();
    }
    return volume.build();
  }

  /**
   * The {@code spec.tls} Secret's {@code tls.crt} and {@code tls.key}, readable by the proxy's
   * group only (fsGroup). Not optional: a missing Secret keeps the pods from starting (the
   * reconciler reports it as {@code TlsSecretMissing}) rather than serving plain HTTP where TLS was
   * asked for.
   */
  private static List<Volume> tlsVolume(ProxyConfigSpec spec) {
    if (spec.getTls() == null) {
      return List.of();
    }
    return List.of(
        new VolumeBuilder()
            .withName(TLS_VOLUME)
            .withNewSecret()
            .withSecretName(spec.getTls().getSecretName())
            .addNewItem()
            .withKey(TlsSpec.CERT_KEY)
            .withPath(TlsSpec.CERT_KEY)
            .endItem()
            .addNewItem()
            .withKey(TlsSpec.KEY_KEY)
            .withPath(TlsSpec.KEY_KEY)
            .endItem()
            .withDefaultMode(0440)
            .withOptional(false)
            .endSecret()
            .build());
  }

  private static List<VolumeMount> tlsMount(ProxyConfigSpec spec) {
    if (spec.getTls() == null) {
      return List.of();
    }
    // the directory, never subPath: a renewed certificate must reach the running pods
    return List.of(
        new VolumeMountBuilder()
            .withName(TLS_VOLUME)
            .withMountPath(ProxyConfigFile.TLS_DIR)
            .withReadOnly(true)
            .build());
  }

  /**
   * The {@code spec.adminTokenSecretRef} key, projected as {@link #ADMIN_TOKEN_PATH}. Not optional,
   * as the env var it replaces: a missing Secret keeps the pods from starting rather than running
   * with admin routes closed to the watchdog. Readable by the proxy's group only (fsGroup).
   */
  private static List<Volume> adminTokenVolume(ProxyConfigSpec spec) {
    SecretKeyRef token = spec.getAdminTokenSecretRef();
    if (token == null) {
      return List.of();
    }
    return List.of(
        new VolumeBuilder()
            .withName(ADMIN_TOKEN_VOLUME)
            .withNewSecret()
            .withSecretName(token.getName())
            .addNewItem()
            .withKey(token.getKey() == null ? "token" : token.getKey())
            .withPath(ADMIN_TOKEN_FILE_NAME)
            .endItem()
            .withDefaultMode(0440)
            .withOptional(false)
            .endSecret()
            .build());
  }

  private static List<VolumeMount> adminTokenMount(ProxyConfigSpec spec) {
    if (spec.getAdminTokenSecretRef() == null) {
      return List.of();
    }
    // The directory, never a subPath mount: the kubelet doesn't update subPath mounts.
    return List.of(
        new VolumeMountBuilder()
            .withName(ADMIN_TOKEN_VOLUME)
            .withMountPath(ADMIN_TOKEN_DIR)
            .withReadOnly(true)
            .build());
  }

  private static List<VolumeMount> upstreamCaMount(ProxyConfigSpec spec) {
    if (spec.getUpstreamCaRef() == null) {
      return List.of();
    }
    return List.of(
        new VolumeMountBuilder()
            .withName(UPSTREAM_CA_VOLUME)
            .withMountPath(ProxyConfigFile.UPSTREAM_CA_DIR)
            .withReadOnly(true)
            .build());
  }

  private static List<EnvVar> env(ProxyConfigSpec spec, MemoryBudget budget) {
    List<EnvVar> env = new ArrayList<>();
    env.add(
        new EnvVarBuilder()
            .withName("JAVA_TOOL_OPTIONS")
            .withValue(budget.javaToolOptions())
            .build());
    if (spec.getAdminTokenSecretRef() != null) {
      // A file, not an env var: the proxy reads it again at each admin request, so a rotated
      // Secret reaches running pods (the kubelet refreshes the volume) while the operator, which
      // reads the Secret itself, already sends the new token.
      env.add(
          new EnvVarBuilder()
              .withName("PROXY_ADMIN_TOKEN_FILE")
              .withValue(ADMIN_TOKEN_PATH)
              .build());
    }
    return env;
  }

  /**
   * The user's resources, with a memory limit filled in when they gave none: the limit is what
   * makes the thresholds meaningful (see {@link MemoryBudget}).
   */
  private static ResourceRequirements resources(ProxyConfigSpec spec, MemoryBudget budget) {
    ResourceRequirementsBuilder resources =
        spec.getResources() == null
            ? new ResourceRequirementsBuilder()
            : new ResourceRequirementsBuilder(spec.getResources());
    if (!budget.limitFromSpec()) {
      resources.addToLimits("memory", budget.limitQuantity());
      if (spec.getResources() == null
          || spec.getResources().getRequests() == null
          || !spec.getResources().getRequests().containsKey("memory")) {
        resources.addToRequests("memory", budget.limitQuantity());
      }
      if (spec.getResources() == null) {
        resources.addToRequests("cpu", new Quantity("100m"));
      }
    }
    return resources.build();
  }

  private static Probe probe(String path, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString("admin"))
        .withScheme("HTTP")
        .endHttpGet()
        .withInitialDelaySeconds(5)
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(2)
        .withSuccessThreshold(1)
        .withFailureThreshold(failureThreshold)
        .build();
  }
}
