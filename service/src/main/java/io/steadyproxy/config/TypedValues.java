package io.steadyproxy.config;

import io.steadyproxy.routing.Cidr;
import io.steadyproxy.routing.Protocol;
import io.steadyproxy.routing.Route;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The merged raw values read as types: whole numbers in a range, booleans, durations, sizes, URLs,
 * CIDRs and routes, in the formats the seed wrote and a few more. Every failure is a {@link
 * ConfigException} naming the key and the source of its value.
 */
final class TypedValues {
  private final RawValues raw;

  TypedValues(RawValues raw) {
    this.raw = raw;
  }

  /** The one-line error for a value of {@code key}, naming where it came from. */
  ConfigException error(Key key, String problem) {
    return new ConfigException(key.key(), raw.source(key), problem);
  }

  /** Whether no source set the key (its value is the default). */
  boolean isDefault(Key key) {
    return raw.isDefault(key);
  }

  /** Where each key's value came from. */
  Map<Key, String> sources() {
    return raw.sources();
  }

  /** The trimmed value; empty when unset or blank. */
  Optional<String> optional(Key key) {
    return raw.raw(key).map(v -> v.toString().trim()).filter(s -> !s.isEmpty());
  }

  /** The trimmed value; {@code ""} when unset. */
  String string(Key key) {
    return raw.raw(key).map(v -> v.toString().trim()).orElse("");
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
   * Seconds as the seed wrote them ({@code 30}, {@code 2.5}), or {@code 500ms}, {@code 2m}, {@code
   * PT30S}.
   */
  Duration duration(Key key, boolean positive) {
    String s = string(key);
    Duration d;
    try {
      d = parseDuration(s);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw error(
          key,
          "must be seconds (e.g. 30 or 2.5) or a duration like 500ms, 2m, PT30S; got '" + s + "'");
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

  /** An http or https URL with a host; empty when unset. */
  Optional<URI> url(Key key) {
    return optional(key)
        .map(
            s ->
                parseUrl(s)
                    .orElseThrow(
                        () ->
                            error(
                                key,
                                "must be an http:// or https:// URL with a host, got '"
                                    + s
                                    + "'")));
  }

  /** A file path; empty when unset or blank. */
  Optional<Path> path(Key key) {
    return optional(key).map(Path::of);
  }

  /** The {@code routes} list, in the order written; each needs a prefix and an upstream URL. */
  List<Route> routes() {
    Optional<Object> value = raw.raw(Key.ROUTES);
    if (value.isEmpty()) {
      return List.of();
    }
    if (!(value.get() instanceof List<?> list)) {
      throw error(Key.ROUTES, "must be a list of {prefix, upstream, strip_prefix, protocol}");
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
      Object protocolName = map.get("protocol");
      Protocol protocol =
          protocolName == null
              ? Protocol.HTTP1
              : Protocol.parse(protocolName.toString())
                  .orElseThrow(
                      () ->
                          error(
                              Key.ROUTES,
                              "route '"
                                  + prefix
                                  + "' protocol must be http1, h2c or grpc, got '"
                                  + protocolName
                                  + "'"));
      routes.add(
          new Route(prefix.toString(), uri, Boolean.parseBoolean(String.valueOf(strip)), protocol));
    }
    return routes;
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
