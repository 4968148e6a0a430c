package io.steadyproxy.operator.apiserver;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * fabric8's mock API server in CRUD mode, with the two layers a real cluster adds to every write of
 * a Deployment, Service or HorizontalPodAutoscaler: the API server's defaults ({@link
 * ApiServerDefaults}) and a mutating admission webhook (a service-mesh injector that appends an env
 * var, a volume and mount, and a sidecar container to every pod template). It also records every
 * write (POST, PUT, PATCH, DELETE), so a test can assert that a reconcile wrote nothing.
 */
public final class RealisticApiServer implements AutoCloseable {

  /** The env var the webhook appends to each container. */
  public static final String INJECTED_ENV = "MESH_SERVICE_ACCOUNT";

  /** The sidecar the webhook appends to each pod template. */
  public static final String SIDECAR = "mesh-proxy";

  private static final Pattern OWNED_KIND =
      Pattern.compile(
          "^/(?:apis/apps/v1|api/v1|apis/autoscaling/v2)/namespaces/[^/]+/"
              + "(deployments|services|horizontalpodautoscalers)(?:/[^/?]+)?(?:\\?.*)?$");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final KubernetesMockServer server;
  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final AtomicInteger serial = new AtomicInteger();

  private RealisticApiServer() {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), new Layers(), false);
    server.init();
  }

  /** Starts one on loopback. */
  public static RealisticApiServer start() {
    return new RealisticApiServer();
  }

  /** A client of this server. */
  public KubernetesClient client() {
    return server.createClient();
  }

  /** Every write so far, as {@code METHOD path}, in order. */
  public List<String> writes() {
    return List.copyOf(writes);
  }

  @Override
  public void close() {
    server.destroy();
  }

  private final class Layers extends KubernetesCrudDispatcher {

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      writes.add("POST " + request.getPath());
      return super.handleCreate(admitted(request, null));
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
      writes.add("PUT " + request.getPath());
      return super.handleUpdate(admitted(request, stored(request.getPath())));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
      writes.add("PATCH " + request.getPath());
      return super.handlePatch(request);
    }

    @Override
    public MockResponse handleDelete(String path) {
      writes.add("DELETE " + path);
      return super.handleDelete(path);
    }

    private JsonNode stored(String path) {
      MockResponse current = handleGet(path);
      if (current.code() != 200) {
        return null;
      }
      return JSON.readTree(new String(current.getBody().getBytes(), StandardCharsets.UTF_8));
    }

    /** The request with its body defaulted and mutated, as the admission chain would. */
    private RecordedRequest admitted(RecordedRequest request, JsonNode stored) {
      Matcher owned = OWNED_KIND.matcher(request.getPath());
      if (!owned.matches() || request.getBody() == null || request.getBody().size() == 0) {
        return request;
      }
      ObjectNode body =
          (ObjectNode)
              JSON.readTree(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
      switch (owned.group(1)) {
        case "deployments" -> {
          ObjectNode pod = (ObjectNode) body.path("spec").path("template").path("spec");
          if (pod.isObject()) {
            MeshInjector.inject(pod);
          }
          ApiServerDefaults.deployment(body);
        }
        case "services" -> ApiServerDefaults.service(body, stored, serial.incrementAndGet());
        case "horizontalpodautoscalers" -> ApiServerDefaults.horizontalPodAutoscaler(body);
        default -> throw new IllegalStateException(owned.group(1));
      }
      return new RecordedRequest(
          request.getHttpVersion(),
          request.method(),
          request.getPath(),
          request.getHeaders(),
          new Buffer(JSON.writeValueAsBytes(body)));
    }
  }

  /** A mesh's mutating webhook: idempotent, as admission webhooks must be. */
  static final class MeshInjector {
    private MeshInjector() {}

    static void inject(ObjectNode pod) {
      for (JsonNode container : pod.path("containers")) {
        ObjectNode c = (ObjectNode) container;
        if (!hasNamed(c.path("env"), INJECTED_ENV)) {
          (c.has("env") ? (tools.jackson.databind.node.ArrayNode) c.get("env") : c.putArray("env"))
              .addObject()
              .put("name", INJECTED_ENV)
              .put("value", "default");
        }
      }
      if (!hasNamed(pod.path("containers"), SIDECAR)) {
        ObjectNode sidecar =
            ((tools.jackson.databind.node.ArrayNode) pod.get("containers")).addObject();
        sidecar.put("name", SIDECAR).put("image", "mesh.example.com/proxy:1.2.3");
        sidecar
            .putArray("volumeMounts")
            .addObject()
            .put("name", "mesh-certs")
            .put("mountPath", "/certs");
      }
      if (!hasNamed(pod.path("volumes"), "mesh-certs")) {
        (pod.has("volumes")
                ? (tools.jackson.databind.node.ArrayNode) pod.get("volumes")
                : pod.putArray("volumes"))
            .addObject()
            .put("name", "mesh-certs")
            .putObject("emptyDir");
      }
    }

    private static boolean hasNamed(JsonNode list, String name) {
      for (JsonNode entry : list) {
        if (name.equals(entry.path("name").asString(""))) {
          return true;
        }
      }
      return false;
    }
  }
}
