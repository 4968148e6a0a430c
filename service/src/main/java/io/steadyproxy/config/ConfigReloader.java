package io.steadyproxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the config file and applies changes without a restart. The file is compared by content,
 * not by timestamp, because a mounted ConfigMap changes by swapping a symlink. A file that no
 * longer reads as valid settings is rejected with the same one-line message a start would give, and
 * the running settings stay. Settings that need a new socket or log file are reported as needing a
 * restart; everything else (routes, timeouts, pool sizes, thresholds) applies to new requests.
 */
public final class ConfigReloader implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("steadyproxy.config");

  private final Path file;
  private final ConfigLoader.Inputs inputs;
  private final Consumer<ProxySettings> apply;
  private final ScheduledExecutorService poller;
  private ProxySettings current;
  private byte[] lastContent;

  /**
   * @param inputs flags, environment and working directory the settings were first read from
   * @param current the running settings (they name the file)
   * @param apply receives new valid settings; it throws {@link ConfigException}, having changed
   *     nothing, when they cannot be applied
   */
  public ConfigReloader(
      ConfigLoader.Inputs inputs, ProxySettings current, Consumer<ProxySettings> apply) {
    this.inputs = inputs;
    this.current = current;
    this.apply = apply;
    this.file =
        current
            .configFile()
            .orElseThrow(() -> new IllegalArgumentException("no config file to watch"));
    this.lastContent = read(file);
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("config-reloader").daemon().factory());
  }

  /** Polls the file every {@code period}. */
  public void start(Duration period) {
    long ms = period.toMillis();
    poller.scheduleWithFixedDelay(
        () -> {
          try {
            poll();
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "config reload failed: " + e.getMessage());
          }
        },
        ms,
        ms,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Checks the file once; applies it if it changed and is valid.
   *
   * @return true if new settings were applied
   */
  public synchronized boolean poll() {
    byte[] content = read(file);
    if (Arrays.equals(content, lastContent)) {
      return false;
    }
    lastContent = content;
    ProxySettings next;
    try {
      next = inputs.read().settings();
      apply.accept(next); // builds what can still fail (the upstream CA file) before it swaps
    } catch (ConfigException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "config reload rejected, keeping the running settings: " + e.getMessage());
      return false;
    }
    List<String> restart = needRestart(current, next);
    if (!restart.isEmpty()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "config change to " + String.join(", ", restart) + " takes effect after a restart");
    }
    current = next;
    LOG.log(System.Logger.Level.INFO, "config reloaded from " + file);
    return true;
  }

  /**
   * Keys whose change the running process cannot apply: every setting that is not {@link
   * Key#live()} and differs, plus switching the demo upstream on or off.
   */
  static List<String> needRestart(ProxySettings a, ProxySettings b) {
    List<String> keys = new ArrayList<>();
    for (Key key : Key.values()) {
      if (!key.live() && !Objects.equals(a.valueOf(key), b.valueOf(key))) {
        keys.add(key.key());
      }
    }
    if (a.routing().upstreamUrl().isEmpty() != b.routing().upstreamUrl().isEmpty()) {
      keys.add("upstream_url (switching the demo upstream on or off)");
    }
    return keys;
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return new byte[0]; // a file mid-swap reads as missing; the next poll sees the new one
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
