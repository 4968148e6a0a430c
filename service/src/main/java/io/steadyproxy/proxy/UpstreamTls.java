package io.steadyproxy.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Which certificate authorities https upstreams are checked against: the JVM's default truststore,
 * or only the ones in a PEM file ({@code upstream_ca_file}), as nginx's {@code
 * proxy_ssl_trusted_certificate} and Envoy's {@code trusted_ca} do. Host names are always verified.
 */
public final class UpstreamTls {
  private UpstreamTls() {}

  /**
   * The socket factory for https upstreams.
   *
   * @param caFile a PEM file of CA certificates to trust instead of the JVM's defaults
   * @throws IllegalArgumentException if the file cannot be read or holds no certificate (the
   *     message says which, for the configuration error)
   */
  public static SSLSocketFactory socketFactory(Optional<Path> caFile) {
    if (caFile.isEmpty()) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    Path file = caFile.get();
    try {
      Collection<? extends Certificate> certificates;
      try (InputStream in = Files.newInputStream(file)) {
        certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate in " + file);
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "not a PEM file of certificates: " + file + " (" + e.getMessage() + ")", e);
    }
  }
}
