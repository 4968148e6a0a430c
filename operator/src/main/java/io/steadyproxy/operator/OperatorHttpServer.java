package io.steadyproxy.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.steadyproxy.operator.metrics.OperatorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The operator's own endpoints, for the kubelet and Prometheus:
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 while every informer runs, 503 once one stopped (restart me);
 *   <li>{@code GET /readyz}: 200 once the caches are synced (or while standing by as a non-leader),
 *       503 before;
 *   <li>{@code GET /metrics}: Prometheus text.
 * </ul>
 *
 * The JDK's built-in server is plenty for three tiny endpoints scraped every few seconds.
 */
public final class OperatorHttpServer implements AutoCloseable {

  private final HttpServer server;

  /**
   * Binds the server; {@link #start()} serves.
   *
   * @param host the address to bind
   * @param port the port; 0 for any free port
   */
  public OperatorHttpServer(
      String host, int port, BooleanSupplier live, BooleanSupplier ready, OperatorMetrics metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/healthz", exchange -> probe(exchange, live));
    server.createContext("/readyz", exchange -> probe(exchange, ready));
    server.createContext(
        "/metrics",
        exchange ->
            respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  /** Starts serving. */
  public void start() {
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean up = check.getAsBoolean();
    respond(exchange, up ? 200 : 503, "text/plain; charset=utf-8", up ? "ok\n" : "down\n");
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
