package io.steadyproxy.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The PEM files of the client-facing listener.
 *
 * @param cert the certificate chain, leaf first ({@code tls_cert_file})
 * @param key the leaf's private key ({@code tls_key_file})
 * @param clientCa CA certificates client certificates must chain to ({@code tls_client_ca_file});
 *     when present, every client must present one
 */
public record TlsFiles(Path cert, Path key, Optional<Path> clientCa) {

  /** Which of the files; a failure names it, so the error names its setting. */
  public enum Part {
    /** {@code tls_cert_file}. */
    CERT,
    /** {@code tls_key_file}. */
    KEY,
    /** {@code tls_client_ca_file}. */
    CLIENT_CA
  }

  /**
   * The files' bytes at one moment: what is loaded is exactly what was compared, so a file that
   * changes between the check and the load is seen again at the next check.
   *
   * @param cert bytes of the certificate file
   * @param key bytes of the key file
   * @param clientCa bytes of the client CA file, empty when there is none
   */
  public record Contents(byte[] cert, byte[] key, byte[] clientCa) {
    /** Whether two readings hold the same bytes. */
    public boolean sameAs(Contents other) {
      return other != null
          && Arrays.equals(cert, other.cert)
          && Arrays.equals(key, other.key)
          && Arrays.equals(clientCa, other.clientCa);
    }
  }

  /**
   * Reads the three files.
   *
   * @throws ListenerTls.FileException naming the file that cannot be read
   */
  public Contents read() {
    return new Contents(
        read(Part.CERT, cert),
        read(Part.KEY, key),
        clientCa.isPresent() ? read(Part.CLIENT_CA, clientCa.get()) : new byte[0]);
  }

  /** The path of one of the files. */
  public Path path(Part part) {
    return switch (part) {
      case CERT -> cert;
      case KEY -> key;
      case CLIENT_CA -> clientCa.orElseThrow();
    };
  }

  private static byte[] read(Part part, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ListenerTls.FileException(
          part, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }
}
