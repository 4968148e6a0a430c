package io.steadyproxy.demo;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.steadyproxy.proxy.ConnectionCloseFilter;
import io.steadyproxy.proxy.ErrorResponses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A small upstream on a loopback port that {@code make run} puts behind the proxy when no upstream
 * is configured, so {@code curl localhost:8000/...} works at once. Every endpoint exercises one
 * thing a proxy must get right:
 *
 * <ul>
 *   <li>{@code /} lists the endpoints;
 *   <li>{@code /echo} echoes the request body (any method), or describes the request on GET;
 *   <li>{@code /big?size=N} streams N bytes (default 100 MiB) with a Content-Length;
 *   <li>{@code /sse?count=N&interval_ms=M} sends server-sent events one by one;
 *   <li>{@code /slow?delay_ms=M} answers after a delay.
 * </ul>
 */
public final class DemoUpstream implements AutoCloseable {
  private final WebServer server;

  private DemoUpstream(WebServer server) {
    this.server = server;
  }

  /** Starts the demo upstream on 127.0.0.1 and a free port. */
  public static DemoUpstream start() {
    WebServer server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
            .routing(DemoUpstream::routing)
            .build()
            .start();
    return new DemoUpstream(server);
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  @Override
  public void close() {
    server.stop();
  }

  static void routing(HttpRouting.Builder routing) {
    routing.addFilter(new ConnectionCloseFilter());
    routing.get(
        "/",
        (req, res) -> {
          res.header(HeaderValues.CONTENT_TYPE_JSON);
          res.send(
              """
                    {"service":"steadyproxy demo upstream","endpoints":{\
                    "/echo":"echoes the request body (GET describes the request)",\
                    "/big?size=BYTES":"streams BYTES bytes, default 104857600",\
                    "/sse?count=N&interval_ms=MS":"server-sent events, one every MS",\
                    "/slow?delay_ms=MS":"answers after MS milliseconds"}}
                    """);
        });
    routing.get("/echo", DemoUpstream::describe);
    routing.any("/echo", DemoUpstream::echo);
    routing.get("/big", DemoUpstream::big);
    routing.get("/sse", DemoUpstream::sse);
    routing.get("/slow", DemoUpstream::slow);
  }

  private static void describe(ServerRequest req, ServerResponse res) {
    StringBuilder json = new StringBuilder("{\"method\":");
    ErrorResponses.quote(json, req.prologue().method().text());
    json.append(",\"path\":");
    ErrorResponses.quote(json, req.prologue().uriPath().rawPath());
    json.append(",\"query\":");
    ErrorResponses.quote(json, req.prologue().query().rawValue());
    json.append(",\"headers\":{");
    boolean first = true;
    for (Header h : req.headers()) {
      json.append(first ? "" : ",");
      ErrorResponses.quote(json, h.name());
      json.append(':');
      ErrorResponses.quote(json, h.values());
      first = false;
    }
    json.append("}}\n");
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.send(json.toString());
  }

  private static void echo(ServerRequest req, ServerResponse res) {
    req.headers().contentType().ifPresent(res.headers()::contentType);
    req.headers().contentLength().ifPresent(res.headers()::contentLength);
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = req.content().inputStream();
        OutputStream out = res.outputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void big(ServerRequest req, ServerResponse res) {
    long size = req.query().first("size").map(Long::parseLong).orElse(100L * 1024 * 1024);
    res.header(HeaderValues.CONTENT_TYPE_OCTET_STREAM);
    res.headers().contentLength(size);
    byte[] block = new byte[64 * 1024];
    Arrays.fill(block, (byte) 'x');
    try (OutputStream out = res.outputStream()) {
      for (long left = size; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sse(ServerRequest req, ServerResponse res) {
    int count = req.query().first("count").map(Integer::parseInt).orElse(10);
    long interval = req.query().first("interval_ms").map(Long::parseLong).orElse(1000L);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    try (OutputStream out = res.outputStream()) {
      for (int i = 1; i <= count; i++) {
        out.write(("id: " + i + "\ndata: event " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (i < count) {
          Thread.sleep(interval);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void slow(ServerRequest req, ServerResponse res) throws InterruptedException {
    long delay = req.query().first("delay_ms").map(Long::parseLong).orElse(2000L);
    Thread.sleep(delay);
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.send("{\"delayed_ms\":" + delay + "}\n");
  }
}
