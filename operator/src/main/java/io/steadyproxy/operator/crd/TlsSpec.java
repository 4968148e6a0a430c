package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * TLS on the proxy port, from a {@code kubernetes.io/tls} Secret (the kind cert-manager's
 * Certificate writes): its {@code tls.crt} and {@code tls.key} are mounted into the pods and the
 * proxy serves them, reloading them when the kubelet refreshes the volume after a renewal.
 */
public class TlsSpec {

  /** The Secret key of the certificate chain. */
  public static final String CERT_KEY = "tls.crt";

  /** The Secret key of the private key. */
  public static final String KEY_KEY = "tls.key";

  @Required
  @Pattern(CaBundleRef.NAME_PATTERN)
  @JsonPropertyDescription(
      "Name of a kubernetes.io/tls Secret (keys tls.crt and tls.key, as a cert-manager Certificate"
          + " writes) in the ProxyConfig's namespace. The proxy port then speaks TLS 1.2/1.3, and"
          + " HTTP/2 by ALPN; a renewed certificate is served to new connections without a"
          + " restart. Probes and metrics stay plain HTTP on the admin port. ECDSA keys must be"
          + " PKCS#8 (the Certificate's privateKey.encoding: PKCS8).")
  private String secretName;

  public TlsSpec() {}

  public TlsSpec(String secretName) {
    this.secretName = secretName;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsSpec t && Objects.equals(secretName, t.secretName);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(secretName);
  }
}
