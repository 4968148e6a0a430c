package io.steadyproxy.config;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The seed's {@code proxy_config.json} as settings: found through {@code --config}, {@code
 * PROXY_CONFIG} or the working directory, read as one JSON object whose keys are {@link Key}s.
 * Numbers keep the digits written ({@code 2.50} reads as {@code 2.5}); unknown keys are warnings.
 */
final class JsonFile {
  /** The seed's config file name, looked for in the working directory. */
  static final String DEFAULT_NAME = "proxy_config.json";

  private JsonFile() {}

  /**
   * The file to read: named by the flag, else by {@code PROXY_CONFIG}, else {@code
   * proxy_config.json} in {@code workDir} if it is there. A named file must exist.
   */
  static Optional<Path> locate(Optional<String> flag, String fromEnv, Path workDir) {
    if (flag.isPresent()) {
      return Optional.of(existing(Path.of(flag.get()), "flag --config"));
    }
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Optional.of(existing(Path.of(fromEnv), "env PROXY_CONFIG"));
    }
    Path implicit = workDir.resolve(DEFAULT_NAME);
    return Files.isRegularFile(implicit) ? Optional.of(implicit) : Optional.empty();
  }

  private static Path existing(Path path, String source) {
    if (!Files.isRegularFile(path)) {
      throw new ConfigException(
          "config", source, "file " + path + " does not exist or is not a regular file");
    }
    return path;
  }

  static Map<Key, RawValue> read(Path path, List<String> warnings) {
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
    Map<Key, RawValue> values = new LinkedHashMap<>();
    root.forEach(
        (name, json) -> {
          Optional<Key> key = Key.fromKey(name);
          if (key.isEmpty()) {
            warnings.add("unknown key '" + name + "' in " + source + " ignored");
            return;
          }
          values.put(key.get(), new RawValue(plain(name, json, source), source));
        });
    return values;
  }

  /** A JSON value as the other sources give it: strings, or a list of maps for routes. */
  private static Object plain(String name, JsonValue json, String source) {
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
          item.asJsonObject().forEach((k, v) -> map.put(k, plain(name, v, source)));
          list.add(map);
        }
        yield list;
      }
      case OBJECT -> throw new ConfigException(name, source, "must not be an object");
    };
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
