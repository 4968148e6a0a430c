package io.steadyproxy.operator;

import io.steadyproxy.logging.LogFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The operator's settings, read once at start-up from flags and environment variables (a flag wins
 * over its variable). Every mistake is a {@link InvalidConfigException} with a one-line message;
 * {@link Main} prints it and exits with status 2.
 *
 * @param namespaces the watched namespaces; empty for all
 * @param leaderElection whether to elect a leader through a Lease before acting
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace; null for the client's namespace
 * @param identity this instance's name in the Lease
 * @param leaseDuration how long a leader's claim lasts without renewal
 * @param renewDeadline how long the leader keeps trying to renew before it gives up
 * @param retryPeriod how often candidates try to acquire, and the leader renews
 * @param httpHost the address of the health and metrics server
 * @param httpPort its port; 0 for any free port
 * @param workers ProxyConfigs reconciled in parallel
 * @param resync how often every ProxyConfig is reconciled without an event
 * @param proxyImage the proxy image of ProxyConfigs that leave {@code spec.image} unset
 * @param logFormat the layout of the operator's log lines
 * @param watchdogMaxRestarts pod restarts the watchdog may make across all ProxyConfigs per {@code
 *     watchdogRestartWindow}; 0 for none
 * @param watchdogRestartWindow the sliding window of that budget
 */
public record OperatorConfig(
    List<String> namespaces,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    String identity,
    Duration leaseDuration,
    Duration renewDeadline,
    Duration retryPeriod,
    String httpHost,
    int httpPort,
    int workers,
    Duration resync,
    String proxyImage,
    LogFormat logFormat,
    int watchdogMaxRestarts,
    Duration watchdogRestartWindow) {

  /**
   * This operator's version ({@code project.version}, from a resource Maven filters at build time);
   * null when the classes run without that resource, e.g. compiled by an IDE alone.
   */
  public static final String VERSION = readVersion();

  /**
   * The proxy image when {@code --proxy-image} is absent: {@code steadyproxy/proxy:<VERSION>}.
   *
   * <p>Why this and not a registry path: the chart always passes {@code --proxy-image} (built from
   * its {@code proxyImage.*} values, so a released chart names the image its release pushed to
   * GHCR), and the only runs without the flag are local ones ({@code java -jar}, tests, a
   * hand-written Deployment). Those use images from a local build, which Jib tags exactly like this
   * ({@code steadyproxy/proxy:${project.version}}): an operator built from the same checkout
   * defaults to the proxy built with it, and the tag follows the version, so it can't go stale as a
   * hard-coded constant would. Without a version (no filtered resource) the fallback is {@code
   * steadyproxy/proxy:latest}, which is at least an honest "whatever was built last".
   */
  public static final String DEFAULT_PROXY_IMAGE = defaultProxyImage(VERSION);

  /**
   * An image reference as the container runtimes parse it (the grammar of
   * github.com/distribution/reference): {@code [host[:port]/]path[:tag][@algorithm:hex]}.
   */
  private static final Pattern IMAGE_REFERENCE =
      Pattern.compile(
          "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
              + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
              + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
              + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
              + "(?::\\w[\\w.-]{0,127})?"
              + "(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?");

  /** A configuration mistake; its message is one line for the operator's user. */
  public static final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String message) {
      super(message);
    }
  }

  /**
   * One setting: its flag (without {@code --}), its environment variable, its default as shown by
   * {@code --help}, and what it does.
   */
  record Setting(String flag, String env, String defaultValue, String description) {}

  /** Every setting, in {@code --help} order. */
  static final List<Setting> SETTINGS =
      List.of(
          new Setting(
              "namespaces",
              "WATCH_NAMESPACES",
              "*",
              "Namespaces to watch, comma-separated; * or empty for all."),
          new Setting(
              "leader-election",
              "LEADER_ELECTION",
              "true",
              "Elect a leader through a Lease before acting (run several replicas)."),
          new Setting("lease-name", "LEASE_NAME", "steadyproxy-operator", "The Lease's name."),
          new Setting(
              "lease-namespace",
              "LEASE_NAMESPACE",
              "-",
              "The Lease's namespace; unset: the client's namespace."),
          new Setting("identity", "POD_NAME", "$HOSTNAME", "This instance's name in the Lease."),
          new Setting(
              "lease-duration-seconds",
              "LEASE_DURATION_SECONDS",
              "15",
              "How long a leader's claim lasts without renewal (2-600)."),
          new Setting(
              "http-host", "HTTP_HOST", "0.0.0.0", "Address of the health and metrics server."),
          new Setting("http-port", "HTTP_PORT", "8080", "Its port; 0 for any free port."),
          new Setting("workers", "WORKERS", "2", "ProxyConfigs reconciled in parallel (1-64)."),
          new Setting(
              "resync-seconds",
              "RESYNC_SECONDS",
              "600",
              "How often every ProxyConfig is reconciled without an event; 0: never."),
          new Setting(
              "proxy-image",
              "PROXY_IMAGE",
              "steadyproxy/proxy:<version>",
              "Proxy image of ProxyConfigs that leave spec.image unset."),
          new Setting(
              "log-format",
              "LOG_FORMAT",
              "text",
              "Log lines: text (time level logger: message) or json (one object per line, the"
                  + " proxy's field names)."),
          new Setting(
              "watchdog-max-restarts",
              "WATCHDOG_MAX_RESTARTS",
              "1",
              "Pod restarts the watchdog may make across all ProxyConfigs per window; 0: none."),
          new Setting(
              "watchdog-restart-window-seconds",
              "WATCHDOG_RESTART_WINDOW_SECONDS",
              "60",
              "The sliding window of that restart budget, in seconds (1-86400)."));

  /** A value and where it came from ({@code flag --workers}, {@code env WORKERS}). */
  private record Value(String value, String source) {}

  /**
   * Reads the settings.
   *
   * @param args {@code --name=value} or {@code --name value}
   * @param env the environment
   */
  public static OperatorConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = flags(args);
    Map<String, Value> values = new LinkedHashMap<>();
    for (Setting setting : SETTINGS) {
      String flag = setting.flag();
      Value value =
          flags.containsKey(flag)
              ? new Value(flags.get(flag), "flag --" + flag)
              : new Value(env.get(setting.env()), "env " + setting.env());
      if (value.value() != null && !value.value().isBlank()) {
        values.put(flag, new Value(value.value().trim(), value.source()));
      }
    }
    List<String> namespaces = new ArrayList<>();
    String watched = string(values, "namespaces", "");
    if (!watched.isEmpty() && !watched.equals("*")) {
      for (String ns : watched.split(",")) {
        String name = ns.trim();
        if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
          throw invalid(
              values,
              "namespaces",
              "'" + name + "' is not a namespace name (comma-separated list, or * for all)");
        }
        namespaces.add(name);
      }
    }
    int leaseSeconds = integer(values, "lease-duration-seconds", 15, 2, 600);
    Duration lease = Duration.ofSeconds(leaseSeconds);
    return new OperatorConfig(
        List.copyOf(namespaces),
        bool(values, "leader-election", true),
        string(values, "lease-name", "steadyproxy-operator"),
        string(values, "lease-namespace", null),
        string(values, "identity", hostname(env)),
        lease,
        // client-go's proportions: renew well before the lease runs out, retry often.
        lease.multipliedBy(2).dividedBy(3),
        lease.dividedBy(7),
        string(values, "http-host", "0.0.0.0"),
        integer(values, "http-port", 8080, 0, 65535),
        integer(values, "workers", 2, 1, 64),
        Duration.ofSeconds(integer(values, "resync-seconds", 600, 0, 86400)),
        image(values, "proxy-image", DEFAULT_PROXY_IMAGE),
        logFormat(values, "log-format"),
        integer(values, "watchdog-max-restarts", 1, 0, 1000),
        Duration.ofSeconds(integer(values, "watchdog-restart-window-seconds", 60, 1, 86400)));
  }

  /** {@code steadyproxy/proxy:<version>}, or {@code :latest} without a (filtered) version. */
  static String defaultProxyImage(String version) {
    boolean known = version != null && !version.isBlank() && !version.contains("${");
    return "steadyproxy/proxy:" + (known ? version.trim() : "latest");
  }

  private static String readVersion() {
    try (InputStream in = OperatorConfig.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return null;
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version");
      return version == null || version.isBlank() || version.contains("${") ? null : version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new InvalidConfigException(
            "invalid setting '"
                + arg
                + "' from the command line: unexpected argument; flags look like --name=value");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        throw new InvalidConfigException(
            "invalid setting '" + name + "' from flag --" + name + ": needs a value");
      }
      String flag = name;
      if (SETTINGS.stream().noneMatch(s -> s.flag().equals(flag))) {
        throw new InvalidConfigException(
            "invalid setting '"
                + name
                + "' from the command line: unknown flag --"
                + name
                + " (see --help)");
      }
      flags.put(name, value);
    }
    return flags;
  }

  /**
   * The one-line error for a bad value: {@code invalid setting 'workers' from env WORKERS: ...}.
   */
  private static InvalidConfigException invalid(
      Map<String, Value> values, String flag, String problem) {
    return new InvalidConfigException(
        "invalid setting '" + flag + "' from " + values.get(flag).source() + ": " + problem);
  }

  private static String string(Map<String, Value> values, String flag, String fallback) {
    Value value = values.get(flag);
    return value == null ? fallback : value.value();
  }

  private static int integer(
      Map<String, Value> values, String flag, int fallback, int min, int max) {
    String value = string(values, flag, null);
    if (value == null) {
      return fallback;
    }
    int parsed;
    try {
      parsed = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw invalid(values, flag, "must be a whole number, got '" + value + "'");
    }
    if (parsed < min || parsed > max) {
      throw invalid(values, flag, "must be between " + min + " and " + max + ", got " + parsed);
    }
    return parsed;
  }

  private static String image(Map<String, Value> values, String flag, String fallback) {
    String value = string(values, flag, null);
    if (value == null) {
      return fallback;
    }
    if (!IMAGE_REFERENCE.matcher(value).matches()) {
      throw invalid(
          values,
          flag,
          "must be an image reference like registry.example.com/steadyproxy/proxy:1.2.3"
              + " (or @sha256:<digest>), got '"
              + value
              + "'");
    }
    return value;
  }

  private static boolean bool(Map<String, Value> values, String flag, boolean fallback) {
    String value = string(values, flag, null);
    if (value == null) {
      return fallback;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "on", "yes", "1" -> true;
      case "false", "off", "no", "0" -> false;
      default -> throw invalid(values, flag, "must be true or false, got '" + value + "'");
    };
  }

  private static LogFormat logFormat(Map<String, Value> values, String flag) {
    String value = string(values, flag, null);
    if (value == null) {
      return LogFormat.TEXT;
    }
    return LogFormat.fromKey(value)
        .orElseThrow(() -> invalid(values, flag, "must be text or json, got '" + value + "'"));
  }

  private static String hostname(Map<String, String> env) {
    String host = env.get("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "steadyproxy-operator-" + ProcessHandle.current().pid();
    }
  }

  @Override
  public String toString() {
    return "namespaces="
        + (namespaces.isEmpty() ? "*" : String.join(",", namespaces))
        + " leaderElection="
        + leaderElection
        + (leaderElection ? " lease=" + leaseNamespace + "/" + leaseName : "")
        + " identity="
        + identity
        + " http="
        + httpHost
        + ":"
        + httpPort
        + " workers="
        + workers
        + " resync="
        + resync.toSeconds()
        + "s proxyImage="
        + proxyImage
        + " logFormat="
        + logFormat.key()
        + " watchdogRestartBudget="
        + watchdogMaxRestarts
        + "/"
        + watchdogRestartWindow.toSeconds()
        + "s";
  }
}
