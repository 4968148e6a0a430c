package io.steadyproxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link ProxySettings} in three steps: the sources, highest priority first (command-line
 * flags, {@code PROXY_*} environment variables, a {@code proxy_config.json} file in the seed's
 * format, the {@code proxy} section of {@code application.yaml}); then the merged raw values with
 * the seed's defaults under them ({@link RawValues}); then the typed, grouped settings.
 *
 * <p>Every value remembers its source, so a bad one fails with a single line that names the key,
 * the source and the problem ({@link ConfigException}). Unknown keys are reported as warnings.
 */
public final class ConfigLoader {
  /** The seed's config file name, looked for in the working directory. */
  public static final String DEFAULT_CONFIG_FILE = JsonFile.DEFAULT_NAME;

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

  /**
   * Settings plus what was met while reading them.
   *
   * @param settings the settings
   * @param warnings mistakes that were ignored (unknown keys), to log as warnings
   * @param notices choices made for the user (the default log file is not writable here), to log as
   *     information
   */
  public record Result(ProxySettings settings, List<String> warnings, List<String> notices) {}

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
    CommandLine flags = CommandLine.parse(args);
    Map<Key, RawValue> environment = Environment.read(env, warnings);
    Optional<Path> configFile =
        JsonFile.locate(flags.configFile(), env.get("PROXY_CONFIG"), workDir);
    Map<Key, RawValue> file = configFile.map(p -> JsonFile.read(p, warnings)).orElse(Map.of());
    Map<Key, RawValue> yaml = YamlFile.read(workDir.resolve("application.yaml"), warnings);

    RawValues merged = RawValues.merge(List.of(flags.values(), environment, file, yaml));
    List<String> notices = new ArrayList<>();
    ProxySettings settings =
        ProxySettings.read(new TypedValues(merged), configFile, workDir, notices);
    return new Result(settings, List.copyOf(warnings), List.copyOf(notices));
  }
}
