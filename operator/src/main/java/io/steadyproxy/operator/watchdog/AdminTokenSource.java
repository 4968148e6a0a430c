package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.Optional;

/** The admin bearer token of a ProxyConfig's pods; a seam so tests need no Secret. */
@FunctionalInterface
public interface AdminTokenSource {

  /**
   * The token, or empty when the ProxyConfig names no Secret.
   *
   * @throws MissingTokenException when it names a Secret or key that doesn't exist
   */
  Optional<String> token(ProxyConfig proxy);

  /** The Secret or key named by {@code adminTokenSecretRef} is missing. */
  final class MissingTokenException extends RuntimeException {
    public MissingTokenException(String message) {
      super(message);
    }
  }
}
