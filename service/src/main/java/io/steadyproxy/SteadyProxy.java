package io.steadyproxy;

import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLSocketFactory;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;

import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.config.Route;
import io.steadyproxy.demo.DemoUpstream;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.proxy.ErrorResponses;
import io.steadyproxy.proxy.ExchangeRecord;
import io.steadyproxy.proxy.PoolStats;
import io.steadyproxy.proxy.ProxyHandler;
import io.steadyproxy.proxy.Routes;
import io.steadyproxy.proxy.UpstreamException;
import io.steadyproxy.proxy.UpstreamPool;

/**
 * One running SteadyProxy: the web server, the shared upstream pool and, when no upstream is
 * configured, the demo upstream. {@link Main} starts one for the process; tests start as many as
 * they like on free ports.
 */
public final class SteadyProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SteadyProxy.class.getName());

    private final WebServer server;
    private final UpstreamPool pool;
    private final Optional<DemoUpstream> demo;

    private SteadyProxy(WebServer server, UpstreamPool pool, Optional<DemoUpstream> demo) {
        this.server = server;
        this.pool = pool;
        this.demo = demo;
    }

    /**
     * Starts a proxy.
     *
     * @param settings the settings, read once by {@link io.steadyproxy.config.ConfigLoader}
     * @param memory   where memory readings come from ({@link MemoryReader#system()} in production)
     * @return the running proxy
     */
    public static SteadyProxy start(ProxySettings settings, MemoryReader memory) {
        Optional<DemoUpstream> demo = Optional.empty();
        ProxySettings effective = settings;
        if (settings.routes().isEmpty()) {
            DemoUpstream upstream = DemoUpstream.start();
            demo = Optional.of(upstream);
            List<Route> routes = new java.util.ArrayList<>(settings.routes());
            routes.add(new Route(Route.DEFAULT_PREFIX, upstream.url(), false));
            effective = settings.withRoutes(routes);
            LOG.log(System.Logger.Level.INFO, "No upstream_url configured: serving the built-in demo upstream at "
                    + upstream.url() + " (set PROXY_UPSTREAM_URL or --upstream to proxy your service)");
        }
        UpstreamPool pool = new UpstreamPool(limits(effective), InstantSource.system(),
                                             (SSLSocketFactory) SSLSocketFactory.getDefault());
        ProxyHandler proxy = new ProxyHandler(new Routes(effective.routes()), pool, effective.preserveHost(),
                                              () -> false, ExchangeRecord.Observer.NONE);

        WebServerConfig.Builder builder = WebServer.builder()
                .host(effective.host())
                .port(effective.port())
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownGracePeriod(effective.shutdownGracePeriod())
                .shutdownHook(false)
                .routing(r -> routing(r, proxy));
        if (effective.maxRequestBodyBytes() > 0) {
            builder.maxPayloadSize(effective.maxRequestBodyBytes());
        }
        WebServer server = builder.build().start();
        return new SteadyProxy(server, pool, demo);
    }

    static void routing(HttpRouting.Builder routing, ProxyHandler proxy) {
        routing.error(UpstreamException.class, (req, res, e) -> ErrorResponses.send(res, e))
                .any(proxy);
    }

    static UpstreamPool.Limits limits(ProxySettings s) {
        return new UpstreamPool.Limits(s.maxConnections(), s.maxKeepaliveConnections(), s.keepaliveExpiry(),
                                       s.poolTimeout(), s.connectTimeout(), s.readTimeout(), s.writeTimeout());
    }

    /** The port the proxy listens on. */
    public int port() {
        return server.port();
    }

    /** The admin port, or the proxy port when admin routes share it. */
    public int adminPort() {
        int admin = server.port("admin");
        return admin > 0 ? admin : server.port();
    }

    /** The proxy's base URL on loopback. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** The upstream pool's counts. */
    public PoolStats pool() {
        return pool.stats();
    }

    /** The demo upstream's URL, when it runs. */
    public Optional<URI> demoUrl() {
        return demo.map(DemoUpstream::url);
    }

    /** Stops accepting, lets in-flight requests finish within the grace period, then closes the pool. */
    @Override
    public void close() {
        server.stop();
        pool.close();
        demo.ifPresent(DemoUpstream::close);
    }
}
