package io.steadyproxy.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
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
 *
 * <p>The two rules on the class land at the root of the schema, the only place CEL can see {@code
 * metadata.name}: the name becomes the Service's name (a DNS-1035 label) and the value of the
 * {@code app.kubernetes.io/instance} label (at most 63 characters), so a name the API server
 * accepts for a custom resource (such as {@code edge.v2}) but not for those is refused up front
 * instead of failing every apply. {@code SpecValidator} checks the same for API servers without
 * CEL.
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
@ValidationRule(
    value = "self.metadata.name.size() <= " + ProxyConfig.NAME_MAX_LENGTH,
    message = ProxyConfig.NAME_LENGTH_MESSAGE)
@ValidationRule(
    value = "self.metadata.name.matches('" + ProxyConfig.NAME_PATTERN + "')",
    message = ProxyConfig.NAME_PATTERN_MESSAGE)
public class ProxyConfig extends CustomResource<ProxyConfigSpec, ProxyConfigStatus>
    implements Namespaced {

  /** The API group of every SteadyProxy resource. */
  public static final String GROUP = "steadyproxy.io";

  /** The served and stored version. */
  public static final String VERSION = "v1alpha1";

  /** The CRD's name, {@code <plural>.<group>}. */
  public static final String CRD_NAME = "proxyconfigs." + GROUP;

  /** A DNS-1035 label, as a Service name must be; {@link #NAME_MAX_LENGTH} bounds its length. */
  public static final String NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  /** Longest name: a label value and a Service name hold at most 63 characters. */
  public static final int NAME_MAX_LENGTH = 63;

  /** The API server's answer to a name longer than {@link #NAME_MAX_LENGTH}. */
  public static final String NAME_LENGTH_MESSAGE =
      "metadata.name must be at most 63 characters: it names the proxy's Service and is a label"
          + " value";

  /** The API server's answer to a name that is not a DNS-1035 label. */
  public static final String NAME_PATTERN_MESSAGE =
      "metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with"
          + " a letter and ending with a letter or digit): it names the proxy's Service";
}
