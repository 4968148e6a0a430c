package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.AutoscalingSpec;
import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod, Service and autoscaler settings of the spec, as the desired objects render them. */
class PodSettingsTest {

  private final ProxyConfig proxy = Samples.proxy("shop", "edge");

  @Test
  void schedulingSettingsReachThePodSpecAsGiven() {
    proxy.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("regcred")));
    proxy.getSpec().setNodeSelector(Map.of("pool", "edge"));
    proxy
        .getSpec()
        .setTolerations(
            List.of(
                new TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("edge")
                    .withEffect("NoSchedule")
                    .build()));
    proxy
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression()
                .withKey("kubernetes.io/arch")
                .withOperator("In")
                .withValues("amd64")
                .endMatchExpression()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
    proxy.getSpec().setPriorityClassName("edge-critical");

    PodSpec pod = podSpec();

    assertThat(pod.getImagePullSecrets(), contains(new LocalObjectReference("regcred")));
    assertThat(pod.getNodeSelector(), is(Map.of("pool", "edge")));
    assertThat(pod.getTolerations(), is(proxy.getSpec().getTolerations()));
    assertThat(pod.getAffinity(), is(proxy.getSpec().getAffinity()));
    assertThat(pod.getPriorityClassName(), is("edge-critical"));
  }

  @Test
  void unsetSchedulingSettingsLeaveThePodSpecAsBefore() {
    PodSpec pod = podSpec();
    assertThat(pod.getImagePullSecrets(), is(List.of()));
    assertThat(pod.getNodeSelector(), is(Map.of()));
    assertThat(pod.getTolerations(), is(List.of()));
    assertThat(pod.getAffinity(), nullValue());
    assertThat(pod.getTopologySpreadConstraints(), is(List.of()));
    assertThat(pod.getPriorityClassName(), nullValue());
  }

  @Test
  void aSpreadConstraintWithoutSelectorSpreadsThisProxysPods() {
    TopologySpreadConstraint bare =
        new TopologySpreadConstraintBuilder()
            .withMaxSkew(1)
            .withTopologyKey("topology.kubernetes.io/zone")
            .withWhenUnsatisfiable("ScheduleAnyway")
            .build();
    TopologySpreadConstraint own =
        new TopologySpreadConstraintBuilder(bare)
            .withTopologyKey("kubernetes.io/hostname")
            .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("x", "y").build())
            .build();
    proxy.getSpec().setTopologySpreadConstraints(List.of(bare, own));

    List<TopologySpreadConstraint> rendered = podSpec().getTopologySpreadConstraints();

    assertThat(rendered.get(0).getLabelSelector().getMatchLabels(), is(Ownership.selector(proxy)));
    assertThat(rendered.get(1).getLabelSelector().getMatchLabels(), is(Map.of("x", "y")));
    assertThat("the spec itself is not changed", bare.getLabelSelector(), nullValue());
  }

  @Test
  void podLabelsAndAnnotationsAreAddedButNeverOverrideOurs() {
    proxy.getSpec().setPodLabels(Map.of("team", "web", "app.kubernetes.io/instance", "other"));
    proxy
        .getSpec()
        .setPodAnnotations(
            Map.of(
                "prometheus.io/scrape",
                "true",
                DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION,
                "forged"));

    Deployment deployment = Samples.deployment(proxy);
    var template = deployment.getSpec().getTemplate().getMetadata();

    assertThat(template.getLabels(), hasEntry("team", "web"));
    assertThat(template.getLabels(), hasEntry("app.kubernetes.io/instance", "edge"));
    assertThat(template.getAnnotations(), hasEntry("prometheus.io/scrape", "true"));
    assertThat(
        template.getAnnotations().get(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION),
        not(is("forged")));
    assertThat(
        "the selector never changes",
        deployment.getSpec().getSelector().getMatchLabels(),
        is(Ownership.selector(proxy)));
  }

  @Test
  void terminationGraceCoversTheShutdownDelayTheGracePeriodAndTheJvmsExit() {
    assertThat(podSpec().getTerminationGracePeriodSeconds(), is(5L + 30L + 5L));
    proxy.getSpec().setShutdownDelaySeconds(15);
    proxy.getSpec().setShutdownGracePeriodSeconds(120);
    assertThat(podSpec().getTerminationGracePeriodSeconds(), is(15L + 120L + 5L));
    proxy.getSpec().setShutdownDelaySeconds(0);
    assertThat(podSpec().getTerminationGracePeriodSeconds(), is(0L + 120L + 5L));
  }

  @Test
  void noPreStopHookIsNeededTheProxyServesThroughItsShutdownDelay() {
    assertThat(podSpec().getContainers().get(0).getLifecycle(), nullValue());
    assertThat(ProxyConfigFile.render(proxy.getSpec()).contains("\"shutdown_delay\":5,"), is(true));
  }

  @Test
  void serviceAnnotationsGoOnTheService() {
    proxy
        .getSpec()
        .getService()
        .setAnnotations(Map.of("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"));
    proxy.getSpec().getService().setType("LoadBalancer");

    Service service = DesiredService.desired(proxy);

    assertThat(
        service.getMetadata().getAnnotations(),
        is(Map.of("service.beta.kubernetes.io/aws-load-balancer-type", "nlb")));
    assertThat(service.getSpec().getType(), is("LoadBalancer"));
  }

  @Test
  void resourcesOverrideTheDefaults() {
    proxy
        .getSpec()
        .setResources(
            new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("500m"))
                .addToLimits("memory", new Quantity("1Gi"))
                .build());
    var resources = podSpec().getContainers().get(0).getResources();
    assertThat(resources.getRequests(), hasEntry("cpu", new Quantity("500m")));
    assertThat(resources.getLimits(), hasEntry("memory", new Quantity("1Gi")));
  }

  @Test
  void withAutoscalingTheHpaOwnsTheReplicas() {
    proxy.getSpec().setReplicas(3);
    assertThat(Samples.deployment(proxy).getSpec().getReplicas(), is(3));
    assertThat(DesiredHorizontalPodAutoscaler.desired(proxy).isPresent(), is(false));

    proxy.getSpec().setAutoscaling(new AutoscalingSpec(2, 10, 70));

    assertThat(Samples.deployment(proxy).getSpec().getReplicas(), nullValue());
    HorizontalPodAutoscaler hpa = DesiredHorizontalPodAutoscaler.desired(proxy).orElseThrow();
    assertThat(hpa.getMetadata().getName(), is("edge"));
    assertThat(hpa.getMetadata().getOwnerReferences().get(0).getUid(), is("uid-edge"));
    assertThat(hpa.getSpec().getScaleTargetRef().getKind(), is("Deployment"));
    assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion(), is("apps/v1"));
    assertThat(hpa.getSpec().getScaleTargetRef().getName(), is("edge"));
    assertThat(hpa.getSpec().getMinReplicas(), is(2));
    assertThat(hpa.getSpec().getMaxReplicas(), is(10));
    var metric = hpa.getSpec().getMetrics().get(0);
    assertThat(metric.getType(), is("Resource"));
    assertThat(metric.getResource().getName(), is("cpu"));
    assertThat(metric.getResource().getTarget().getType(), is("Utilization"));
    assertThat(metric.getResource().getTarget().getAverageUtilization(), is(70));
  }

  @Test
  void theChecksumFollowsTheProxySettingsButNotThePodSettings() {
    String before = checksum();
    proxy.getSpec().setNodeSelector(Map.of("pool", "edge"));
    proxy.getSpec().setPodLabels(Map.of("team", "web"));
    proxy.getSpec().setAutoscaling(new AutoscalingSpec(1, 3, 80));
    assertThat(checksum(), is(before));
    proxy.getSpec().setLogLevel("FINE");
    assertThat(checksum(), not(is(before)));
  }

  private String checksum() {
    return Samples.deployment(proxy)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(DesiredDeployment.CONFIG_CHECKSUM_ANNOTATION);
  }

  private PodSpec podSpec() {
    return Samples.deployment(proxy).getSpec().getTemplate().getSpec();
  }
}
