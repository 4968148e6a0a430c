package io.steadyproxy.operator.controller;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.controller.ObjectApplier.Outcome;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.reconcile.DesiredConfigMap;
import io.steadyproxy.operator.reconcile.OwnedFields;
import io.steadyproxy.operator.reconcile.ProxyConfigFile;
import org.junit.jupiter.api.Test;

/** Create, update-on-drift and the optimistic-locking retry, against the mock API server. */
@EnableKubernetesMockClient(crud = true, https = false)
class ObjectApplierTest {

  KubernetesClient client;

  private final ProxyConfig proxy = Samples.proxy("shop", "edge");

  @Test
  void createsWhatIsMissingThenLeavesItAlone() {
    ObjectApplier applier = new ObjectApplier(client);
    ConfigMap desired = DesiredConfigMap.desired(proxy);

    var created = applier.apply(desired, null, OwnedFields::drifted, OwnedFields::corrected);
    var again =
        applier.apply(desired, created.object(), OwnedFields::drifted, OwnedFields::corrected);

    assertThat(created.outcome(), is(Outcome.CREATED));
    assertThat(again.outcome(), is(Outcome.UNCHANGED));
    assertThat(
        again.object().getMetadata().getResourceVersion(),
        is(created.object().getMetadata().getResourceVersion()));
  }

  @Test
  void aStaleCacheThatThinksTheObjectIsMissingEndsInAnUpdate() {
    ObjectApplier applier = new ObjectApplier(client);
    Deployment drifted = Samples.deployment(proxy);
    drifted.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("old:1");
    client.resource(drifted).create();

    // The cache hasn't seen the object: create answers 409 AlreadyExists, the applier reads and
    // corrects it.
    var applied =
        applier.apply(
            Samples.deployment(proxy), null, OwnedFields::drifted, OwnedFields::corrected);

    assertThat(applied.outcome(), is(Outcome.UPDATED));
    assertThat(
        applied.object().getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
        is(Samples.PROXY_IMAGE));
  }

  @Test
  void aConflictIsRetriedOnTheFreshObjectKeepingTheOtherWritersChange() {
    ObjectApplier applier = new ObjectApplier(client);
    Deployment stale = client.resource(Samples.deployment(proxy)).create();

    // Someone else writes after our cache read: our resourceVersion is now stale.
    Deployment theirs = client.apps().deployments().inNamespace("shop").withName("edge").get();
    theirs.getMetadata().getLabels().put("team", "web");
    Deployment afterTheirs = client.resource(theirs).update();
    assertThat(
        afterTheirs.getMetadata().getResourceVersion(),
        not(is(stale.getMetadata().getResourceVersion())));

    proxy.getSpec().setMaxConnections(7); // a new desired state: the pod template changes
    var applied =
        applier.apply(
            Samples.deployment(proxy), stale, OwnedFields::drifted, OwnedFields::corrected);

    assertThat(applied.outcome(), is(Outcome.UPDATED));
    Deployment now = client.apps().deployments().inNamespace("shop").withName("edge").get();
    assertThat(now.getSpec().getTemplate(), is(Samples.deployment(proxy).getSpec().getTemplate()));
    assertThat(
        "the concurrent writer's label survived",
        now.getMetadata().getLabels(),
        hasEntry("team", "web"));
  }

  @Test
  void anObjectWithoutOurControllerReferenceIsNeverAdopted() {
    ObjectApplier applier = new ObjectApplier(client);
    ConfigMap theirs = DesiredConfigMap.desired(proxy);
    theirs.getMetadata().setOwnerReferences(new java.util.ArrayList<>());
    theirs.getData().put(ProxyConfigFile.FILE_NAME, "{\"theirs\": true}");
    ConfigMap stored = client.resource(theirs).create();

    ApplyFailure failure =
        assertThrows(
            ApplyFailure.class,
            () ->
                applier.apply(
                    DesiredConfigMap.desired(proxy),
                    null,
                    OwnedFields::drifted,
                    OwnedFields::corrected));

    assertThat(failure.reason(), is(ApplyFailure.OWNERSHIP_CONFLICT));
    assertThat(
        failure.getMessage(),
        containsString("ConfigMap shop/edge-config already exists and has no controller"));
    ConfigMap after = client.configMaps().inNamespace("shop").withName("edge-config").get();
    assertThat(
        after.getMetadata().getResourceVersion(), is(stored.getMetadata().getResourceVersion()));
    assertThat(after.getData().get(ProxyConfigFile.FILE_NAME), is("{\"theirs\": true}"));
  }

  @Test
  void anObjectOfAnEarlierProxyConfigOfTheSameNameIsNotAdoptedEither() {
    ObjectApplier applier = new ObjectApplier(client);
    ConfigMap earlier = DesiredConfigMap.desired(proxy);
    earlier.getMetadata().getOwnerReferences().get(0).setUid("uid-of-the-deleted-one");
    client.resource(earlier).create();

    ApplyFailure failure =
        assertThrows(
            ApplyFailure.class,
            () ->
                applier.apply(
                    DesiredConfigMap.desired(proxy),
                    earlier,
                    OwnedFields::drifted,
                    OwnedFields::corrected));

    assertThat(failure.getMessage(), containsString("is controlled by ProxyConfig edge (uid"));
  }
}
