package io.steadyproxy;

import io.helidon.logging.common.LogConfig;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.config.ConfigLoader;
import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.observe.MemoryReader;

/**
 * Starts SteadyProxy: read the settings once, start the proxy, stop it gracefully on SIGTERM.
 * Bad settings end the process with exit code 2 and one line naming the key and its source.
 */
public final class Main {
    private Main() {
    }

    /**
     * @param args flags such as {@code --host 0.0.0.0 --port 8000 --upstream http://backend:8080}
     */
    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(Usage.text());
            return;
        }
        LogConfig.configureRuntime();
        ProxySettings settings;
        try {
            settings = ConfigLoader.load(args, System.getenv());
        } catch (ConfigException e) {
            System.err.println("steadyproxy: " + e.getMessage());
            System.exit(2);
            return;
        }
        SteadyProxy proxy = SteadyProxy.start(settings, MemoryReader.system());
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "steadyproxy-shutdown"));
        System.out.println("SteadyProxy listening on http://" + settings.host() + ":" + proxy.port());
    }
}
