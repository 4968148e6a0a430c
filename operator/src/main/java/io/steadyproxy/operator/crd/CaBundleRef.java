package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * A key of a ConfigMap or Secret in the ProxyConfig's namespace that holds a PEM bundle of CA
 * certificates, as cert-manager's trust bundles and Envoy Gateway's {@code caCertificateRefs} name
 * theirs. A ConfigMap by default: CA certificates are public.
 */
public class CaBundleRef {

  /** {@link #kind} of a ConfigMap, the default. */
  public static final String CONFIG_MAP = "ConfigMap";

  /** {@link #kind} of a Secret. */
  public static final String SECRET = "Secret";

  /** The kinds a bundle can live in, as a schema pattern. */
  public static final String KIND_PATTERN = "^(ConfigMap|Secret)$";

  /** The key read when none is given. */
  public static final String DEFAULT_KEY = "ca.crt";

  /** A DNS subdomain, the name of a ConfigMap or Secret. */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

  /** A ConfigMap or Secret key. */
  public static final String KEY_PATTERN = "^[-._a-zA-Z0-9]+$";

  @Default(CONFIG_MAP)
  @Pattern(KIND_PATTERN)
  @JsonPropertyDescription("Kind of the object holding the bundle: ConfigMap or Secret.")
  private String kind = CONFIG_MAP;

  @Required
  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription("Name of the ConfigMap or Secret, in the ProxyConfig's namespace.")
  private String name;

  @Default(DEFAULT_KEY)
  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key that holds the PEM bundle of CA certificates.")
  private String key = DEFAULT_KEY;

  public CaBundleRef() {}

  public CaBundleRef(String kind, String name, String key) {
    this.kind = kind;
    this.name = name;
    this.key = key;
  }

  /** The kind, {@link #CONFIG_MAP} when unset. */
  public String effectiveKind() {
    return kind == null ? CONFIG_MAP : kind;
  }

  /** The key, {@link #DEFAULT_KEY} when unset. */
  public String effectiveKey() {
    return key == null ? DEFAULT_KEY : key;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaBundleRef r
        && Objects.equals(kind, r.kind)
        && Objects.equals(name, r.name)
        && Objects.equals(key, r.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name, key);
  }
}
