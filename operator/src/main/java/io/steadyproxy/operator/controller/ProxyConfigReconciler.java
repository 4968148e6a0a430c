package io.steadyproxy.operator.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.ProxyConfigStatus;
import io.steadyproxy.operator.crd.SecretKeyRef;
import io.steadyproxy.operator.crd.TlsSpec;
import io.steadyproxy.operator.reconcile.DesiredConfigMap;
import io.steadyproxy.operator.reconcile.DesiredDeployment;
import io.steadyproxy.operator.reconcile.DesiredHorizontalPodAutoscaler;
import io.steadyproxy.operator.reconcile.DesiredPodDisruptionBudget;
import io.steadyproxy.operator.reconcile.DesiredService;
import io.steadyproxy.operator.reconcile.DesiredStatus;
import io.steadyproxy.operator.reconcile.OwnedFields;
import io.steadyproxy.operator.reconcile.ProxyConfigFile;
import io.steadyproxy.operator.reconcile.SpecProblem;
import io.steadyproxy.operator.reconcile.SpecValidator;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One reconcile of one ProxyConfig: validate, apply the owned objects, then write the status the
 * Deployment's real state implies. Idempotent: with nothing changed, it reads caches and writes
 * nothing.
 */
public final class ProxyConfigReconciler {

  private static final Logger LOG = Logger.getLogger(ProxyConfigReconciler.class.getName());

  /** How a reconcile ended, the label of the reconcile counter. */
  public enum Result {
    /** Objects and status match the spec. */
    SUCCESS,
    /** The spec can't be applied; status says why. Not retried until the spec changes. */
    INVALID,
    /** The ProxyConfig is gone or going; its owned objects go with it by garbage collection. */
    GONE,
    /** The API server refused or failed; retried with backoff. */
    ERROR
  }

  private final KubernetesClient client;
  private final ObjectApplier applier;
  private final InformerSet<ProxyConfig> proxyConfigs;
  private final InformerSet<ConfigMap> configMaps;
  private final InformerSet<Deployment> deployments;
  private final InformerSet<Service> services;
  private final InformerSet<HorizontalPodAutoscaler> autoscalers;
  private final InformerSet<PodDisruptionBudget> budgets;
  private final Clock clock;
  private final ProxyConfigEvents events;
  private final String defaultProxyImage;

  /**
   * @param defaultProxyImage the proxy image of ProxyConfigs that leave {@code spec.image} unset
   *     (the operator's {@code --proxy-image})
   */
  public ProxyConfigReconciler(
      KubernetesClient client,
      InformerSet<ProxyConfig> proxyConfigs,
      InformerSet<ConfigMap> configMaps,
      InformerSet<Deployment> deployments,
      InformerSet<Service> services,
      InformerSet<HorizontalPodAutoscaler> autoscalers,
      InformerSet<PodDisruptionBudget> budgets,
      Clock clock,
      ProxyConfigEvents events,
      String defaultProxyImage) {
    this.client = client;
    this.defaultProxyImage = Objects.requireNonNull(defaultProxyImage, "defaultProxyImage");
    this.events = events;
    this.applier = new ObjectApplier(client);
    this.proxyConfigs = proxyConfigs;
    this.configMaps = configMaps;
    this.deployments = deployments;
    this.services = services;
    this.autoscalers = autoscalers;
    this.budgets = budgets;
    this.clock = clock;
  }

  /**
   * Reconciles the ProxyConfig {@code namespace/name}. Returns {@link Result#ERROR} instead of
   * throwing when the API server fails, so the caller can retry.
   */
  public Result reconcile(String namespace, String name) {
    ProxyConfig proxy = proxyConfigs.get(namespace, name);
    if (proxy == null || proxy.getMetadata().getDeletionTimestamp() != null) {
      return Result.GONE;
    }
    try {
      Optional<SpecProblem> problem = SpecValidator.check(proxy);
      if (problem.isPresent()) {
        // Leave the running proxy as it is: a bad edit must not take down a working one.
        LOG.info(
            () ->
                "ProxyConfig "
                    + namespace
                    + "/"
                    + name
                    + " is invalid: "
                    + problem.get().message());
        writeStatus(proxy, fresh -> DesiredStatus.invalid(fresh, problem.get(), clock.instant()));
        return Result.INVALID;
      }
      applier.apply(
          DesiredConfigMap.desired(proxy),
          configMaps.get(namespace, DesiredConfigMap.name(proxy)),
          OwnedFields::drifted,
          OwnedFields::corrected);
      applier.apply(
          DesiredService.desired(proxy),
          services.get(namespace, DesiredService.name(proxy)),
          OwnedFields::drifted,
          OwnedFields::corrected);
      Deployment deployment =
          applier
              .apply(
                  DesiredDeployment.desired(
                      proxy, DesiredDeployment.image(proxy.getSpec(), defaultProxyImage)),
                  deployments.get(namespace, DesiredDeployment.name(proxy)),
                  OwnedFields::drifted,
                  OwnedFields::corrected)
              .object();
      applyAutoscaler(proxy);
      applyDisruptionBudget(proxy);
      String checksum = ProxyConfigFile.checksum(ProxyConfigFile.render(proxy.getSpec()));
      Optional<SpecProblem> referenceProblem =
          adminTokenSecretProblem(proxy)
              .or(() -> upstreamCaProblem(proxy))
              .or(() -> tlsSecretProblem(proxy))
              .or(() -> tlsClientCaProblem(proxy));
      writeStatus(
          proxy,
          fresh ->
              DesiredStatus.fromDeployment(
                  fresh, deployment, checksum, referenceProblem, clock.instant()));
      return Result.SUCCESS;
    } catch (ApplyFailure e) {
      // Not ours, or refused by the API server: say so where the user looks, then retry with
      // backoff (the conflicting object may be deleted, the webhook fixed, the quota raised).
      LOG.warning(() -> "reconcile of " + namespace + "/" + name + ": " + e.getMessage());
      try {
        writeStatus(
            proxy,
            fresh ->
                DesiredStatus.notApplied(
                    fresh, new SpecProblem(e.reason(), e.getMessage()), clock.instant()));
      } catch (KubernetesClientException statusFailed) {
        LOG.warning(
            () ->
                "could not report "
                    + e.reason()
                    + " on "
                    + namespace
                    + "/"
                    + name
                    + ": "
                    + statusFailed.getMessage());
      }
      return Result.ERROR;
    } catch (KubernetesClientException e) {
      LOG.warning(
          () ->
              "reconcile of " + namespace + "/" + name + " failed, will retry: " + e.getMessage());
      return Result.ERROR;
    } catch (RuntimeException e) {
      // A bug or an unexpected object must not kill the worker; retry with backoff and say so.
      LOG.log(Level.SEVERE, "reconcile of " + namespace + "/" + name + " failed", e);
      return Result.ERROR;
    }
  }

  /**
   * Creates or corrects the autoscaler {@code spec.autoscaling} asks for, after the Deployment it
   * scales; without one, deletes ours (only ours: one we do not control is left alone).
   */
  private void applyAutoscaler(ProxyConfig proxy) {
    String namespace = proxy.getMetadata().getNamespace();
    HorizontalPodAutoscaler cached =
        autoscalers.get(namespace, DesiredHorizontalPodAutoscaler.name(proxy));
    Optional<HorizontalPodAutoscaler> desired = DesiredHorizontalPodAutoscaler.desired(proxy);
    if (desired.isPresent()) {
      applier.apply(desired.get(), cached, OwnedFields::drifted, OwnedFields::corrected);
    } else if (cached != null
        && cached.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                ref ->
                    Boolean.TRUE.equals(ref.getController())
                        && Objects.equals(ref.getUid(), proxy.getMetadata().getUid()))) {
      applier.delete(cached);
    }
  }

  /**
   * Creates or corrects the PodDisruptionBudget when the ProxyConfig wants one, and deletes ours
   * when it no longer does (scaled to one replica). A same-named budget this ProxyConfig doesn't
   * control (a user's, with or without our label, or one left by a deleted ProxyConfig of the same
   * name) is never adopted, changed or deleted, and unlike the other owned objects it is no
   * OwnershipConflict: a budget only limits evictions, the proxy serves all the same, and the
   * watchdog reports every eviction it blocks (RestartBlocked).
   */
  private void applyDisruptionBudget(ProxyConfig proxy) {
    String namespace = proxy.getMetadata().getNamespace();
    String uid = proxy.getMetadata().getUid();
    PodDisruptionBudget cached = budgets.get(namespace, DesiredPodDisruptionBudget.name(proxy));
    if (cached != null && !DesiredPodDisruptionBudget.controlledBy(cached, uid)) {
      leaveForeignBudget(cached);
      return;
    }
    Optional<PodDisruptionBudget> desired = DesiredPodDisruptionBudget.desired(proxy);
    if (desired.isPresent()) {
      try {
        applier.apply(
            desired.get(),
            cached,
            DesiredPodDisruptionBudget::drifted,
            DesiredPodDisruptionBudget::corrected);
      } catch (ApplyFailure e) {
        if (!ApplyFailure.OWNERSHIP_CONFLICT.equals(e.reason())) {
          throw e;
        }
        // Not in our cache (no managed-by label), found by the create's 409.
        leaveForeignBudget(desired.get());
      }
    } else if (cached != null) {
      applier.delete(cached);
    }
  }

  private static void leaveForeignBudget(PodDisruptionBudget budget) {
    LOG.info(
        () ->
            "PodDisruptionBudget "
                + budget.getMetadata().getNamespace()
                + "/"
                + budget.getMetadata().getName()
                + " exists and is not this ProxyConfig's; leaving it alone");
  }

  /**
   * Events for the transitions a person wants in {@code kubectl describe pxc}: the spec became
   * unusable, or a new config started rolling out.
   */
  private void announce(ProxyConfig proxy, ProxyConfigStatus before, ProxyConfigStatus after) {
    Optional<Condition> wasDegraded =
        before == null ? Optional.empty() : before.condition(ProxyConfigStatus.DEGRADED);
    Optional<Condition> degraded = after.condition(ProxyConfigStatus.DEGRADED);
    boolean newlyDegraded =
        degraded.filter(c -> "True".equals(c.getStatus())).isPresent()
            && !wasDegraded
                .map(
                    c ->
                        "True".equals(c.getStatus())
                            && Objects.equals(c.getReason(), degraded.get().getReason()))
                .orElse(false);
    if (newlyDegraded) {
      events.record(
          proxy,
          ProxyConfigEvents.WARNING,
          degraded.get().getReason(),
          degraded.get().getMessage());
    }
    String oldChecksum = before == null ? null : before.getConfigChecksum();
    if (oldChecksum != null
        && after.getConfigChecksum() != null
        && !oldChecksum.equals(after.getConfigChecksum())) {
      events.record(
          proxy,
          ProxyConfigEvents.NORMAL,
          "ConfigChanged",
          "proxy_config.json changed (sha256 "
              + after.getConfigChecksum().substring(0, 12)
              + "…); rolling the pods");
    }
  }

  /**
   * The pods can't start while the admin token Secret or its key is missing (the kubelet reports
   * CreateContainerConfigError); say so on the ProxyConfig, where the user looks. The objects are
   * applied anyway, so the pods start as soon as the Secret appears.
   */
  private Optional<SpecProblem> adminTokenSecretProblem(ProxyConfig proxy) {
    SecretKeyRef ref = proxy.getSpec().getAdminTokenSecretRef();
    if (ref == null) {
      return Optional.empty();
    }
    Secret secret =
        client
            .secrets()
            .inNamespace(proxy.getMetadata().getNamespace())
            .withName(ref.getName())
            .get();
    String key = ref.getKey() == null ? "token" : ref.getKey();
    if (secret == null) {
      return Optional.of(
          new SpecProblem(
              "AdminTokenSecretMissing",
              "Secret "
                  + ref.getName()
                  + " named by adminTokenSecretRef does not exist; the pods can't start without it"));
    }
    boolean hasKey =
        (secret.getData() != null && secret.getData().containsKey(key))
            || (secret.getStringData() != null && secret.getStringData().containsKey(key));
    if (!hasKey) {
      return Optional.of(
          new SpecProblem(
              "AdminTokenSecretMissing",
              "Secret "
                  + ref.getName()
                  + " has no key "
                  + key
                  + " (adminTokenSecretRef); the pods can't start without it"));
    }
    return Optional.empty();
  }

  /**
   * The same for the CA bundle of {@code spec.upstreamCaRef}: without the ConfigMap or Secret, or
   * without its key, the kubelet can't set up the pods' volume and they stay in ContainerCreating.
   * Read by name with the rights the operator already has (ConfigMaps: {@code get}; Secrets: {@code
   * get}, as for the admin token); never listed or watched, so the condition clears at the next
   * reconcile after the object appears (the Deployment's status changes, or the resync).
   */
  private Optional<SpecProblem> upstreamCaProblem(ProxyConfig proxy) {
    return caBundleProblem(
        proxy, proxy.getSpec().getUpstreamCaRef(), "UpstreamCaMissing", "upstreamCaRef");
  }

  /**
   * The same for the client CA bundle of {@code spec.tls.clientCaRef}: the pods can't start without
   * it, and a proxy that did would have no CAs to check client certificates against.
   */
  private Optional<SpecProblem> tlsClientCaProblem(ProxyConfig proxy) {
    TlsSpec tls = proxy.getSpec().getTls();
    return caBundleProblem(
        proxy, tls == null ? null : tls.getClientCaRef(), "TlsClientCaMissing", "tls.clientCaRef");
  }

  /** A missing ConfigMap or Secret named by {@code ref}, or a missing key in it, as a problem. */
  private Optional<SpecProblem> caBundleProblem(
      ProxyConfig proxy, CaBundleRef ref, String reason, String field) {
    if (ref == null) {
      return Optional.empty();
    }
    String namespace = proxy.getMetadata().getNamespace();
    String kind = ref.effectiveKind();
    String key = ref.effectiveKey();
    boolean exists;
    boolean hasKey;
    if (CaBundleRef.SECRET.equals(kind)) {
      Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
      exists = secret != null;
      hasKey =
          exists
              && ((secret.getData() != null && secret.getData().containsKey(key))
                  || (secret.getStringData() != null && secret.getStringData().containsKey(key)));
    } else {
      ConfigMap configMap =
          client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
      exists = configMap != null;
      hasKey =
          exists
              && ((configMap.getData() != null && configMap.getData().containsKey(key))
                  || (configMap.getBinaryData() != null
                      && configMap.getBinaryData().containsKey(key)));
    }
    if (!exists) {
      return Optional.of(
          new SpecProblem(
              reason,
              kind
                  + " "
                  + ref.getName()
                  + " named by "
                  + field
                  + " does not exist; the pods can't start without it"));
    }
    if (!hasKey) {
      return Optional.of(
          new SpecProblem(
              reason,
              kind
                  + " "
                  + ref.getName()
                  + " has no key "
                  + key
                  + " ("
                  + field
                  + "); the pods can't start without it"));
    }
    return Optional.empty();
  }

  /**
   * The same for the {@code spec.tls} Secret: without it, or without {@code tls.crt} and {@code
   * tls.key}, the pods stay in ContainerCreating. Read by name, as the admin token's Secret is.
   */
  private Optional<SpecProblem> tlsSecretProblem(ProxyConfig proxy) {
    TlsSpec tls = proxy.getSpec().getTls();
    if (tls == null) {
      return Optional.empty();
    }
    Secret secret =
        client
            .secrets()
            .inNamespace(proxy.getMetadata().getNamespace())
            .withName(tls.getSecretName())
            .get();
    if (secret == null) {
      return Optional.of(
          new SpecProblem(
              "TlsSecretMissing",
              "Secret "
                  + tls.getSecretName()
                  + " named by tls.secretName does not exist; the pods can't start without it"));
    }
    for (String key : List.of(TlsSpec.CERT_KEY, TlsSpec.KEY_KEY)) {
      boolean has =
          (secret.getData() != null && secret.getData().containsKey(key))
              || (secret.getStringData() != null && secret.getStringData().containsKey(key));
      if (!has) {
        return Optional.of(
            new SpecProblem(
                "TlsSecretMissing",
                "Secret "
                    + tls.getSecretName()
                    + " has no key "
                    + key
                    + " (tls.secretName); the pods can't start without it"));
      }
    }
    return Optional.empty();
  }

  /**
   * Writes the status computed from the ProxyConfig, through the status subresource, with the
   * resourceVersion it was read at. On a 409 (the user or the watchdog wrote meanwhile) it reads
   * the ProxyConfig again and recomputes; nothing is written when the status says the same, nor
   * when the spec changed meanwhile.
   */
  private void writeStatus(ProxyConfig cached, Function<ProxyConfig, ProxyConfigStatus> compute) {
    ProxyConfig proxy = cached;
    KubernetesClientException last = null;
    for (int attempt = 1; attempt <= ObjectApplier.MAX_ATTEMPTS; attempt++) {
      ProxyConfigStatus next = compute.apply(proxy);
      if (DesiredStatus.same(proxy.getStatus(), next)) {
        return;
      }
      ProxyConfig copy = Serialization.clone(proxy);
      copy.setStatus(next);
      try {
        client.resource(copy).updateStatus();
        announce(proxy, proxy.getStatus(), next);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return; // deleted while we reconciled: nothing left to report on
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        last = e;
        proxy = client.resource(cached).get();
        boolean specChanged =
            proxy != null
                && !Objects.equals(
                    proxy.getMetadata().getGeneration(), cached.getMetadata().getGeneration());
        if (proxy == null || specChanged) {
          // Gone, or the spec changed: this status describes an old spec. The change's own
          // event brings a fresh reconcile.
          return;
        }
      }
    }
    throw last;
  }
}
