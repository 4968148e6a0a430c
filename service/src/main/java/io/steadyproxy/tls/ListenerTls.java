package io.steadyproxy.tls;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.helidon.common.tls.TlsConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The listener's TLS, built with Helidon's {@link Tls} from PEM files: TLS 1.3 and 1.2 only, with
 * forward-secret AEAD cipher suites (Mozilla's "intermediate" profile, nginx's {@code ssl_protocols
 * TLSv1.2 TLSv1.3} default), client certificates required when a client CA file is set. Everything
 * that can be wrong with the files is found here, before a server uses them, and reported with the
 * file at fault: unreadable, not PEM, no certificate, a key that does not belong to the
 * certificate.
 */
public final class ListenerTls {
  /** Protocol versions offered, newest first. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Cipher suites: TLS 1.3's three, then TLS 1.2's ECDHE (forward secret) AEAD ones. No CBC, no
   * static RSA key exchange, no SHA-1 MACs.
   */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private ListenerTls() {}

  /** A file that cannot serve: which one, and why (the message names the path). */
  public static final class FileException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final TlsFiles.Part file;

    /**
     * @param file the file at fault
     * @param message what is wrong, naming the path
     */
    public FileException(TlsFiles.Part file, String message) {
      super(message, null, false, false);
      this.file = file;
    }

    /** The file at fault. */
    public TlsFiles.Part file() {
      return file;
    }
  }

  /**
   * A loaded TLS set-up.
   *
   * @param tls Helidon's TLS for the listener
   * @param leaf the certificate served
   * @param contents the bytes it was built from
   */
  public record Loaded(Tls tls, X509Certificate leaf, TlsFiles.Contents contents) {}

  /**
   * Reads and checks the files, and builds the TLS.
   *
   * @throws FileException naming the file at fault
   */
  public static Loaded load(TlsFiles files) {
    return load(files, files.read());
  }

  /**
   * Builds the TLS from bytes already read from {@code files}.
   *
   * @throws FileException naming the file at fault
   */
  public static Loaded load(TlsFiles files, TlsFiles.Contents contents) {
    List<X509Certificate> chain = certificates(files, TlsFiles.Part.CERT, contents.cert());
    PrivateKey key = privateKey(files, contents.key());
    matches(files, chain.getFirst(), key);
    TlsConfig.Builder builder =
        TlsConfig.builder()
            .privateKey(key)
            .privateKeyCertChain(chain)
            .enabledProtocols(PROTOCOLS)
            .enabledCipherSuites(CIPHER_SUITES)
            // a server checks no host name in client certificates (as Helidon's NIO path sets it)
            .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_NONE)
            .manager(new ListenerTlsManager());
    if (files.clientCa().isPresent()) {
      builder
          .trust(certificates(files, TlsFiles.Part.CLIENT_CA, contents.clientCa()))
          .clientAuth(TlsClientAuth.REQUIRED);
    }
    try {
      return new Loaded(Tls.create(builder.buildPrototype()), chain.getFirst(), contents);
    } catch (RuntimeException e) {
      throw new FileException(
          TlsFiles.Part.CERT,
          "cannot build TLS from " + files.cert() + " and " + files.key() + ": " + e.getMessage());
    }
  }

  private static List<X509Certificate> certificates(
      TlsFiles files, TlsFiles.Part part, byte[] pem) {
    Collection<? extends Certificate> parsed;
    try {
      parsed =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem));
    } catch (GeneralSecurityException e) {
      throw new FileException(
          part,
          "not a PEM file of certificates: " + files.path(part) + " (" + e.getMessage() + ")");
    }
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c : parsed) {
      out.add((X509Certificate) c);
    }
    if (out.isEmpty()) {
      throw new FileException(part, "no PEM certificate in " + files.path(part));
    }
    return out;
  }

  private static PrivateKey privateKey(TlsFiles files, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      // Helidon 4.5.0 reads PKCS#8 and PKCS#1 RSA keys; cert-manager writes SEC1 for ECDSA keys
      // unless the Certificate says privateKey.encoding: PKCS8
      throw new FileException(
          TlsFiles.Part.KEY,
          "EC key in SEC1 form (BEGIN EC PRIVATE KEY) in "
              + files.key()
              + ": convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt), or set"
              + " privateKey.encoding: PKCS8 on the cert-manager Certificate");
    }
    if (text.contains("ENCRYPTED PRIVATE KEY")) {
      throw new FileException(
          TlsFiles.Part.KEY,
          "encrypted private key in " + files.key() + ": it must be unencrypted");
    }
    try {
      return Keys.builder()
          .pem(p -> p.key(Resource.create("tls_key_file", pem)))
          .build()
          .privateKey()
          .orElseThrow(() -> new IllegalArgumentException("no private key"));
    } catch (RuntimeException e) {
      throw new FileException(
          TlsFiles.Part.KEY, "not a PEM private key: " + files.key() + " (" + rootMessage(e) + ")");
    }
  }

  /** Signs with the key and verifies with the certificate: they must be one pair. */
  private static void matches(TlsFiles files, X509Certificate leaf, PrivateKey key) {
    String algorithm =
        switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "ED25519", "EDDSA" -> "Ed25519";
          case "ED448" -> "Ed448";
          default -> null;
        };
    if (algorithm == null) {
      return; // an unusual key type: the handshake is the judge
    }
    boolean ok;
    try {
      byte[] probe = "steadyproxy key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      ok = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      ok = false;
    }
    if (!ok) {
      throw new FileException(
          TlsFiles.Part.KEY,
          "the key in "
              + files.key()
              + " does not belong to the first certificate of "
              + files.cert()
              + " ("
              + leaf.getSubjectX500Principal().getName()
              + ")");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
