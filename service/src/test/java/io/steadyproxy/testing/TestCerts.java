package io.steadyproxy.testing;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority and the PEM files it issues, made in-process with Bouncy Castle: a
 * CA, then leaf certificates signed by it, each written as a PEM chain (leaf first) and an
 * unencrypted PKCS#8 PEM key, as cert-manager writes {@code tls.crt} and {@code tls.key}.
 */
public final class TestCerts {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private final Path dir;
  private final String name;
  private final KeyPair keys;
  private final X509Certificate cert;

  /**
   * A leaf's files and, for a client presenting it, its key and chain.
   *
   * @param cert the PEM chain file
   * @param key the PEM key file
   * @param pair the key pair
   * @param chain the leaf and its CA
   */
  public record Leaf(Path cert, Path key, KeyPair pair, List<X509Certificate> chain) {}

  private TestCerts(Path dir, String name, KeyPair keys, X509Certificate cert) {
    this.dir = dir;
    this.name = name;
    this.keys = keys;
    this.cert = cert;
  }

  /** Creates a CA named {@code name}, its certificate written to {@code dir}. */
  public static TestCerts authority(Path dir, String name) throws Exception {
    KeyPair keys = ec();
    X500Name subject = new X500Name("CN=" + name);
    JcaX509v3CertificateBuilder b = builder(subject, subject, keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    X509Certificate cert = sign(b, keys);
    TestCerts ca = new TestCerts(dir, name, keys, cert);
    Files.writeString(ca.caCert(), pem("CERTIFICATE", cert.getEncoded()));
    return ca;
  }

  /** The CA's certificate as PEM. */
  public Path caCert() {
    return dir.resolve(name + "-ca.crt");
  }

  /**
   * Issues a leaf for {@code cn}, valid for 127.0.0.1 and localhost, for servers and clients.
   *
   * @param cn the common name
   * @param rsa an RSA key instead of an EC one
   */
  public Leaf issue(String cn, boolean rsa) throws Exception {
    KeyPair pair = rsa ? rsa() : ec();
    JcaX509v3CertificateBuilder b =
        builder(new X500Name("CN=" + name), new X500Name("CN=" + cn), pair);
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")
            }));
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    X509Certificate leaf = sign(b, keys);
    Path certFile = dir.resolve(cn + ".crt");
    Path keyFile = dir.resolve(cn + ".key");
    Files.writeString(
        certFile, pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    return new Leaf(certFile, keyFile, pair, List.of(leaf, cert));
  }

  /** A client context trusting this CA only. */
  public SSLContext trusting() throws Exception {
    return context(null);
  }

  /** A client context trusting this CA and presenting {@code leaf}'s certificate. */
  public SSLContext presenting(Leaf leaf) throws Exception {
    return context(leaf);
  }

  /** A client context presenting {@code leaf} (issued by any CA) and trusting {@code trusted}. */
  public static SSLContext presentingWithTrust(Leaf leaf, TestCerts trusted) throws Exception {
    return trusted.context(leaf);
  }

  private SSLContext context(Leaf leaf) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (leaf != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] pass = "test".toCharArray();
      ks.setKeyEntry(
          "leaf", leaf.pair().getPrivate(), pass, leaf.chain().toArray(new Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pass);
    }
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }

  /** The certificates of a PEM file. */
  public static List<X509Certificate> certificates(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      return out;
    }
  }

  private static JcaX509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(2))),
        subject,
        subjectKeys.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /** PEM text of DER bytes. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
