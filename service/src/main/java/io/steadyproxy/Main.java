package io.steadyproxy;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.ConnectionCapacity;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.ProxyLog;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts SteadyProxy: read the settings once, set up the log, start the proxy, stop it gracefully
 * on SIGTERM. Bad settings end the process with exit code 2 and one line naming the key and its
 * source.
 */
public final class Main {
  private Main() {}

  /**
   * @param args flags such as {@code --host 0.0.0.0 --port 8000 --upstream http://backend:8080}
   */
  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.print(Usage.text());
      return;
    }
    ConfigLoader.Inputs inputs =
        new ConfigLoader.Inputs(List.of(args), System.getenv(), Path.of(""));
    ProxySettings settings;
    ProxyLog log;
    SteadyProxy proxy;
    try {
      ConfigLoader.Result result = inputs.read();
      settings = result.settings();
      log =
          ProxyLog.install(
              settings.logging().file(),
              settings.logging().maxBytes(),
              settings.logging().maxFiles(),
              settings.logging().level());
      result
          .warnings()
          .forEach(w -> System.getLogger("steadyproxy.config").log(System.Logger.Level.WARNING, w));
      // the sizing rule: refuse a heap that cannot hold the proxy itself and one connection
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
      proxy = SteadyProxy.start(settings, inputs, MemoryReader.system()); // reads the CA file
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
            "SteadyProxy listening on http://"
                + settings.server().host()
                + ":"
                + proxy.port()
                + " (admin and health on port "
                + proxy.adminPort()
                + ")");
  }
}
