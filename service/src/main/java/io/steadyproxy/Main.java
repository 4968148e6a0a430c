package io.steadyproxy;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.ConnectionCapacity;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.ProxyLog;
import java.nio.file.Path;

/**
 * Starts SteadyProxy: read the settings once, set up the log, start the proxy, stop it gracefully
 * on SIGTERM. Bad settings end the process with exit code 2 and one line naming the key and its
 * source. {@code --help}, {@code --version} and {@code --check} (validate the settings from every
 * source, then exit 0 or 2) work anywhere on the command line.
 */
public final class Main {
  private Main() {}

  /**
   * @param args flags such as {@code --host 0.0.0.0 --port 8000 --upstream http://backend:8080}
   */
  public static void main(String[] args) {
    Carriers.atLeastTwo();
    CommandLine command = CommandLine.parse(args);
    switch (command.mode()) {
      case HELP -> {
        System.out.print(Usage.text());
        return;
      }
      case VERSION -> {
        System.out.println(Version.line());
        return;
      }
      case RUN, CHECK -> {}
    }
    ConfigLoader.Inputs inputs =
        new ConfigLoader.Inputs(command.settings(), System.getenv(), Path.of(""));
    ConfigLoader.Result result;
    ProxyLog log;
    SteadyProxy proxy;
    try {
      result = inputs.read();
      checkHeap(result.settings());
      if (command.mode() == CommandLine.Mode.CHECK) {
        SteadyProxy.checkFiles(result.settings());
        result.warnings().forEach(w -> System.err.println("steadyproxy: warning: " + w));
        result.notices().forEach(n -> System.out.println("steadyproxy: " + n));
        System.out.print(CheckReport.text(result.settings()));
        return;
      }
      ProxySettings s = result.settings();
      log =
          ProxyLog.install(
              s.logging().file(),
              s.logging().maxBytes(),
              s.logging().maxFiles(),
              s.logging().level(),
              s.logging().format());
      System.Logger config = System.getLogger("steadyproxy.config");
      result.warnings().forEach(w -> config.log(System.Logger.Level.WARNING, w));
      result.notices().forEach(n -> config.log(System.Logger.Level.INFO, n));
      proxy = SteadyProxy.start(s, inputs, MemoryReader.system()); // reads the CA file
    } catch (ConfigException e) {
      System.err.println("steadyproxy: " + e.getMessage());
      System.exit(2);
      return;
    }
    Thread shutdown =
        new Thread(
            () -> {
              proxy.close();
              log.close();
            },
            "steadyproxy-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(shutdown);
    } catch (IllegalStateException signalledWhileStarting) {
      shutdown.run(); // SIGTERM arrived during start-up: stop just as gracefully
      return;
    }
    System.getLogger("steadyproxy")
        .log(
            System.Logger.Level.INFO,
            "SteadyProxy "
                + Version.current()
                + " listening on http://"
                + result.settings().server().host()
                + ":"
                + proxy.port()
                + " (admin and health on port "
                + proxy.adminPort()
                + ")");
  }

  /** The sizing rule: refuse a heap that cannot hold the proxy itself and one connection. */
  private static void checkHeap(ProxySettings settings) {
    long heap = Runtime.getRuntime().maxMemory();
    if (new ConnectionCapacity(
            heap, settings.memory().maxHeapPercent(), settings.pool().maxConnections())
        .impossible()) {
      throw new ConfigException(
          "max_client_connections",
          "the JVM heap limit (" + heap / (1024 * 1024) + " MiB)",
          "this heap cannot hold the proxy's own "
              + ConnectionCapacity.BASE_BYTES / (1024 * 1024)
              + " MiB and one client connection under the admission mark (sizing rule in"
              + " operations.md); raise -Xmx in PROXY_JAVA_OPTS");
    }
  }
}
