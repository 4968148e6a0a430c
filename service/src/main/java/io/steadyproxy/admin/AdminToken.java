package io.steadyproxy.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the admin bearer token comes from: fixed at start ({@code admin_token}), or a file read
 * again at each admin request ({@code admin_token_file}). The file is what a Kubernetes Secret
 * volume gives: when the Secret is rotated, the kubelet swaps the file in place, and the next admin
 * request sees the new token without a restart, while the operator, which reads the Secret itself,
 * already sends it. Admin requests are rare (a cleanup every few minutes at most), so reading a few
 * bytes each time costs nothing and can never serve a stale token.
 */
public final class AdminToken {

  /** The token file exists but can't be read or is empty: admin requests are refused (503). */
  public static final class UnavailableException extends Exception {
    public UnavailableException(String message) {
      super(message);
    }
  }

  private final Optional<byte[]> fixed;
  private final Optional<Path> file;

  private AdminToken(Optional<byte[]> fixed, Optional<Path> file) {
    this.fixed = fixed;
    this.file = file;
  }

  /** A token given as a value, or none (admin routes then answer loopback clients only). */
  public static AdminToken fixed(Optional<String> token) {
    return new AdminToken(token.map(t -> t.getBytes(StandardCharsets.UTF_8)), Optional.empty());
  }

  /** A token read from {@code file} at each request. */
  public static AdminToken file(Path file) {
    return new AdminToken(Optional.empty(), Optional.of(file));
  }

  /** The token from the settings: the file when one is named, else the value, else none. */
  public static AdminToken of(Optional<String> token, Optional<Path> file) {
    return file.map(AdminToken::file).orElseGet(() -> fixed(token));
  }

  /**
   * The token now; empty when none is configured.
   *
   * @throws UnavailableException when a token file is configured but can't be read or is empty; the
   *     caller must refuse rather than fall back to "no token", which would open admin routes to
   *     loopback clients
   */
  public Optional<byte[]> current() throws UnavailableException {
    if (file.isEmpty()) {
      return fixed;
    }
    return Optional.of(read(file.get()));
  }

  /**
   * Reads a token file: its content without surrounding whitespace (a trailing newline from {@code
   * echo} or an editor is not part of the token).
   */
  public static byte[] read(Path file) throws UnavailableException {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      throw new UnavailableException("cannot read the admin token file " + file + ": " + e);
    }
    if (token.isEmpty()) {
      throw new UnavailableException("the admin token file " + file + " is empty");
    }
    return token.getBytes(StandardCharsets.UTF_8);
  }
}
