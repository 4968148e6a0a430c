package io.steadyproxy.operator.watchdog;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.steadyproxy.operator.crd.ProxyConfig;
import io.steadyproxy.operator.crd.SecretKeyRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the admin token from the Secret the ProxyConfig names (RBAC: {@code secrets get}). Read at
 * each cleanup, not cached, so a rotated token is used at once; cleanups are rare.
 */
public final class SecretTokenSource implements AdminTokenSource {

  private final KubernetesClient client;

  public SecretTokenSource(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<String> token(ProxyConfig proxy) {
    SecretKeyRef ref = proxy.getSpec().getAdminTokenSecretRef();
    if (ref == null) {
      return Optional.empty();
    }
    String key = ref.getKey() == null ? "token" : ref.getKey();
    Secret secret =
        client
            .secrets()
            .inNamespace(proxy.getMetadata().getNamespace())
            .withName(ref.getName())
            .get();
    if (secret == null) {
      throw new MissingTokenException(
          "Secret " + ref.getName() + " (adminTokenSecretRef) does not exist");
    }
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      return Optional.of(
          new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8)
              .trim());
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
      return Optional.of(secret.getStringData().get(key).trim());
    }
    throw new MissingTokenException(
        "Secret " + ref.getName() + " has no key " + key + " (adminTokenSecretRef)");
  }
}
