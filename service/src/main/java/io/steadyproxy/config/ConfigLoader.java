package io.steadyproxy.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.steadyproxy.admin.AdminToken;
import io.steadyproxy.proxy.UpstreamTls;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;

/**
 * Reads {@link ProxySettings} from, highest priority first: command-line flags, {@code PROXY_*}
 * environment variables, a {@code proxy_config.json} file (the seed's format), the {@code proxy}
 * section of {@code application.yaml}, and the seed's defaults.
 *
 * <p>Every value remembers its source, so a bad one fails with a single line that names the key,
 * the source and the problem ({@link ConfigException}). Unknown keys are reported as warnings.
 */
public final class ConfigLoader {
  /** The seed's config file name, looked for in the working directory. */
  public static final String DEFAULT_CONFIG_FILE = "proxy_config.json";

  private ConfigLoader() {}

  /**
   * Everything settings are read from, kept so that a changed config file can be read again with
   * the same flags and environment on top of it.
   *
   * @param args command-line arguments
   * @param env environment variables
   * @param workDir where the default {@code proxy_config.json} and {@code application.yaml} are
   *     looked for
   */
  public record Inputs(List<String> args, Map<String, String> env, Path workDir) {
    /** Reads the settings from these inputs. */
    public Result read() {
      return ConfigLoader.read(args.toArray(String[]::new), env, workDir);
    }
  }

  /** Settings plus the warnings (unknown keys) met while reading them. */
  public record Result(ProxySettings settings, List<String> warnings) {}

  /** A raw value and where it came from. */
  private record Value(Object raw, String source) {}

  /**
   * Reads settings from every source.
   *
   * @param args command-line arguments
   * @param env environment variables
   * @param workDir where the default {@code proxy_config.json} and {@code application.yaml} are
   *     looked for
   * @return the settings and any warnings
   * @throws ConfigException if any value is invalid
   */
  public static Result read(String[] args, Map<String, String> env, Path workDir) {
    List<String> warnings = new ArrayList<>();
    Flags flags = flags(args);
    Map<Key, Value> environment = environment(env, warnings);

    Optional<Path> configFile = configFile(flags.configFile(), env.get("PROXY_CONFIG"), workDir);
    Map<Key, Value> file = configFile.map(p -> jsonFile(p, warnings)).orElse(Map.of());
    Map<Key, Value> yaml = yaml(workDir.resolve("application.yaml"), warnings);

    // first source wins: flags > env > proxy_config.json > application.yaml > defaults
    Map<Key, Value> merged = new EnumMap<>(Key.class);
    for (Map<Key, Value> layer : List.of(flags.values(), environment, file, yaml)) {
      layer.forEach(merged::putIfAbsent);
    }
    for (Key key : Key.values()) {
      key.defaultValue().ifPresent(d -> merged.putIfAbsent(key, new Value(d, "default")));
    }
    return new Result(build(new Values(merged), configFile), List.copyOf(warnings));
  }

  private static ProxySettings build(Values v, Optional<Path> configFile) {
    Optional<URI> upstream = v.optional(Key.UPSTREAM_URL).map(s -> v.url(Key.UPSTREAM_URL, s));
    List<Route> routes = new ArrayList<>(v.routes());
    upstream.ifPresent(
        u -> {
          if (routes.stream().noneMatch(Route::isDefault)) {
            routes.add(new Route(Route.DEFAULT_PREFIX, u, false));
          }
        });
    routes.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());

    long max = v.megabytes(Key.MAX_MEMORY_USAGE);
    long cleanup = v.megabytes(Key.CLEANUP_THRESHOLD);
    if (cleanup >= max) {
      throw v.error(
          Key.CLEANUP_THRESHOLD,
          "must be below max_memory_usage (" + max + " MB), got " + cleanup + " MB");
    }
    int maxConnections = v.integer(Key.MAX_CONNECTIONS, 1, 100_000);
    int keepalive = v.integer(Key.MAX_KEEPALIVE_CONNECTIONS, 0, 100_000);
    if (keepalive > maxConnections && v.isDefault(Key.MAX_KEEPALIVE_CONNECTIONS)) {
      keepalive =
          maxConnections; // a small max_connections alone should not need the keep-alive set too
    } else if (keepalive > maxConnections) {
      throw v.error(
          Key.MAX_KEEPALIVE_CONNECTIONS,
          "must not exceed max_connections (" + maxConnections + "), got " + keepalive);
    }
    String level = v.string(Key.LOG_LEVEL).toUpperCase(Locale.ROOT);
    try {
      Level.parse(level);
    } catch (IllegalArgumentException e) {
      throw v.error(
          Key.LOG_LEVEL,
          "must be one of SEVERE, WARNING, INFO, FINE, FINER, FINEST, ALL, OFF; got '"
              + level
              + "'");
    }
    String logFile = v.string(Key.LOG_FILE);
    Optional<Path> caFile =
        v.optional(Key.UPSTREAM_CA_FILE).filter(s -> !s.isBlank()).map(Path::of);
    try {
      UpstreamTls.socketFactory(caFile); // read once here, so a bad file fails at start, by name
    } catch (IllegalArgumentException e) {
      throw v.error(Key.UPSTREAM_CA_FILE, e.getMessage());
    }
    Optional<String> adminToken = v.optional(Key.ADMIN_TOKEN).filter(s -> !s.isBlank());
    Optional<Path> adminTokenFile =
        v.optional(Key.ADMIN_TOKEN_FILE).filter(s -> !s.isBlank()).map(Path::of);
    if (adminToken.isPresent() && adminTokenFile.isPresent()) {
      throw v.error(Key.ADMIN_TOKEN_FILE, "set admin_token or admin_token_file, not both");
    }
    if (adminTokenFile.isPresent()) {
      try {
        AdminToken.read(adminTokenFile.get()); // read once here, so a bad file fails at start
      } catch (AdminToken.UnavailableException e) {
        throw v.error(Key.ADMIN_TOKEN_FILE, e.getMessage());
      }
    }
    return new ProxySettings(
        v.string(Key.HOST),
        v.integer(Key.PORT, 0, 65535),
        v.optional(Key.ADMIN_PORT).map(s -> v.integer(Key.ADMIN_PORT, 0, 65535)),
        upstream,
        routes,
        v.bool(Key.PRESERVE_HOST),
        caFile,
        maxConnections,
        keepalive,
        v.duration(Key.KEEPALIVE_EXPIRY, false),
        v.duration(Key.CONNECT_TIMEOUT, true),
        v.duration(Key.READ_TIMEOUT, true),
        v.duration(Key.WRITE_TIMEOUT, true),
        v.duration(Key.POOL_TIMEOUT, false),
        v.duration(Key.MEMORY_CHECK_INTERVAL, true),
        max,
        cleanup,
        v.integer(Key.MAX_HEAP_PERCENT, 20, 100),
        v.integer(Key.MAX_CLIENT_CONNECTIONS, 1, 1_000_000),
        v.bytes(Key.MAX_REQUEST_BODY),
        v.duration(Key.CLIENT_HEADER_TIMEOUT, true),
        v.duration(Key.CLIENT_BODY_TIMEOUT, true),
        v.duration(Key.SEND_TIMEOUT, true),
        v.duration(Key.CLIENT_KEEPALIVE_TIMEOUT, true),
        v.bytes(Key.CLIENT_BODY_BUFFER_SIZE),
        v.bytes(Key.CLIENT_BODY_BUFFERS_MAX),
        v.cidrs(Key.TRUSTED_PROXIES),
        v.duration(Key.SHUTDOWN_DELAY, false),
        v.duration(Key.SHUTDOWN_GRACE_PERIOD, false),
        adminToken,
        adminTokenFile,
        logFile.isBlank() ? Optional.empty() : Optional.of(Path.of(logFile)),
        level,
        Math.max(1024, v.bytes(Key.LOG_MAX_SIZE)),
        v.integer(Key.LOG_MAX_FILES, 1, 1000),
        v.bool(Key.ACCESS_LOG),
        configFile);
  }

  // ---- sources ----

  /** Flags as settings, plus {@code --config}, which only says where the file layer comes from. */
  private record Flags(Map<Key, Value> values, Optional<String> configFile) {}

  private static Flags flags(String[] args) {
    Map<Key, Value> values = new LinkedHashMap<>();
    String configFile = null;
    List<Map<String, Object>> routes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!name.startsWith("--")) {
        throw new ConfigException(
            arg, "the command line", "unexpected argument (flags look like --port 8000)");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new ConfigException(name.substring(2), "flag " + name, "needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--config" -> configFile = value;
        case "--upstream" -> values.put(Key.UPSTREAM_URL, new Value(value, "flag --upstream"));
        case "--route", "--routes" -> {
          for (String spec : value.split(",")) {
            if (!spec.isBlank()) {
              routes.add(routeSpec(spec.trim(), "flag " + name));
            }
          }
        }
        default -> {
          String flag = name;
          Key key =
              Key.fromKey(flag.substring(2))
                  .orElseThrow(
                      () ->
                          new ConfigException(
                              flag.substring(2),
                              "the command line",
                              "unknown flag " + flag + " (see --help)"));
          values.put(key, new Value(value, "flag " + flag));
        }
      }
    }
    if (!routes.isEmpty()) {
      values.put(Key.ROUTES, new Value(routes, "flag --route"));
    }
    return new Flags(values, Optional.ofNullable(configFile));
  }

  private static Map<Key, Value> environment(Map<String, String> env, List<String> warnings) {
    Map<Key, Value> values = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (!name.startsWith("PROXY_")
              || "PROXY_CONFIG".equals(name)
              || "PROXY_JAVA_OPTS".equals(name)) {
            return;
          }
          Optional<Key> key = Key.fromKey(name.substring("PROXY_".length()));
          if (key.isEmpty()) {
            warnings.add("unknown environment variable " + name + " ignored");
            return;
          }
          String source = "env " + name;
          if (key.get() == Key.ROUTES) {
            List<Map<String, Object>> routes = new ArrayList<>();
            for (String spec : value.split(",")) {
              if (!spec.isBlank()) {
                routes.add(routeSpec(spec.trim(), source));
              }
            }
            values.put(Key.ROUTES, new Value(routes, source));
          } else {
            values.put(key.get(), new Value(value, source));
          }
        });
    return values;
  }

  private static Optional<Path> configFile(Optional<String> flag, String fromEnv, Path workDir) {
    if (flag.isPresent()) {
      return Optional.of(existing(Path.of(flag.get()), "flag --config"));
    }
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(existing(Path.of(fromEnv), "env PROXY_CONFIG"));
    }
    Path implicit = workDir.resolve(DEFAULT_CONFIG_FILE);
    return Files.isRegularFile(implicit) ? Optional.of(implicit) : Optional.empty();
  }

  private static Path existing(Path path, String source) {
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(
          "config", source, "file " + path + " does not exist or is not a regular file");
    }
    return path;
  }

  private static Map<Key, Value> jsonFile(Path path, List<String> warnings) {
    String source = "file " + path;
    JsonObject root;
    try (Reader reader = Files.newBufferedReader(path)) {
      JsonValue value = Json.createReader(reader).readValue();
      if (value.getValueType() != JsonValue.ValueType.OBJECT) {
        throw new ConfigException(
            "config", source, "must hold a JSON object, not " + value.getValueType());
      }
      root = value.asJsonObject();
    } catch (JsonParsingException e) {
      var loc = e.getLocation();
      throw new ConfigException(
          "config",
          source,
          "malformed JSON at line "
              + loc.getLineNumber()
              + " column "
              + loc.getColumnNumber()
              + ": "
              + firstLine(e.getMessage()));
    } catch (JsonException e) {
      throw new ConfigException("config", source, "malformed JSON: " + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw new ConfigException("config", source, "cannot be read: " + e.getMessage());
    }
    Map<Key, Value> values = new LinkedHashMap<>();
    root.forEach(
        (name, json) -> {
          Optional<Key> key = Key.fromKey(name);
          if (key.isEmpty()) {
            warnings.add("unknown key '" + name + "' in " + source + " ignored");
            return;
          }
          values.put(key.get(), new Value(fromJson(name, json, source), source));
        });
    return values;
  }

  private static Object fromJson(String name, JsonValue json, String source) {
    return switch (json.getValueType()) {
      case STRING -> ((JsonString) json).getString();
      case NUMBER -> ((JsonNumber) json).bigDecimalValue().stripTrailingZeros().toPlainString();
      case TRUE -> "true";
      case FALSE -> "false";
      case NULL -> null;
      case ARRAY -> {
        List<Map<String, Object>> list = new ArrayList<>();
        for (JsonValue item : (JsonArray) json) {
          if (item.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new ConfigException(name, source, "must be a list of objects");
          }
          Map<String, Object> map = new LinkedHashMap<>();
          item.asJsonObject().forEach((k, v) -> map.put(k, fromJson(name, v, source)));
          list.add(map);
        }
        yield list;
      }
      case OBJECT -> throw new ConfigException(name, source, "must not be an object");
    };
  }

  private static Map<Key, Value> yaml(Path file, List<String> warnings) {
    Config config =
        Config.builder()
            .disableEnvironmentVariablesSource()
            .disableSystemPropertiesSource()
            .addSource(ConfigSources.file(file).optional(true))
            .addSource(ConfigSources.classpath("application.yaml").optional(true))
            .build()
            .get("proxy");
    Map<Key, Value> values = new LinkedHashMap<>();
    if (!config.exists()) {
      return values;
    }
    String source = "application.yaml proxy";
    for (Config node : config.asNodeList().orElse(List.of())) {
      String name = node.name();
      Optional<Key> key = Key.fromKey(name);
      if (key.isEmpty()) {
        warnings.add("unknown key 'proxy." + name + "' in application.yaml ignored");
        continue;
      }
      if (key.get() == Key.ROUTES) {
        List<Map<String, Object>> routes = new ArrayList<>();
        for (Config route : node.asNodeList().orElse(List.of())) {
          Map<String, Object> map = new LinkedHashMap<>();
          route
              .asMap()
              .orElse(Map.of())
              .forEach((k, v) -> map.put(k.substring(k.lastIndexOf('.') + 1), v));
          routes.add(map);
        }
        values.put(Key.ROUTES, new Value(routes, source + ".routes"));
      } else {
        node.asString().ifPresent(s -> values.put(key.get(), new Value(s, source + "." + name)));
      }
    }
    return values;
  }

  /** {@code /api=http://api:8080} or {@code /api=http://api:8080;strip}. */
  private static Map<String, Object> routeSpec(String spec, String source) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException(
          "routes", source, "route '" + spec + "' must look like /prefix=http://host:port[;strip]");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("prefix", spec.substring(0, eq));
    String rest = spec.substring(eq + 1);
    boolean strip = rest.endsWith(";strip");
    map.put("upstream", strip ? rest.substring(0, rest.length() - ";strip".length()) : rest);
    map.put("strip_prefix", Boolean.toString(strip));
    return map;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** Typed access to the merged values; every failure names key and source. */
  private record Values(Map<Key, Value> values) {

    ConfigException error(Key key, String problem) {
      Value v = values.get(key);
      return new ConfigException(key.key(), v == null ? "default" : v.source(), problem);
    }

    boolean isDefault(Key key) {
      Value v = values.get(key);
      return v == null || "default".equals(v.source());
    }

    Optional<String> optional(Key key) {
      Value v = values.get(key);
      if (v == null || v.raw() == null) {
        return Optional.empty();
      }
      String s = v.raw().toString().trim();
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    String string(Key key) {
      Value v = values.get(key);
      return v == null || v.raw() == null ? "" : v.raw().toString().trim();
    }

    int integer(Key key, int min, int max) {
      String s = string(key);
      long n;
      try {
        n = Long.parseLong(s.endsWith(".0") ? s.substring(0, s.length() - 2) : s);
      } catch (NumberFormatException e) {
        throw error(key, "must be a whole number, got '" + s + "'");
      }
      if (n < min || n > max) {
        throw error(key, "must be between " + min + " and " + max + ", got " + n);
      }
      return (int) n;
    }

    boolean bool(Key key) {
      String s = string(key).toLowerCase(Locale.ROOT);
      return switch (s) {
        case "true", "yes", "1", "on" -> true;
        case "false", "no", "0", "off", "" -> false;
        default -> throw error(key, "must be true or false, got '" + s + "'");
      };
    }

    /**
     * Seconds as the seed wrote them ({@code 30}, {@code 2.5}), or {@code 500ms}, {@code 2m},
     * {@code PT30S}.
     */
    Duration duration(Key key, boolean positive) {
      String s = string(key);
      Duration d;
      try {
        d = parseDuration(s);
      } catch (NumberFormatException | DateTimeParseException e) {
        throw error(
            key,
            "must be seconds (e.g. 30 or 2.5) or a duration like 500ms, 2m, PT30S; got '"
                + s
                + "'");
      }
      if (d.isNegative() || (positive && d.isZero())) {
        throw error(
            key,
            "must be " + (positive ? "greater than zero" : "zero or more") + ", got '" + s + "'");
      }
      return d;
    }

    /** A comma-separated list of CIDRs ({@code 10.0.0.0/8, ::1}); empty when unset. */
    List<Cidr> cidrs(Key key) {
      List<Cidr> result = new ArrayList<>();
      for (String part : string(key).split(",")) {
        if (!part.isBlank()) {
          try {
            result.add(Cidr.parse(part.strip()));
          } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
          }
        }
      }
      return result;
    }

    /** Megabytes as the seed wrote them ({@code 500}), or {@code 512MB}, {@code 1GB}. */
    long megabytes(Key key) {
      long bytes = bytesOf(key, 1024 * 1024);
      if (bytes <= 0) {
        throw error(key, "must be greater than zero, got '" + string(key) + "'");
      }
      return bytes / (1024 * 1024);
    }

    /** Bytes ({@code 1048576}) or a size with a unit ({@code 10MB}, {@code 512k}). */
    long bytes(Key key) {
      return bytesOf(key, 1);
    }

    private long bytesOf(Key key, long defaultUnit) {
      String s = string(key).toLowerCase(Locale.ROOT).replace(" ", "");
      String digits = s.replaceAll("[a-z]+$", "");
      String unit = s.substring(digits.length());
      long multiplier =
          switch (unit) {
            case "" -> defaultUnit;
            case "b" -> 1;
            case "k", "kb", "kib" -> 1024;
            case "m", "mb", "mib" -> 1024 * 1024;
            case "g", "gb", "gib" -> 1024L * 1024 * 1024;
            default -> throw error(key, "unknown size unit '" + unit + "' (use B, KB, MB or GB)");
          };
      double n;
      try {
        n = Double.parseDouble(digits);
      } catch (NumberFormatException e) {
        throw error(key, "must be a size such as 500 or 512MB, got '" + string(key) + "'");
      }
      if (n < 0) {
        throw error(key, "must not be negative, got '" + string(key) + "'");
      }
      return (long) (n * multiplier);
    }

    URI url(Key key, String s) {
      return parseUrl(s)
          .orElseThrow(
              () -> error(key, "must be an http:// or https:// URL with a host, got '" + s + "'"));
    }

    List<Route> routes() {
      Value v = values.get(Key.ROUTES);
      if (v == null || v.raw() == null) {
        return List.of();
      }
      if (!(v.raw() instanceof List<?> list)) {
        throw error(Key.ROUTES, "must be a list of {prefix, upstream, strip_prefix}");
      }
      List<Route> routes = new ArrayList<>();
      for (Object item : list) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) item;
        Object prefix = map.get("prefix");
        Object upstream = map.get("upstream");
        if (prefix == null || !prefix.toString().startsWith("/")) {
          throw error(
              Key.ROUTES, "each route needs a prefix starting with '/', got '" + prefix + "'");
        }
        if (upstream == null) {
          throw error(Key.ROUTES, "route '" + prefix + "' needs an upstream URL");
        }
        URI uri =
            parseUrl(upstream.toString())
                .orElseThrow(
                    () ->
                        error(
                            Key.ROUTES,
                            "route '"
                                + prefix
                                + "' upstream must be an http:// or https:// URL with a host, got '"
                                + upstream
                                + "'"));
        Object strip = map.getOrDefault("strip_prefix", "false");
        routes.add(new Route(prefix.toString(), uri, Boolean.parseBoolean(String.valueOf(strip))));
      }
      return routes;
    }
  }

  static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("pt") || t.startsWith("p")) {
      return Duration.parse(s.trim().toUpperCase(Locale.ROOT));
    }
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return millis(Double.parseDouble(t.substring(0, t.length() - 1)));
    }
    if (t.endsWith("m")) {
      return millis(Double.parseDouble(t.substring(0, t.length() - 1)) * 60);
    }
    if (t.endsWith("h")) {
      return millis(Double.parseDouble(t.substring(0, t.length() - 1)) * 3600);
    }
    return millis(Double.parseDouble(t));
  }

  private static Duration millis(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      throw new NumberFormatException("not a number");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  static Optional<URI> parseUrl(String s) {
    try {
      URI uri = new URI(s.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        return Optional.empty();
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }
}
