package io.steadyproxy.operator.watchdog;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A proxy pod's admin port on 127.0.0.1, answering like the service: {@code GET /health} with
 * {@code status} and {@code memory_usage_mb}, and {@code POST /admin/cleanup} (Bearer token) with
 * {@code before_mb} and {@code after_mb}. Tests set its memory and read what it was asked.
 */
public final class FakeProxyAdmin implements AutoCloseable {

  private final HttpServer server;
  private final String token;
  private volatile double memoryMb;
  private volatile double afterCleanupMb;
  private volatile boolean shedding;

  /** The Authorization header of each cleanup call, "" when absent. */
  public final List<String> cleanupAuthorizations = new CopyOnWriteArrayList<>();

  public FakeProxyAdmin(String token, double memoryMb) throws IOException {
    this.token = token;
    this.memoryMb = memoryMb;
    this.afterCleanupMb = memoryMb;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext("/health", this::health);
    server.createContext("/admin/cleanup", this::cleanup);
    server.start();
  }

  public URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public void memory(double mb) {
    this.memoryMb = mb;
    this.afterCleanupMb = mb;
  }

  /** Whether {@code GET /health} says {@code shedding}, as the proxy does while it refuses load. */
  public void shedding(boolean shedding) {
    this.shedding = shedding;
  }

  /** What a cleanup brings the memory down to. */
  public void releasesTo(double mb) {
    this.afterCleanupMb = mb;
  }

  public int cleanups() {
    return cleanupAuthorizations.size();
  }

  private void health(HttpExchange exchange) throws IOException {
    respond(
        exchange,
        200,
        String.format(
            Locale.ROOT,
            "{\"status\":\"%s\",\"memory_usage_mb\":%.1f,\"heap_used_mb\":12.0}",
            shedding ? "shedding" : "ok",
            memoryMb));
  }

  private void cleanup(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      respond(exchange, 405, "{}");
      return;
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    cleanupAuthorizations.add(authorization == null ? "" : authorization);
    if (token != null && !("Bearer " + token).equals(authorization)) {
      respond(exchange, 401, "{\"error\":\"unauthorized\"}");
      return;
    }
    double before = memoryMb;
    memoryMb = afterCleanupMb;
    respond(
        exchange,
        200,
        String.format(Locale.ROOT, "{\"before_mb\":%.1f,\"after_mb\":%.1f}", before, memoryMb));
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
