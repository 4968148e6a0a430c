package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How the proxy is exposed: the owned Service's type and port. */
public class ServiceSpec {

  @Default("ClusterIP")
  @Pattern("^(ClusterIP|NodePort|LoadBalancer)$")
  @JsonPropertyDescription("Service type: ClusterIP, NodePort or LoadBalancer.")
  private String type = "ClusterIP";

  @Default("80")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Service port; it targets the proxy's http port 8000.")
  private Integer port = 80;

  public ServiceSpec() {}

  public ServiceSpec(String type, Integer port) {
    this.type = type;
    this.port = port;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }
}
