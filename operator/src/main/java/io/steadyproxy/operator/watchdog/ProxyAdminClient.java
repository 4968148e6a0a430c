package io.steadyproxy.operator.watchdog;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Talks to one proxy pod's admin port: {@code GET /health} and {@code POST /admin/cleanup}.
 * Timeouts are short, because a pod that can't answer in seconds is counted as unreachable rather
 * than holding up the round for its siblings.
 */
public final class ProxyAdminClient {

  /** A pod that didn't answer, or answered something we can't read. */
  public static final class UnreachableException extends Exception {
    private final int status;

    public UnreachableException(String message, Throwable cause) {
      this(message, cause, 0);
    }

    public UnreachableException(String message, Throwable cause, int status) {
      super(message, cause);
      this.status = status;
    }

    /** The HTTP status the proxy answered with, or 0 when it gave no HTTP answer. */
    public int status() {
      return status;
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;
  private final Duration requestTimeout;

  /**
   * @param connectTimeout how long to wait for a TCP connection
   * @param requestTimeout how long to wait for a whole response; cleanups get twice as long, since
   *     a full GC takes time
   */
  public ProxyAdminClient(Duration connectTimeout, Duration requestTimeout) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .proxy(java.net.ProxySelector.of(null))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.requestTimeout = requestTimeout;
  }

  /** Two seconds to connect, three to answer a health check. */
  public static ProxyAdminClient withDefaultTimeouts() {
    return new ProxyAdminClient(Duration.ofSeconds(2), Duration.ofSeconds(3));
  }

  /** Reads {@code GET /health}. */
  public MemoryReading health(URI adminBase) throws UnreachableException {
    HttpRequest request =
        HttpRequest.newBuilder(adminBase.resolve("/health"))
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    JsonNode body = send(request, "GET /health");
    JsonNode memory = body.get("memory_usage_mb");
    if (memory == null || !memory.isNumber()) {
      throw new UnreachableException(
          "GET /health at " + adminBase + " has no numeric memory_usage_mb", null);
    }
    return new MemoryReading(body.path("status").asString("unknown"), memory.doubleValue());
  }

  /**
   * Calls {@code POST /admin/cleanup}, with {@code Authorization: Bearer <token>} when there is one
   * (the proxy refuses non-loopback callers without one).
   */
  public CleanupResult cleanup(URI adminBase, Optional<String> token) throws UnreachableException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(adminBase.resolve("/admin/cleanup"))
            .timeout(requestTimeout.multipliedBy(2))
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody());
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    JsonNode body = send(request.build(), "POST /admin/cleanup");
    return new CleanupResult(
        body.path("before_mb").asDouble(Double.NaN), body.path("after_mb").asDouble(Double.NaN));
  }

  private JsonNode send(HttpRequest request, String what) throws UnreachableException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UnreachableException(what + " at " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException(what + " interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw new UnreachableException(
          what + " at " + request.uri() + " answered " + response.statusCode(),
          null,
          response.statusCode());
    }
    try {
      return JSON.readTree(response.body());
    } catch (JacksonException e) {
      throw new UnreachableException(what + " at " + request.uri() + " answered invalid JSON", e);
    }
  }
}
