package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The chart's CRD is the one the operator build generates, and nothing else. */
class CrdTest {

  @TempDir Path work;

  private List<JsonNode> crds(String values) {
    return ChartRenderer.ofKind(
        ChartRenderer.documents(new ChartRenderer(work).template(values)),
        "CustomResourceDefinition");
  }

  @Test
  void shouldKeepTheCrdTemplateInStepWithTheGeneratedCrd() {
    GeneratedFile.check(
        Repo.chart().resolve(CrdTemplateGenerator.TEMPLATE),
        CrdTemplateGenerator.template(Repo.generatedCrd()));
  }

  @Test
  void shouldRenderTheGeneratedCrd() {
    List<JsonNode> rendered = crds(ValuesSets.DEFAULTS);
    assertThat(rendered, hasSize(1));
    ObjectNode chartCrd = (ObjectNode) rendered.get(0).deepCopy();
    ObjectNode metadata = (ObjectNode) chartCrd.get("metadata");
    assertThat(
        metadata.at("/labels/app.kubernetes.io~1instance").asString(), is(ChartRenderer.RELEASE));
    metadata.remove("labels");
    metadata.remove("annotations");
    JsonNode generated = ChartRenderer.YAML.readTree(Repo.generatedCrd());
    assertThat(chartCrd, equalTo(generated));
  }

  @Test
  void shouldKeepTheCrdOnUninstallOnlyWhenCrdsKeep() {
    assertThat(
        crds(ValuesSets.DEFAULTS)
            .get(0)
            .at("/metadata/annotations/helm.sh~1resource-policy")
            .asString(),
        is("keep"));
    JsonNode namespaced = crds(ValuesSets.namespaced()).get(0).at("/metadata/annotations");
    assertThat(namespaced.has("helm.sh/resource-policy"), is(false));
    assertThat(namespaced.path("argocd.argoproj.io/sync-options").asString(), is("Prune=false"));
    assertThat(
        crds("crds:\n  keep: false\n").get(0).at("/metadata/annotations").isMissingNode(),
        is(true));
  }

  @Test
  void shouldLeaveTheCrdOutWhenCrdsDisabled() {
    assertThat(crds(ValuesSets.single()), is(empty()));
  }

  @Test
  void shouldFailTheGeneratorOnTemplateDelimiters() {
    String tricky = Repo.generatedCrd().replace("Container image of the proxy.", "{{ .Values }}");
    IllegalArgumentException error =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> CrdTemplateGenerator.template(tricky));
    assertThat(
        error.getMessage(), is("the generated CRD contains {{ or }}, which Helm would evaluate"));
  }
}
