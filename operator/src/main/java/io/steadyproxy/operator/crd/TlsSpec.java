package io.steadyproxy.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * TLS on the proxy port, from a {@code kubernetes.io/tls} Secret (the kind cert-manager's
 * Certificate writes): its {@code tls.crt} and {@code tls.key} are mounted into the pods and the
 * proxy serves them, reloading them when the kubelet refreshes the volume after a renewal.
 *
 * <p>{@link #clientCaRef} turns on client-certificate verification (mutual TLS, the proxy's {@code
 * tls_client_ca_file}) from a CA bundle in a ConfigMap or Secret. It lives here, not beside {@code
 * upstreamCaRef}, because it means nothing without a TLS port: the proxy refuses a client CA
 * without a certificate, and nesting it makes that combination impossible to write.
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

  @JsonPropertyDescription(
      "ConfigMap or Secret key with a PEM bundle of CA certificates: every client must then"
          + " present a certificate one of them issued, or its TLS handshake fails (mutual TLS,"
          + " tls_client_ca_file). Mounted read-only into the pods; a changed bundle is served to"
          + " new connections without a restart, as a renewed certificate is.")
  private CaBundleRef clientCaRef;

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

  public CaBundleRef getClientCaRef() {
    return clientCaRef;
  }

  public void setClientCaRef(CaBundleRef clientCaRef) {
    this.clientCaRef = clientCaRef;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsSpec t
        && Objects.equals(secretName, t.secretName)
        && Objects.equals(clientCaRef, t.clientCaRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretName, clientCaRef);
  }
}
