package io.steadyproxy.operator.crd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.steadyproxy.operator.MockCluster;
import io.steadyproxy.operator.reconcile.SpecValidator;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The generated CRD, checked as the API server would use it: its names and subresources, and valid
 * and invalid ProxyConfigs validated against its OpenAPI v3 schema, CEL rules included.
 */
class CrdSchemaTest {

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static JsonNode crd;
  private static JsonNode version;
  private static JsonNode schema;

  @BeforeAll
  static void loadGeneratedCrd() throws Exception {
    try (InputStream in = Files.newInputStream(MockCluster.GENERATED_CRD)) {
      crd = YAML.readTree(in);
    }
    version = crd.at("/spec/versions/0");
    schema = version.at("/schema/openAPIV3Schema");
  }

  @Test
  void namesTheResourceAsDesigned() {
    assertThat(crd.at("/metadata/name").asString(), is("proxyconfigs.steadyproxy.io"));
    assertThat(crd.at("/spec/group").asString(), is("steadyproxy.io"));
    assertThat(crd.at("/spec/scope").asString(), is("Namespaced"));
    assertThat(crd.at("/spec/names/kind").asString(), is("ProxyConfig"));
    assertThat(crd.at("/spec/names/plural").asString(), is("proxyconfigs"));
    assertThat(texts(crd.at("/spec/names/shortNames")), contains("pxc"));
    assertThat(crd.at("/spec/versions").size(), is(1));
    assertThat(version.get("name").asString(), is("v1alpha1"));
    assertThat(version.get("served").asBoolean(), is(true));
    assertThat(version.get("storage").asBoolean(), is(true));
  }

  @Test
  void hasStatusAndScaleSubresources() {
    assertThat(version.at("/subresources/status").isObject(), is(true));
    assertThat(version.at("/subresources/scale/specReplicasPath").asString(), is(".spec.replicas"));
    assertThat(
        version.at("/subresources/scale/statusReplicasPath").asString(), is(".status.replicas"));
    assertThat(
        version.at("/subresources/scale/labelSelectorPath").asString(), is(".status.selector"));
  }

  @Test
  void printsReadyReplicasUpstreamAndAge() {
    List<String> names = new ArrayList<>();
    version.get("additionalPrinterColumns").forEach(c -> names.add(c.get("name").asString()));
    assertThat(names, containsInAnyOrder("Ready", "Replicas", "Upstream", "Age"));
    version
        .get("additionalPrinterColumns")
        .forEach(
            c -> {
              switch (c.get("name").asString()) {
                case "Ready" ->
                    assertThat(
                        c.get("jsonPath").asString(),
                        is(".status.conditions[?(@.type==\"Ready\")].status"));
                case "Replicas" ->
                    assertThat(c.get("jsonPath").asString(), is(".status.readyReplicas"));
                case "Upstream" ->
                    assertThat(c.get("jsonPath").asString(), is(".spec.upstreamUrl"));
                case "Age" -> assertThat(c.get("type").asString(), is("date"));
                default -> throw new AssertionError("unexpected column " + c);
              }
            });
  }

  @ParameterizedTest
  @MethodSource("validSamples")
  void acceptsTheSamples(String sample) throws Exception {
    ObjectNode resource = sample(sample);
    assertThat(validate(resource), is(empty()));
    // What the API server stores, the operator reads: the defaulted sample is a valid spec.
    ProxyConfig proxy = SERIALIZATION.convertValue(resource, ProxyConfig.class);
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));
  }

  static Stream<String> validSamples() {
    return Stream.of("proxyconfig-minimal.yaml", "proxyconfig-full.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidEdits")
  void rejectsInvalidSpecs(String what, Consumer<ObjectNode> edit, String expectedError)
      throws Exception {
    ObjectNode resource = sample("proxyconfig-full.yaml");
    edit.accept((ObjectNode) resource.get("spec"));
    assertThat(validate(resource), hasItem(expectedError));
  }

  static Stream<Arguments> invalidEdits() {
    return Stream.of(
        Arguments.of(
            "no upstream", edit(s -> s.remove("upstreamUrl")), ".spec.upstreamUrl: Required value"),
        Arguments.of(
            "upstream without scheme",
            edit(s -> s.put("upstreamUrl", "backend:8080")),
            ".spec.upstreamUrl: must match " + ProxyConfigSpec.HTTP_URL_PATTERN),
        Arguments.of(
            "upstream with a query",
            edit(s -> s.put("upstreamUrl", "http://b/x?y=1")),
            ".spec.upstreamUrl: must match " + ProxyConfigSpec.HTTP_URL_PATTERN),
        Arguments.of(
            "image with a space",
            edit(s -> s.put("image", "steadyproxy/proxy 1.0")),
            ".spec.image: must match ^\\S+$"),
        Arguments.of(
            "zero connections",
            edit(s -> s.put("maxConnections", 0)),
            ".spec.maxConnections: must be greater than or equal to 1"),
        Arguments.of(
            "negative replicas",
            edit(s -> s.put("replicas", -1)),
            ".spec.replicas: must be greater than or equal to 0"),
        Arguments.of(
            "port out of range",
            edit(s -> ((ObjectNode) s.get("service")).put("port", 70000)),
            ".spec.service.port: must be less than or equal to 65535"),
        Arguments.of(
            "unknown service type",
            edit(s -> ((ObjectNode) s.get("service")).put("type", "ExternalName")),
            ".spec.service.type: must match ^(ClusterIP|NodePort|LoadBalancer)$"),
        Arguments.of(
            "unknown route protocol",
            edit(s -> ((ObjectNode) s.get("routes").get(0)).put("protocol", "http2")),
            ".spec.routes[0].protocol: Unsupported value: \"http2\": supported values: \"grpc\","
                + " \"h2c\", \"http1\""),
        Arguments.of(
            "route without slash",
            edit(s -> ((ObjectNode) s.get("routes").get(0)).put("prefix", "api")),
            ".spec.routes[0].prefix: must match " + ProxyConfigSpec.PATH_PREFIX_PATTERN),
        Arguments.of(
            "route without upstream",
            edit(s -> ((ObjectNode) s.get("routes").get(0)).remove("upstream")),
            ".spec.routes[0].upstream: Required value"),
        Arguments.of(
            "watchdog too eager",
            edit(s -> ((ObjectNode) s.get("watchdog")).put("intervalSeconds", 1)),
            ".spec.watchdog.intervalSeconds: must be greater than or equal to 5"),
        Arguments.of(
            "secret ref without name",
            edit(s -> ((ObjectNode) s.get("adminTokenSecretRef")).remove("name")),
            ".spec.adminTokenSecretRef.name: Required value"),
        Arguments.of(
            "CA bundle in an unsupported kind",
            edit(s -> ((ObjectNode) s.get("upstreamCaRef")).put("kind", "Configmap")),
            ".spec.upstreamCaRef.kind: must match " + CaBundleRef.KIND_PATTERN),
        Arguments.of(
            "CA bundle ref without name",
            edit(s -> ((ObjectNode) s.get("upstreamCaRef")).remove("name")),
            ".spec.upstreamCaRef.name: Required value"),
        Arguments.of(
            "TLS without a Secret name",
            edit(s -> ((ObjectNode) s.get("tls")).remove("secretName")),
            ".spec.tls.secretName: Required value"),
        Arguments.of(
            "TLS Secret name that is no object name",
            edit(s -> ((ObjectNode) s.get("tls")).put("secretName", "Edge_TLS")),
            ".spec.tls.secretName: must match " + CaBundleRef.NAME_PATTERN),
        Arguments.of(
            "client CA bundle ref without name",
            edit(s -> ((ObjectNode) s.get("tls").get("clientCaRef")).remove("name")),
            ".spec.tls.clientCaRef.name: Required value"),
        Arguments.of(
            "client CA bundle in an unsupported kind",
            edit(s -> ((ObjectNode) s.get("tls").get("clientCaRef")).put("kind", "Secrets")),
            ".spec.tls.clientCaRef.kind: must match " + CaBundleRef.KIND_PATTERN),
        Arguments.of(
            "client CA outside tls",
            edit(s -> s.putObject("clientCaRef").put("name", "edge-client-ca")),
            ".spec.clientCaRef: unknown field"),
        Arguments.of(
            "no HTTP/2 stream allowed",
            edit(s -> s.put("http2MaxConcurrentStreams", 0)),
            ".spec.http2MaxConcurrentStreams: must be greater than or equal to 1"),
        Arguments.of(
            "http2 as a string",
            edit(s -> s.put("http2", "off")),
            ".spec.http2: must be a boolean"),
        Arguments.of(
            "client header timeout of zero",
            edit(s -> s.put("clientHeaderTimeoutSeconds", 0)),
            ".spec.clientHeaderTimeoutSeconds: must be greater than or equal to 1"),
        Arguments.of(
            "send timeout above an hour",
            edit(s -> s.put("sendTimeoutSeconds", 3601)),
            ".spec.sendTimeoutSeconds: must be less than or equal to 3600"),
        Arguments.of(
            "CA bundle key with a slash",
            edit(s -> ((ObjectNode) s.get("upstreamCaRef")).put("key", "certs/ca.crt")),
            ".spec.upstreamCaRef.key: must match " + CaBundleRef.KEY_PATTERN),
        Arguments.of(
            "trusted proxy given as a host name",
            edit(s -> s.putArray("trustedProxies").add("10.0.0.0/8").add("lb.example")),
            ".spec.trustedProxies[1]: must match " + ProxyConfigSpec.CIDR_PATTERN),
        Arguments.of(
            "trusted proxy with an IPv4 prefix above 32",
            edit(s -> s.putArray("trustedProxies").add("10.0.0.0/33")),
            ".spec.trustedProxies[0]: must match " + ProxyConfigSpec.CIDR_PATTERN),
        Arguments.of(
            "trusted proxies as one string",
            edit(s -> s.put("trustedProxies", "10.0.0.0/8")),
            ".spec.trustedProxies: must be an array"),
        Arguments.of(
            "timeout as a string",
            edit(s -> s.put("readTimeoutSeconds", "60s")),
            ".spec.readTimeoutSeconds: must be an integer"),
        Arguments.of(
            "typo in a field name",
            edit(s -> s.put("maxConnection", 10)),
            ".spec.maxConnection: unknown field"),
        Arguments.of(
            "a selector label in podLabels (CEL)",
            edit(s -> ((ObjectNode) s.get("podLabels")).put("app.kubernetes.io/instance", "x")),
            ".spec: " + ProxyConfigSpec.POD_LABELS_MESSAGE),
        Arguments.of(
            "autoscaling minimum above its maximum (CEL)",
            edit(s -> ((ObjectNode) s.get("autoscaling")).put("minReplicas", 20)),
            ".spec.autoscaling: " + AutoscalingSpec.MIN_ABOVE_MAX_MESSAGE),
        Arguments.of(
            "autoscaling without a maximum",
            edit(s -> ((ObjectNode) s.get("autoscaling")).remove("maxReplicas")),
            ".spec.autoscaling.maxReplicas: Required value"),
        Arguments.of(
            "unknown log level",
            edit(s -> s.put("logLevel", "DEBUG")),
            ".spec.logLevel: must match " + ProxyConfigSpec.LOG_LEVEL_PATTERN),
        Arguments.of(
            "negative shutdown delay",
            edit(s -> s.put("shutdownDelaySeconds", -1)),
            ".spec.shutdownDelaySeconds: must be greater than or equal to 0"),
        Arguments.of(
            "threshold above the maximum (CEL)",
            edit(s -> s.put("cleanupThresholdMb", 800)),
            ".spec: cleanupThresholdMb must be less than maxMemoryUsageMb"),
        Arguments.of(
            "threshold equal to the maximum (CEL)",
            edit(s -> s.put("cleanupThresholdMb", 768)),
            ".spec: cleanupThresholdMb must be less than maxMemoryUsageMb"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableNames")
  void refusesNamesTheServiceOrTheLabelsCannotTake(String name, String expectedError)
      throws Exception {
    ObjectNode resource = sample("proxyconfig-minimal.yaml");
    ((ObjectNode) resource.get("metadata")).put("name", name);

    assertThat(validate(resource), hasItem(": " + expectedError));
    // The operator's own check agrees, for API servers without CEL.
    ProxyConfig proxy = SERIALIZATION.convertValue(resource, ProxyConfig.class);
    assertThat(SpecValidator.check(proxy).map(p -> p.reason()).orElse("valid"), is("InvalidName"));
  }

  static Stream<Arguments> unusableNames() {
    return Stream.of(
        Arguments.of("edge.v2", ProxyConfig.NAME_PATTERN_MESSAGE),
        Arguments.of("Edge", ProxyConfig.NAME_PATTERN_MESSAGE),
        Arguments.of("1edge", ProxyConfig.NAME_PATTERN_MESSAGE),
        Arguments.of("edge-", ProxyConfig.NAME_PATTERN_MESSAGE),
        Arguments.of("edge_v2", ProxyConfig.NAME_PATTERN_MESSAGE),
        Arguments.of("e".repeat(64), ProxyConfig.NAME_LENGTH_MESSAGE));
  }

  @ParameterizedTest
  @MethodSource("usableNames")
  void acceptsDns1035LabelsUpTo63Characters(String name) throws Exception {
    ObjectNode resource = sample("proxyconfig-minimal.yaml");
    ((ObjectNode) resource.get("metadata")).put("name", name);

    assertThat(validate(resource), is(empty()));
    ProxyConfig proxy = SERIALIZATION.convertValue(resource, ProxyConfig.class);
    assertThat(SpecValidator.check(proxy).isEmpty(), is(true));
  }

  static Stream<String> usableNames() {
    return Stream.of("e", "edge", "edge-v2", "e2", "e" + "-".repeat(61) + "2");
  }

  @Test
  void theSpecsCelRulesAreTheThresholdOrderingAndTheReservedPodLabels() {
    JsonNode rules = schema.at("/properties/spec/x-kubernetes-validations");
    assertThat(rules.size(), is(2));
    assertThat(
        rules.get(0).get("rule").asString(), is("self.cleanupThresholdMb < self.maxMemoryUsageMb"));
    assertThat(rules.get(1).get("rule").asString(), is(ProxyConfigSpec.POD_LABELS_RULE));
  }

  @Test
  void theCelRuleAndTheOperatorsOwnCheckAgree() throws Exception {
    String rule = schema.at("/properties/spec/x-kubernetes-validations/0/rule").asString();
    int[][] cases = {{400, 500}, {499, 500}, {500, 500}, {501, 500}, {64, 65}, {1000, 64}};
    for (int[] c : cases) {
      ObjectNode resource = sample("proxyconfig-minimal.yaml");
      ((ObjectNode) resource.get("spec"))
          .put("cleanupThresholdMb", c[0])
          .put("maxMemoryUsageMb", c[1]);
      StructuralSchemaValidator.applyDefaults(schema, resource);
      boolean celAccepts = StructuralSchemaValidator.evaluate(rule, resource.get("spec"));
      ProxyConfig proxy = SERIALIZATION.convertValue(resource, ProxyConfig.class);
      boolean operatorAccepts =
          !SpecValidator.check(proxy)
              .map(p -> p.reason().equals("ThresholdsInverted"))
              .orElse(false);
      assertThat("cleanup " + c[0] + " / max " + c[1], operatorAccepts, is(celAccepts));
      assertThat("cleanup " + c[0] + " / max " + c[1], celAccepts, is(c[0] < c[1]));
    }
  }

  @Test
  void imageIsOptionalAndNeverDefaultedByTheApiServer() throws Exception {
    // A schema default would be written into every stored ProxyConfig and pin an image that
    // outlives the operator release it matched; unset means the operator's --proxy-image.
    JsonNode image = schema.at("/properties/spec/properties/image");
    assertThat(image.has("default"), is(false));
    assertThat(image.path("pattern").asString(), is("^\\S+$"));
    assertThat(texts(schema.at("/properties/spec/required")), not(hasItem("image")));
    ObjectNode minimal = sample("proxyconfig-minimal.yaml");
    assertThat(validate(minimal), is(empty()));
    assertThat(minimal.at("/spec/maxConnections").asInt(), is(100)); // defaulted, unlike image
    assertThat(minimal.at("/spec").has("image"), is(false));
    assertThat(new ProxyConfigSpec().getImage(), is(nullValue()));
  }

  @Test
  void schemaDefaultsEqualTheJavaDefaults() {
    // The operator relies on the field initializers where the API server didn't default
    // (mock server, old objects); they must say what the schema says.
    assertDefaultsMatch(
        schema.at("/properties/spec"),
        SERIALIZATION.convertValue(new ProxyConfigSpec(), JsonNode.class),
        ".spec");
  }

  @Test
  void referenceDefaultsEqualTheJavaDefaults() throws Exception {
    // Both refs are unset by default, so the walk above never reaches their fields.
    JsonNode caRef = schema.at("/properties/spec/properties/upstreamCaRef");
    assertThat(caRef.at("/properties/kind/default").asString(), is("ConfigMap"));
    assertThat(caRef.at("/properties/key/default").asString(), is("ca.crt"));
    assertThat(texts(caRef.get("required")), contains("name"));
    assertDefaultsMatch(
        caRef,
        SERIALIZATION.convertValue(new CaBundleRef(), JsonNode.class),
        ".spec.upstreamCaRef");
    assertDefaultsMatch(
        schema.at("/properties/spec/properties/tls/properties/clientCaRef"),
        SERIALIZATION.convertValue(new CaBundleRef(), JsonNode.class),
        ".spec.tls.clientCaRef");
    assertDefaultsMatch(
        schema.at("/properties/spec/properties/adminTokenSecretRef"),
        SERIALIZATION.convertValue(new SecretKeyRef(), JsonNode.class),
        ".spec.adminTokenSecretRef");

    // What the API server stores for a ref with only a name is what the operator assumes.
    ObjectNode resource = sample("proxyconfig-minimal.yaml");
    ((ObjectNode) resource.get("spec")).putObject("upstreamCaRef").put("name", "edge-ca");
    assertThat(validate(resource), is(empty()));
    assertThat(resource.at("/spec/upstreamCaRef/kind").asString(), is("ConfigMap"));
    assertThat(resource.at("/spec/upstreamCaRef/key").asString(), is("ca.crt"));
    ProxyConfig proxy = SERIALIZATION.convertValue(resource, ProxyConfig.class);
    assertThat(
        proxy.getSpec().getUpstreamCaRef(),
        is(new CaBundleRef(CaBundleRef.CONFIG_MAP, "edge-ca", CaBundleRef.DEFAULT_KEY)));
  }

  private static void assertDefaultsMatch(
      JsonNode objectSchema, JsonNode javaDefaults, String path) {
    for (Map.Entry<String, JsonNode> property : objectSchema.path("properties").properties()) {
      String fieldPath = path + "." + property.getKey();
      JsonNode javaValue = javaDefaults == null ? null : javaDefaults.get(property.getKey());
      if (property.getValue().has("default")) {
        assertThat(fieldPath, javaValue, is(property.getValue().get("default")));
      }
      if ("object".equals(property.getValue().path("type").asString())
          && javaValue != null
          && javaValue.isObject()) {
        assertDefaultsMatch(property.getValue(), javaValue, fieldPath);
      }
    }
  }

  private static Consumer<ObjectNode> edit(Consumer<ObjectNode> edit) {
    return edit;
  }

  private static List<String> validate(ObjectNode resource) {
    return StructuralSchemaValidator.validateResource(schema, resource);
  }

  private static ObjectNode sample(String name) throws Exception {
    try (InputStream in = CrdSchemaTest.class.getResourceAsStream("/samples/" + name)) {
      return (ObjectNode) YAML.readTree(in);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    ((ArrayNode) array).forEach(n -> texts.add(n.asString()));
    return texts;
  }
}
