package io.steadyproxy.charts;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

/** src-docs/kubernetes.md: its ProxyConfig reference is generated from the CRD. */
class KubernetesDocsTest {

  @Test
  void shouldKeepTheProxyConfigReferenceInStepWithTheGeneratedCrd() {
    GeneratedFile.checkSection(
        Repo.kubernetesDocs(),
        ProxyConfigReferenceGenerator.SECTION,
        ProxyConfigReferenceGenerator.markdown(ChartRenderer.YAML.readTree(Repo.generatedCrd())));
  }

  @Test
  void shouldDocumentTheOfflineBaseImage() {
    assertThat(Repo.read(Repo.kubernetesDocs()), containsString("-Djib.from.image=tar://"));
  }
}
