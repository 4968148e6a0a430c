package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the proxy is exposed: the owned Service's type, port and annotations (a cloud load balancer's
 * settings, external-dns names).
 */
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

  @JsonPropertyDescription(
      "Annotations on the Service (cloud load-balancer settings, external-dns). Added to the ones"
          + " others set; an annotation removed here stays on the Service until removed there.")
  private Map<String, String> annotations = new LinkedHashMap<>();

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

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
