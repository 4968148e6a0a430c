package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A path prefix sent to its own upstream instead of {@code upstreamUrl}. */
public class Route {

  @Required
  @Pattern(ProxyConfigSpec.PATH_PREFIX_PATTERN)
  @JsonPropertyDescription("Path prefix that selects this route, for example /api.")
  private String prefix;

  @Required
  @Pattern(ProxyConfigSpec.HTTP_URL_PATTERN)
  @JsonPropertyDescription("Upstream base URL for requests under the prefix.")
  private String upstream;

  @Default("false")
  @JsonPropertyDescription("Remove the prefix from the path before forwarding.")
  private Boolean stripPrefix = false;

  @Default("http1")
  @JsonPropertyDescription(
      "How the proxy speaks to the upstream: http1 (HTTP/1.1), h2c (HTTP/2; h2 by ALPN for https),"
          + " or grpc (h2c with gRPC deadlines and gRPC error statuses; HTTP/2 clients only).")
  private Protocol protocol = Protocol.HTTP1;

  /** The route's protocol to its upstream, as the proxy's {@code protocol} route key spells it. */
  public enum Protocol {
    @JsonProperty("http1")
    HTTP1,
    @JsonProperty("h2c")
    H2C,
    @JsonProperty("grpc")
    GRPC;

    /** The name in the CRD and the proxy's config file. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Route() {}

  public Route(String prefix, String upstream, Boolean stripPrefix) {
    this.prefix = prefix;
    this.upstream = upstream;
    this.stripPrefix = stripPrefix;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public String getUpstream() {
    return upstream;
  }

  public void setUpstream(String upstream) {
    this.upstream = upstream;
  }

  public Boolean getStripPrefix() {
    return stripPrefix;
  }

  public void setStripPrefix(Boolean stripPrefix) {
    this.stripPrefix = stripPrefix;
  }

  public Protocol getProtocol() {
    return protocol;
  }

  public void setProtocol(Protocol protocol) {
    this.protocol = protocol;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Route r
        && Objects.equals(prefix, r.prefix)
        && Objects.equals(upstream, r.upstream)
        && Objects.equals(stripPrefix, r.stripPrefix)
        && Objects.equals(protocol, r.protocol);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, upstream, stripPrefix, protocol);
  }
}
