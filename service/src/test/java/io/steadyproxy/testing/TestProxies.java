package io.steadyproxy.testing;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.MemoryReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts real proxies on free loopback ports, configured exactly as the command line would. */
public final class TestProxies {
  private TestProxies() {}

  /** Settings from flags alone (no environment, no config file), on 127.0.0.1 and a free port. */
  public static ProxySettings settings(String... flags) {
    List<String> args =
        new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--log-file", ""));
    args.addAll(List.of(flags));
    return ConfigLoader.read(args.toArray(String[]::new), Map.of(), Path.of("target")).settings();
  }

  /** A proxy with the given flags and the real memory reader. */
  public static SteadyProxy start(String... flags) {
    return SteadyProxy.start(settings(flags), MemoryReader.system());
  }
}
