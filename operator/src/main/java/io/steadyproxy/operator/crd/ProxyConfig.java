package io.steadyproxy.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One SteadyProxy deployment, as a user declares it: {@code kubectl get pxc}.
 *
 * <p>The operator turns it into a ConfigMap (the proxy's config file), a Deployment and a Service,
 * and reports back through {@link ProxyConfigStatus}. The CRD {@code proxyconfigs.steadyproxy.io}
 * is generated from this class and its spec and status types at build time by the fabric8
 * crd-generator; never edit the YAML by hand.
 */
@Group(ProxyConfig.GROUP)
@Version(ProxyConfig.VERSION)
@Kind("ProxyConfig")
@Plural("proxyconfigs")
@Singular("proxyconfig")
@ShortNames("pxc")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Replicas",
    jsonPath = ".status.readyReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Upstream",
    jsonPath = ".spec.upstreamUrl",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ProxyConfig extends CustomResource<ProxyConfigSpec, ProxyConfigStatus>
    implements Namespaced {

  /** The API group of every SteadyProxy resource. */
  public static final String GROUP = "steadyproxy.io";

  /** The served and stored version. */
  public static final String VERSION = "v1alpha1";

  /** The CRD's name, {@code <plural>.<group>}. */
  public static final String CRD_NAME = "proxyconfigs." + GROUP;
}
