package io.steadyproxy.operator.controller;

import static io.steadyproxy.operator.Eventually.await;
import static io.steadyproxy.operator.Eventually.awaitValue;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.CaBundleRef;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.TlsSpec;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import io.steadyproxy.operator.reconcile.DesiredConfigMap;
import io.steadyproxy.operator.reconcile.DesiredDeployment;
import io.steadyproxy.operator.reconcile.DesiredService;
import io.steadyproxy.operator.reconcile.ProxyConfigFile;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The informer → queue → reconcile → status loop against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true, https = false)
class ProxyConfigControllerTest {

  private static final String NS = "shop";

  KubernetesMockServer server;
  KubernetesClient client;

  private final OperatorMetrics metrics = new OperatorMetrics();
  private ProxyConfigController controller;

  @BeforeEach
  void startController() {
    MockCluster.installCrd(client);
    controller =
        new ProxyConfigController(
            client,
            List.of(),
            2,
            Duration.ZERO,
            metrics,
            Clock.systemUTC(),
            "test",
            Samples.PROXY_IMAGE);
    controller.start();
  }

  @AfterEach
  void stopController() {
    controller.close();
  }

  @Test
  void aNewProxyConfigGetsItsConfigMapDeploymentAndService() {
    ProxyConfig proxy = create(Samples.proxy(NS, "edge"));

    ConfigMap configMap = awaitValue("ConfigMap", () -> configMap("edge-config"));
    Deployment deployment = awaitValue("Deployment", () -> deployment("edge"));
    Service service = awaitValue("Service", () -> service("edge"));

    assertThat(
        configMap.getData().get(ProxyConfigFile.FILE_NAME),
        is(ProxyConfigFile.render(proxy.getSpec())));
    assertThat(
        deployment.getSpec().getTemplate(), is(Samples.deployment(proxy).getSpec().getTemplate()));
    assertThat(
        service.getSpec().getPorts(), is(DesiredService.desired(proxy).getSpec().getPorts()));
    for (var owned : List.of(configMap, deployment, service)) {
      assertThat(
          owned.getMetadata().getOwnerReferences().get(0).getUid(),
          is(proxy.getMetadata().getUid()));
      assertThat(
          owned.getMetadata().getLabels(),
          hasEntry("app.kubernetes.io/managed-by", "steadyproxy-operator"));
    }
  }

  @Test
  void statusReportsObservedGenerationAndTheRolloutInProgress() {
    ProxyConfig proxy = create(Samples.proxy(NS, "edge"));
    ProxyConfig observed = awaitValue("status written", () -> withStatus("edge"));
    assertThat(
        observed.getStatus().getObservedGeneration(), is(proxy.getMetadata().getGeneration()));
    assertThat(condition(observed, "Degraded").getStatus(), is("False"));
    assertThat(condition(observed, "Progressing").getStatus(), is("True"));
    assertThat(condition(observed, "Ready").getStatus(), is("False"));
    assertThat(
        observed.getStatus().getConfigChecksum(),
        is(ProxyConfigFile.checksum(ProxyConfigFile.render(proxy.getSpec()))));
  }

  @Test
  void statusFollowsTheDeploymentsRealState() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(2);
    create(proxy);
    Deployment deployment = awaitValue("Deployment", () -> deployment("edge"));

    // Play the Deployment controller: both pods rolled out and ready.
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .withReplicas(2)
            .withUpdatedReplicas(2)
            .withReadyReplicas(2)
            .withAvailableReplicas(2)
            .build());
    client.resource(deployment).updateStatus();

    await("Ready=True", () -> "True".equals(condition(get("edge"), "Ready").getStatus()));
    ProxyConfig ready = get("edge");
    assertThat(ready.getStatus().getReadyReplicas(), is(2));
    assertThat(condition(ready, "Progressing").getStatus(), is("False"));
  }

  @Test
  void aSpecChangeUpdatesTheConfigAndRollsThePods() {
    create(Samples.proxy(NS, "edge"));
    Deployment before = awaitValue("Deployment", () -> deployment("edge"));
    String oldChecksum = checksum(before);
    // ConfigChanged compares with the checksum in the status, so the first status must be there.
    awaitValue("status written", () -> withStatus("edge"));

    ProxyConfig updated = update(() -> get("edge"), p -> p.getSpec().setMaxConnections(42));
    String newChecksum = ProxyConfigFile.checksum(ProxyConfigFile.render(updated.getSpec()));

    await(
        "new checksum on the pod template", () -> newChecksum.equals(checksum(deployment("edge"))));
    assertThat(newChecksum, not(is(oldChecksum)));
    assertThat(
        configMap("edge-config").getData().get(ProxyConfigFile.FILE_NAME),
        is(ProxyConfigFile.render(updated.getSpec())));
    await(
        "a ConfigChanged Event",
        () -> events().stream().anyMatch(e -> "ConfigChanged".equals(e.getReason())));
    await(
        "status observes the new generation",
        () ->
            updated
                .getMetadata()
                .getGeneration()
                .equals(get("edge").getStatus().getObservedGeneration()));
  }

  @Test
  void aDeletedOwnedObjectIsRecreated() {
    create(Samples.proxy(NS, "edge"));
    Deployment first = awaitValue("Deployment", () -> deployment("edge"));
    awaitValue("ConfigMap", () -> configMap("edge-config"));

    client.resource(first).delete();
    client.configMaps().inNamespace(NS).withName("edge-config").delete();

    await(
        "Deployment recreated",
        () ->
            deployment("edge") != null
                && !deployment("edge").getMetadata().getUid().equals(first.getMetadata().getUid()));
    awaitValue("ConfigMap recreated", () -> configMap("edge-config"));
  }

  @Test
  void manualDriftIsRevertedAndForeignFieldsKept() {
    create(Samples.proxy(NS, "edge"));
    awaitValue("Deployment", () -> deployment("edge"));

    update(
        () -> deployment("edge"),
        d -> {
          d.getSpec()
              .getTemplate()
              .getSpec()
              .getContainers()
              .get(0)
              .setImage("someone/else:latest");
          d.getMetadata().getLabels().put("team", "web");
          d.getMetadata()
              .setAnnotations(
                  new java.util.HashMap<>(java.util.Map.of("argocd.argoproj.io/sync-wave", "1")));
        });

    await("image reverted", () -> Samples.PROXY_IMAGE.equals(image("edge")));
    Deployment reverted = deployment("edge");
    assertThat(reverted.getMetadata().getLabels(), hasEntry("team", "web"));
    assertThat(
        reverted.getMetadata().getAnnotations(), hasEntry("argocd.argoproj.io/sync-wave", "1"));
  }

  @Test
  void replicasAreLeftToAnHpaWhenTheSpecLeavesThemUnset() {
    create(Samples.proxy(NS, "edge"));
    Deployment deployment = awaitValue("Deployment", () -> deployment("edge"));
    assertThat(deployment.getSpec().getReplicas(), nullValue());

    update(
        () -> deployment("edge"),
        d -> {
          d.getSpec().setReplicas(5); // the HPA scales up
          d.getSpec()
              .getTemplate()
              .getSpec()
              .getContainers()
              .get(0)
              .setImage("drift:1"); // and someone drifts
        });

    await("drift reverted", () -> Samples.PROXY_IMAGE.equals(image("edge")));
    assertThat(deployment("edge").getSpec().getReplicas(), is(5));
  }

  @Test
  void autoscalingCreatesAnOwnedHpaThatOwnsTheReplicasAndIsDeletedWithTheField() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setReplicas(2);
    proxy.getSpec().setAutoscaling(new io.steadyproxy.operator.crd.AutoscalingSpec(2, 6, 75));
    ProxyConfig created = create(proxy);

    var hpa = awaitValue("HPA", () -> autoscaler("edge"));
    assertThat(hpa.getSpec().getMaxReplicas(), is(6));
    assertThat(
        hpa.getMetadata().getOwnerReferences().get(0).getUid(), is(created.getMetadata().getUid()));
    assertThat(
        awaitValue("Deployment", () -> deployment("edge")).getSpec().getReplicas(), nullValue());

    // The HPA scales the Deployment; a later reconcile (an owned-object event) leaves it so.
    update(() -> deployment("edge"), d -> d.getSpec().setReplicas(5));
    update(() -> get("edge"), p -> p.getSpec().getAutoscaling().setMaxReplicas(8));
    await("HPA corrected", () -> autoscaler("edge").getSpec().getMaxReplicas() == 8);
    assertThat(deployment("edge").getSpec().getReplicas(), is(5));

    update(() -> get("edge"), p -> p.getSpec().setAutoscaling(null));
    await("HPA deleted", () -> autoscaler("edge") == null);
    await("spec.replicas owned again", () -> Integer.valueOf(2).equals(replicas("edge")));
  }

  @Test
  void anHpaOfTheSameNameThatIsNotOursIsNeverDeleted() {
    client
        .resource(
            new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder()
                .withNewMetadata()
                .withName("edge")
                .withNamespace(NS)
                .addToLabels("app.kubernetes.io/managed-by", "steadyproxy-operator")
                .endMetadata()
                .withNewSpec()
                .withMaxReplicas(3)
                .withNewScaleTargetRef()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName("edge")
                .endScaleTargetRef()
                .endSpec()
                .build())
        .create();

    create(Samples.proxy(NS, "edge"));

    await("status written", () -> withStatus("edge") != null);
    awaitValue("Deployment", () -> deployment("edge"));
    await("a later reconcile ran", () -> metrics.reconciles("success") >= 2);
    assertThat(autoscaler("edge"), not(nullValue()));
  }

  @Test
  void specImageWinsAndUnsettingItFallsBackToTheOperatorsDefault() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setImage("registry.example.com/mine/proxy:2.0");
    create(proxy);
    await("spec.image used", () -> "registry.example.com/mine/proxy:2.0".equals(image("edge")));
    String checksum = checksum(deployment("edge"));

    update(() -> get("edge"), p -> p.getSpec().setImage(null));

    await("the operator's default used", () -> Samples.PROXY_IMAGE.equals(image("edge")));
    assertThat("only the image rolled", checksum(deployment("edge")), is(checksum));
  }

  @Test
  void nothingIsWrittenWhenNothingDrifted() {
    create(Samples.proxy(NS, "edge"));
    awaitValue("status written", () -> withStatus("edge"));
    Deployment deployment = deployment("edge");
    ConfigMap configMap = configMap("edge-config");
    long reconciles = metrics.reconciles("success");

    // A foreign annotation on the Service is an event that reconciles, and must change nothing.
    update(
        () -> service("edge"),
        svc ->
            svc.getMetadata()
                .setAnnotations(
                    new java.util.HashMap<>(java.util.Map.of("example.com/owner", "web"))));

    await("a reconcile ran", () -> metrics.reconciles("success") > reconciles);
    assertThat(
        deployment("edge").getMetadata().getResourceVersion(),
        is(deployment.getMetadata().getResourceVersion()));
    assertThat(
        configMap("edge-config").getMetadata().getResourceVersion(),
        is(configMap.getMetadata().getResourceVersion()));
    assertThat(
        service("edge").getMetadata().getAnnotations(), hasEntry("example.com/owner", "web"));
  }

  @Test
  void anInvalidSpecIsDegradedAndLeavesTheRunningProxyAlone() {
    create(Samples.proxy(NS, "edge"));
    Deployment running = awaitValue("Deployment", () -> deployment("edge"));

    // Above maxMemoryUsageMb: the CEL rule's case, which the mock server doesn't enforce.
    update(() -> get("edge"), p -> p.getSpec().setCleanupThresholdMb(800));

    await("Degraded=True", () -> "True".equals(condition(get("edge"), "Degraded").getStatus()));
    Condition degraded = condition(get("edge"), "Degraded");
    assertThat(degraded.getReason(), is("ThresholdsInverted"));
    await(
        "a Warning Event says why",
        () ->
            events().stream()
                .anyMatch(
                    e ->
                        "Warning".equals(e.getType())
                            && "ThresholdsInverted".equals(e.getReason())));
    assertThat(checksum(deployment("edge")), is(checksum(running)));
    // Counted once the reconcile returns, which is just after it wrote the status.
    await("counted as invalid", () -> metrics.reconciles("invalid") >= 1);
  }

  @Test
  void aPreExistingServiceOfTheSameNameIsNeverAdoptedAndTheConflictIsReported() {
    Service theirs =
        client
            .resource(
                new io.fabric8.kubernetes.api.model.ServiceBuilder()
                    .withNewMetadata()
                    .withName("edge")
                    .withNamespace(NS)
                    .addToLabels("team", "web")
                    .endMetadata()
                    .withNewSpec()
                    .addToSelector("app", "their-app")
                    .addNewPort()
                    .withPort(8080)
                    .endPort()
                    .endSpec()
                    .build())
            .create();

    create(Samples.proxy(NS, "edge"));

    await(
        "Ready=False OwnershipConflict",
        () -> withStatus("edge") != null && "OwnershipConflict".equals(reason("edge", "Ready")));
    Condition ready = condition(get("edge"), "Ready");
    assertThat(ready.getStatus(), is("False"));
    assertThat(ready.getMessage(), containsString("Service shop/edge already exists"));
    assertThat(condition(get("edge"), "Degraded").getReason(), is("OwnershipConflict"));
    Service untouched = service("edge");
    assertThat(
        untouched.getMetadata().getResourceVersion(),
        is(theirs.getMetadata().getResourceVersion()));
    assertThat(untouched.getMetadata().getOwnerReferences(), is(List.of()));
    assertThat(untouched.getSpec().getSelector(), is(java.util.Map.of("app", "their-app")));
    assertThat("nothing points pods at their Service", deployment("edge"), nullValue());

    // Once the name is free, the retry (with backoff) creates ours.
    client.resource(untouched).delete();
    await(
        "our Service created",
        () ->
            service("edge") != null
                && !service("edge").getMetadata().getOwnerReferences().isEmpty());
    await("the conflict cleared", () -> !"OwnershipConflict".equals(reason("edge", "Ready")));
    awaitValue("Deployment", () -> deployment("edge"));
  }

  @Test
  void aDeploymentControlledBySomethingElseIsLeftAlone() {
    ProxyConfig other = Samples.proxy(NS, "edge");
    Deployment theirs = Samples.deployment(other);
    theirs.getMetadata().getOwnerReferences().get(0).setUid("uid-of-an-older-proxyconfig");
    theirs.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("theirs:1");
    theirs = client.resource(theirs).create();

    create(Samples.proxy(NS, "edge"));

    await(
        "Ready=False OwnershipConflict",
        () -> withStatus("edge") != null && "OwnershipConflict".equals(reason("edge", "Ready")));
    assertThat(
        condition(get("edge"), "Ready").getMessage(),
        containsString(
            "Deployment shop/edge already exists and is controlled by ProxyConfig edge"));
    assertThat(image("edge"), is("theirs:1"));
    assertThat(
        deployment("edge").getMetadata().getResourceVersion(),
        is(theirs.getMetadata().getResourceVersion()));
  }

  @Test
  void aWriteTheApiServerRefusesIsReportedWithItsMessage() {
    // An admission webhook (or validation, RBAC, a quota) refuses every create of the Deployment.
    server
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/" + NS + "/deployments")
        .andReturn(
            422,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure")
                .withCode(422)
                .withReason("Invalid")
                .withMessage(
                    "admission webhook \"policy.example.com\" denied the request: image"
                        + " registry not allowed")
                .build())
        .always();

    create(Samples.proxy(NS, "edge"));

    await(
        "Ready=False ApplyFailed",
        () -> withStatus("edge") != null && "ApplyFailed".equals(reason("edge", "Ready")));
    Condition ready = condition(get("edge"), "Ready");
    assertThat(ready.getStatus(), is("False"));
    assertThat(
        ready.getMessage(),
        is(
            "creating Deployment shop/edge failed (HTTP 422): admission webhook"
                + " \"policy.example.com\" denied the request: image registry not allowed"));
    assertThat(condition(get("edge"), "Degraded").getReason(), is("ApplyFailed"));
    await("counted as an error", () -> metrics.reconciles("error") >= 1);
  }

  @Test
  void anInvalidNewProxyConfigCreatesNothing() {
    ProxyConfig proxy = Samples.proxy(NS, "tiny");
    proxy
        .getSpec()
        .setResources(
            new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi"))
                .build());
    create(proxy);

    await(
        "Degraded=True",
        () -> "MemoryLimitTooLow".equals(condition(get("tiny"), "Degraded").getReason()));
    assertThat(deployment("tiny"), nullValue());
    assertThat(configMap(DesiredConfigMap.name(proxy)), nullValue());
  }

  @Test
  void aMissingAdminTokenSecretIsDegradedButApplied() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy
        .getSpec()
        .setAdminTokenSecretRef(
            new io.steadyproxy.operator.crd.SecretKeyRef("edge-admin", "token"));
    create(proxy);

    await(
        "Degraded=True",
        () -> "AdminTokenSecretMissing".equals(condition(get("edge"), "Degraded").getReason()));
    assertThat(
        "the pods wait for the Secret, they aren't withheld", deployment("edge") != null, is(true));

    client
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("edge-admin")
                .withNamespace(NS)
                .endMetadata()
                .addToStringData("token", "s3cret")
                .build())
        .create();
    // The pods start once the Secret exists; their Deployment's status change brings a reconcile.
    Deployment deployment = deployment("edge");
    deployment.setStatus(
        new DeploymentStatusBuilder().withObservedGeneration(1L).withReplicas(1).build());
    client.resource(deployment).updateStatus();
    await("Degraded=False", () -> "False".equals(condition(get("edge"), "Degraded").getStatus()));
  }

  @Test
  void aConflictOnTheStatusWriteIsRetriedWithinTheSameReconcile() {
    // The first status write answers 409, as when the watchdog wrote lastCleanups meanwhile.
    server
        .expect()
        .put()
        .withPath("/apis/steadyproxy.io/v1alpha1/namespaces/shop/proxyconfigs/edge/status")
        .andReturn(
            409,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage("the object has been modified")
                .build())
        .once();
    create(Samples.proxy(NS, "edge"));

    awaitValue("status written", () -> withStatus("edge"));
    assertThat(metrics.reconciles("error"), is(0L));
    assertThat(
        "the 409 was served, then the retry",
        requests("PUT", "/proxyconfigs/edge/status") >= 2,
        is(true));
  }

  @Test
  void aConflictOnAnOwnedObjectUpdateIsRetriedWithinTheSameReconcile() {
    create(Samples.proxy(NS, "edge"));
    awaitValue("Deployment", () -> deployment("edge"));
    // The operator's next update of the Deployment answers 409, as when someone else wrote it.
    server
        .expect()
        .put()
        .withPath("/apis/apps/v1/namespaces/shop/deployments/edge")
        .andReturn(
            409,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage("the object has been modified")
                .build())
        .once();

    // The drift itself is written with a patch, so it doesn't use up the one 409 meant for the
    // operator.
    client
        .apps()
        .deployments()
        .inNamespace(NS)
        .withName("edge")
        .edit(
            d -> {
              d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("drift:1");
              return d;
            });

    await("drift reverted despite the conflict", () -> Samples.PROXY_IMAGE.equals(image("edge")));
    assertThat(metrics.reconciles("error"), is(0L));
    assertThat(
        "the 409 was served, then the retry", requests("PUT", "/deployments/edge") >= 2, is(true));
  }

  @Test
  void aStoppedInformerMakesTheControllerUnhealthy() {
    await("synced", controller::isSynced);
    assertThat(controller.isHealthy(), is(true));
    controller.proxyConfigs().stop();
    assertThat(controller.isHealthy(), is(false));
  }

  /**
   * Reads, changes and writes an object as a person with kubectl would, again on a 409: the
   * operator may write the same object at any moment.
   */
  @Test
  void aMissingUpstreamCaConfigMapOrKeyIsDegradedButApplied() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setUpstreamCaRef(new CaBundleRef(null, "edge-ca", null));
    create(proxy);

    await(
        "Degraded=True, no ConfigMap",
        () -> {
          Condition degraded = condition(get("edge"), "Degraded");
          return "UpstreamCaMissing".equals(degraded.getReason())
              && degraded
                  .getMessage()
                  .equals(
                      "ConfigMap edge-ca named by upstreamCaRef does not exist;"
                          + " the pods can't start without it");
        });
    Deployment applied = deployment("edge");
    assertThat("the pods wait for the ConfigMap, they aren't withheld", applied != null, is(true));
    assertThat(
        applied.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> "upstream-ca".equals(v.getName()))
            .map(v -> v.getConfigMap().getName())
            .toList(),
        contains("edge-ca"));
    assertThat(
        configMap("edge-config").getData().get(ProxyConfigFile.FILE_NAME),
        containsString("\"upstream_ca_file\":\"" + ProxyConfigFile.UPSTREAM_CA_PATH + "\""));

    // The ConfigMap appears, with the bundle under another key.
    client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("edge-ca")
                .withNamespace(NS)
                .endMetadata()
                .addToData("bundle.pem", PEM)
                .build())
        .create();
    // It isn't watched (nor labelled as ours); a change of the Deployment's status brings the
    // reconcile, as the kubelet's attempts to start the pods would.
    bumpDeploymentStatus("edge", 1);
    await(
        "Degraded=True, no key",
        () ->
            condition(get("edge"), "Degraded")
                .getMessage()
                .equals(
                    "ConfigMap edge-ca has no key ca.crt (upstreamCaRef);"
                        + " the pods can't start without it"));

    ConfigMap bundle = configMap("edge-ca");
    bundle.getData().put("ca.crt", PEM);
    client.resource(bundle).update();
    bumpDeploymentStatus("edge", 2);
    await("Degraded=False", () -> "False".equals(condition(get("edge"), "Degraded").getStatus()));
  }

  @Test
  void aMissingUpstreamCaSecretKeyNamesTheSecret() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setUpstreamCaRef(new CaBundleRef("Secret", "edge-ca", "bundle.pem"));
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-ca")
                .withNamespace(NS)
                .endMetadata()
                .addToStringData("ca.crt", PEM)
                .build())
        .create();
    create(proxy);

    await(
        "Degraded=True",
        () ->
            "Secret edge-ca has no key bundle.pem (upstreamCaRef); the pods can't start without it"
                .equals(condition(get("edge"), "Degraded").getMessage()));
    assertThat(condition(get("edge"), "Degraded").getReason(), is("UpstreamCaMissing"));
    assertThat(
        deployment("edge").getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> "upstream-ca".equals(v.getName()))
            .map(v -> v.getSecret().getSecretName())
            .toList(),
        contains("edge-ca"));
  }

  @Test
  void aMissingTlsSecretOrKeyIsDegradedUntilTheSecretHasBoth() {
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    proxy.getSpec().setTls(new TlsSpec("edge-tls"));
    create(proxy);
    await(
        "Degraded=True, no Secret",
        () ->
            "Secret edge-tls named by tls.secretName does not exist; the pods can't start without it"
                .equals(condition(get("edge"), "Degraded").getMessage()));
    assertThat(condition(get("edge"), "Degraded").getReason(), is("TlsSecretMissing"));

    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName("edge-tls")
            .withNamespace(NS)
            .endMetadata()
            .withType("kubernetes.io/tls")
            .addToStringData("tls.crt", PEM)
            .build();
    client.resource(secret).create();
    bumpDeploymentStatus("edge", 1);
    await(
        "Degraded=True, no key",
        () ->
            "Secret edge-tls has no key tls.key (tls.secretName); the pods can't start without it"
                .equals(condition(get("edge"), "Degraded").getMessage()));

    Secret whole = client.secrets().inNamespace(NS).withName("edge-tls").get();
    whole.setStringData(java.util.Map.of("tls.crt", PEM, "tls.key", "key"));
    client.resource(whole).update();
    bumpDeploymentStatus("edge", 2);
    await("Degraded=False", () -> "False".equals(condition(get("edge"), "Degraded").getStatus()));
    assertThat(
        deployment("edge").getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> "tls".equals(v.getName()))
            .map(v -> v.getSecret().getSecretName())
            .toList(),
        contains("edge-tls"));
  }

  @Test
  void aMissingClientCaBundleIsDegradedUntilItHasItsKeyThenMountedAndRendered() {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("edge-tls")
                .withNamespace(NS)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToStringData("tls.crt", PEM)
                .addToStringData("tls.key", "key")
                .build())
        .create();
    ProxyConfig proxy = Samples.proxy(NS, "edge");
    TlsSpec tls = new TlsSpec("edge-tls");
    tls.setClientCaRef(new CaBundleRef("ConfigMap", "edge-clients", "clients.pem"));
    proxy.getSpec().setTls(tls);
    create(proxy);
    await(
        "Degraded=True, no ConfigMap",
        () ->
            ("ConfigMap edge-clients named by tls.clientCaRef does not exist; the pods can't start"
                    + " without it")
                .equals(condition(get("edge"), "Degraded").getMessage()));
    assertThat(condition(get("edge"), "Degraded").getReason(), is("TlsClientCaMissing"));
    assertThat(condition(get("edge"), "Ready").getStatus(), is("False"));

    client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("edge-clients")
                .withNamespace(NS)
                .endMetadata()
                .addToData("ca.crt", PEM)
                .build())
        .create();
    bumpDeploymentStatus("edge", 1);
    await(
        "Degraded=True, wrong key",
        () ->
            "ConfigMap edge-clients has no key clients.pem (tls.clientCaRef); the pods can't start without it"
                .equals(condition(get("edge"), "Degraded").getMessage()));

    ConfigMap whole = client.configMaps().inNamespace(NS).withName("edge-clients").get();
    whole.setData(java.util.Map.of("clients.pem", PEM));
    client.resource(whole).update();
    bumpDeploymentStatus("edge", 2);
    await("Degraded=False", () -> "False".equals(condition(get("edge"), "Degraded").getStatus()));
    var pod = deployment("edge").getSpec().getTemplate().getSpec();
    assertThat(
        pod.getVolumes().stream()
            .filter(v -> "tls-client-ca".equals(v.getName()))
            .map(
                v -> v.getConfigMap().getName() + ":" + v.getConfigMap().getItems().get(0).getKey())
            .toList(),
        contains("edge-clients:clients.pem"));
    assertThat(
        pod.getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> "tls-client-ca".equals(m.getName()))
            .map(m -> m.getMountPath())
            .toList(),
        contains("/etc/steadyproxy-tls-client-ca"));
    assertThat(
        client
            .configMaps()
            .inNamespace(NS)
            .withName("edge-config")
            .get()
            .getData()
            .get("proxy_config.json"),
        containsString("\"tls_client_ca_file\":\"/etc/steadyproxy-tls-client-ca/ca.crt\""));
  }

  /** Plays the Deployment controller reporting {@code replicas} pods, which queues a reconcile. */
  private void bumpDeploymentStatus(String name, int replicas) {
    Deployment deployment = deployment(name);
    deployment.setStatus(
        new DeploymentStatusBuilder().withObservedGeneration(1L).withReplicas(replicas).build());
    client.resource(deployment).updateStatus();
  }

  /** Not parsed by the operator, only passed on: any text stands for a PEM bundle. */
  private static final String PEM =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T update(
      java.util.function.Supplier<T> read, java.util.function.Consumer<T> change) {
    for (int attempt = 1; ; attempt++) {
      T object = read.get();
      change.accept(object);
      try {
        return client.resource(object).update();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 20) {
          throw e;
        }
      }
    }
  }

  private ProxyConfig create(ProxyConfig proxy) {
    proxy.getMetadata().setUid(null);
    proxy.getMetadata().setGeneration(null);
    return client.resource(proxy).create();
  }

  private ProxyConfig get(String name) {
    return client.resources(ProxyConfig.class).inNamespace(NS).withName(name).get();
  }

  private ProxyConfig withStatus(String name) {
    ProxyConfig proxy = get(name);
    return proxy != null
            && proxy.getStatus() != null
            && proxy.getStatus().getObservedGeneration() != null
        ? proxy
        : null;
  }

  /** How many requests the mock server recorded with that method and a path ending so. */
  private int requests(String method, String pathSuffix) {
    int count = 0;
    try {
      for (var request = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
          request != null;
          request = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        String path = request.getPath().split("\\?")[0];
        if (method.equals(request.getMethod()) && path.endsWith(pathSuffix)) {
          count++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return count;
  }

  private List<io.fabric8.kubernetes.api.model.Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems();
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  private String image(String name) {
    Deployment deployment = deployment(name);
    return deployment == null
        ? null
        : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler autoscaler(
      String name) {
    return client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(NS)
        .withName(name)
        .get();
  }

  private Integer replicas(String name) {
    Deployment deployment = deployment(name);
    return deployment == null ? null : deployment.getSpec().getReplicas();
  }

  private ConfigMap configMap(String name) {
    return client.configMaps().inNamespace(NS).withName(name).get();
  }

  private Service service(String name) {
    return client.services().inNamespace(NS).withName(name).get();
  }

  private static String checksum(Deployment deployment) {
    return deployment
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION);
  }

  /** The reason of a condition of the live ProxyConfig, or null while it has none. */
  private String reason(String name, String type) {
    ProxyConfig proxy = get(name);
    return proxy == null || proxy.getStatus() == null
        ? null
        : proxy.getStatus().condition(type).map(Condition::getReason).orElse(null);
  }

  private static Condition condition(ProxyConfig proxy, String type) {
    Optional<Condition> condition =
        proxy.getStatus() == null ? Optional.empty() : proxy.getStatus().condition(type);
    return condition.orElseThrow(() -> new IllegalStateException("no " + type + " condition yet"));
  }
}
