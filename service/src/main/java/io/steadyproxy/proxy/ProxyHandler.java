package io.steadyproxy.proxy;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.steadyproxy.proxy.UpstreamException.Kind;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The data path: match a route, lend a pooled upstream connection, forward the request head and
 * stream its body, read the response head, choose the status, stream the response body back, and
 * hand the connection back (reused only after a clean end, closed otherwise). Any failure before
 * the response starts becomes an error answer; after that, the only honest move is to close the
 * client connection, so a truncated body never looks complete.
 */
public final class ProxyHandler implements Handler {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int CHUNK_HEADER_ROOM = 10; // up to 8 hex digits and CRLF before each chunk
  private static final int SMALL_BODY = 16 * 1024; // sent with the head in one write, not streamed
  private static final int INLINE_BODY =
      64 * 1024; // request bodies up to this are sent before reading
  private static final int RELAY_BUFFER = 64 * 1024;
  private static final int STREAM_BUFFER = 16 * 1024;
  private static final long WRITE_GRACE_MS = 1000;

  private final Supplier<Dispatch> dispatch;
  private final BooleanSupplier shedding;
  private final ExchangeRecord.Observer observer;

  /**
   * Where requests go: the routes, the pool they borrow from, and the Host policy. A reload swaps
   * the whole value at once; a request keeps the one it started with to its end.
   *
   * @param routes routing table
   * @param pool the shared upstream pool
   * @param preserveHost forward the client's Host header instead of the upstream's authority
   */
  public record Dispatch(Routes routes, UpstreamPool pool, boolean preserveHost) {}

  /**
   * @param dispatch where requests go now (read once per request)
   * @param shedding true while the memory monitor sheds load
   * @param observer receives a record of every request
   */
  public ProxyHandler(
      Supplier<Dispatch> dispatch, BooleanSupplier shedding, ExchangeRecord.Observer observer) {
    this.dispatch = dispatch;
    this.shedding = shedding;
    this.observer = observer;
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) {
    Exchange x = new Exchange(req, res, dispatch.get());
    try {
      x.run();
    } finally {
      observer.completed(x.record());
    }
  }

  /** The state of one proxied request. */
  private final class Exchange {
    private final long start = System.nanoTime();
    private final ServerRequest req;
    private final ServerResponse res;
    private final HttpPrologue prologue;
    private final UpstreamPool pool;
    private final Routes routes;
    private final boolean preserveHost;
    private Routes.Target target;
    private int status;
    private volatile long bytesIn; // written by the uploader thread for large bodies
    private long bytesOut;
    private volatile String error;
    private Uploader uploader;
    private final boolean hasBody; // read from the headers once: the data path asks several times

    Exchange(ServerRequest req, ServerResponse res, Dispatch dispatch) {
      this.req = req;
      this.res = res;
      this.prologue = req.prologue();
      this.pool = dispatch.pool();
      this.routes = dispatch.routes();
      this.preserveHost = dispatch.preserveHost();
      ServerRequestHeaders h = req.headers();
      this.hasBody = h.contentLength().isPresent() || h.contains(HeaderNames.TRANSFER_ENCODING);
    }

    void run() {
      if (shedding.getAsBoolean()) {
        res.header(HeaderNames.RETRY_AFTER, "5");
        // like Envoy's overload manager: no keep-alive while shedding, idle connections hold memory
        // (ConnectionCloseFilter closes the connection once the body is read off)
        res.header(HeaderValues.CONNECTION_CLOSE);
        answer(503, "overloaded", "memory above the limit; shedding load", null);
        return;
      }
      String rawPath = prologue.uriPath().rawPath();
      if (prologue.method() == Method.CONNECT) {
        res.header(HeaderNames.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        answer(
            405,
            "method_not_allowed",
            "CONNECT is not supported: SteadyProxy is a reverse proxy, " + "not a forward proxy",
            null);
        return;
      }
      if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
        answer(
            400,
            "bad_request_target",
            "only origin-form request-targets (/path?query) are accepted: "
                + "SteadyProxy is a reverse proxy, not a forward proxy",
            null);
        return;
      }
      target = routes.match(rawPath);
      if (target == null) {
        answer(404, "no_route", "no route matches " + rawPath, null);
        return;
      }
      String method = prologue.method().text();
      String query = prologue.hasQuery() ? prologue.query().rawValue() : null;
      RequestHead head = requestHead(method, target.upstreamTarget(rawPath, query));
      try {
        forward(method, head);
      } catch (BadRequestBody e) {
        if (res.isSent() || status != 0) {
          throw new CloseConnectionException("bad request body after the response started", e);
        }
        // the rest of the body cannot be trusted to end anywhere: answer, then close the connection
        res.header(HeaderValues.CONNECTION_CLOSE);
        answer(e.status, error, e.getMessage(), null);
        throw new CloseConnectionException(
            "request body framing broken; connection closed after the answer");
      } catch (UpstreamException e) {
        error = e.kind().code();
        if (res.isSent() || status != 0) {
          throw new CloseConnectionException(
              "upstream failed after the response started: " + e.getMessage());
        }
        status = e.kind().status();
        throw e; // answered by ErrorResponses through the routing's error handler
      }
    }

    private void forward(String method, RequestHead head) {
      boolean retryable = isIdempotent(method) && !hasBody();
      UpstreamConnection c = pool.acquire(target.endpoint(), false);
      ResponseHead response;
      try {
        response = send(c, head);
      } catch (UpstreamException e) {
        pool.discard(c);
        // A pooled socket the upstream closed while idle fails on first use; try once on a new one.
        if (!(c.reused() && e.kind() == Kind.RESET && retryable)) {
          throw e;
        }
        c = pool.acquire(target.endpoint(), true);
        try {
          response = send(c, head);
        } catch (Throwable e2) { // Errors too: a slot not handed back is lost for good
          pool.discard(c);
          throw e2;
        }
      } catch (Throwable e) { // Errors too (OutOfMemoryError, StackOverflowError)
        pool.discard(c);
        throw e;
      }
      // An upstream that answered before it had the whole body may still be reading, or skipping,
      // the rest of it: its framing is in doubt, so the connection is not reused even if the upload
      // then completes (nginx's keepalive module likewise drops one whose body was not all sent).
      boolean answeredEarly = uploader != null && (!uploader.done || uploader.answeredFirst);
      boolean clean = false;
      boolean uploadUnfinished = false;
      try {
        clean = relayResponse(c, response, method);
        if (uploader != null && !uploader.finish()) {
          // answered before taking the whole body: this connection and the client's are both spent
          clean = false;
          uploadUnfinished = true;
        }
      } catch (UpstreamException e) {
        throw uploader != null ? uploader.failureOr(e) : e;
      } finally {
        if (clean) {
          pool.release(c, !response.close() && !answeredEarly);
        } else {
          pool.discard(c);
        }
      }
      // The upstream answered before it took the whole body. Read and drop the rest, so the client
      // reads that answer; the connection stays open only if the body ended in time.
      if (uploadUnfinished
          && !(uploader.stopped()
              && ConnectionCloseFilter.discardBody(req, ConnectionCloseFilter.LINGER))) {
        throw new CloseConnectionException("upstream answered before the request body was sent");
      }
    }

    /**
     * Sends the head and body; returns the response head. Small bodies are sent first. Larger and
     * chunked ones go up on their own virtual thread while this one waits for the answer: an
     * upstream may answer, or echo, before it has read the whole body, and a proxy that reads only
     * after sending deadlocks with it as soon as the socket buffers are full.
     */
    private ResponseHead send(UpstreamConnection c, RequestHead head) {
      head.writeTo(c);
      if (!hasBody()) {
        return ResponseHead.read(c);
      }
      long length = req.headers().contentLength().orElse(-1);
      if (length >= 0 && length <= INLINE_BODY) {
        sendBody(c, c.relayBuffer(INLINE_BODY));
        return ResponseHead.read(c);
      }
      uploader = new Uploader(c);
      try {
        return ResponseHead.read(c);
      } catch (UpstreamException e) {
        throw uploader.failureOr(e);
      }
    }

    /** Streams the request body up on its own virtual thread; on failure it closes the socket. */
    private final class Uploader implements Runnable {
      private final UpstreamConnection connection;
      private final Thread thread;
      private volatile RuntimeException failure;
      private volatile boolean done;
      private volatile boolean answeredFirst; // response bytes had come when the last byte went up

      Uploader(UpstreamConnection connection) {
        this.connection = connection;
        this.thread = Thread.ofVirtual().name("upload").start(this);
      }

      @Override
      public void run() {
        try {
          sendBody(connection, new byte[RELAY_BUFFER]);
          answeredFirst = connection.responseArrived(); // before done: read after it
          done = true;
        } catch (RuntimeException e) {
          failure = e;
          connection.close(); // wakes the reader with an error; the cause is ours to report
        }
      }

      /**
       * The upload's own failure (client abort, bad body, write timeout) if it had one, else {@code
       * e}.
       */
      RuntimeException failureOr(RuntimeException e) {
        awaitQuietly(WRITE_GRACE_MS);
        return failure != null ? failure : e;
      }

      /** Whether the upload thread has ended (so it no longer reads the client's body). */
      boolean stopped() {
        return !thread.isAlive();
      }

      /** After a complete response: true if the whole body was sent. */
      boolean finish() {
        awaitQuietly(WRITE_GRACE_MS);
        if (done) {
          return true;
        }
        connection.close();
        awaitQuietly(WRITE_GRACE_MS);
        return false;
      }

      private void awaitQuietly(long millis) {
        try {
          thread.join(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private void sendBody(UpstreamConnection c, byte[] buf) {
      InputStream in = req.content().inputStream();
      boolean chunked = req.headers().contentLength().isEmpty();
      bytesIn = 0;
      try {
        if (chunked) {
          int n;
          while ((n = in.read(buf, CHUNK_HEADER_ROOM, buf.length - CHUNK_HEADER_ROOM - 2)) >= 0) {
            if (n == 0) {
              continue;
            }
            byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            int off = CHUNK_HEADER_ROOM - size.length;
            System.arraycopy(size, 0, buf, off, size.length);
            buf[CHUNK_HEADER_ROOM + n] = '\r';
            buf[CHUNK_HEADER_ROOM + n + 1] = '\n';
            c.write(buf, off, size.length + n + 2);
            bytesIn += n;
          }
          c.write(LAST_CHUNK, 0, LAST_CHUNK.length);
        } else {
          int n;
          while ((n = in.read(buf, 0, buf.length)) >= 0) {
            c.write(buf, 0, n);
            bytesIn += n;
          }
        }
      } catch (RequestException e) {
        error = e.status().code() == 413 ? "payload_too_large" : "bad_request_body";
        throw new BadRequestBody(e.status().code(), e.getMessage());
      } catch (HttpException e) {
        error = e.status().code() == 413 ? "payload_too_large" : "bad_request_body";
        throw new BadRequestBody(e.status().code(), e.getMessage());
      } catch (IllegalArgumentException e) {
        // Helidon 4.5.0 reports a malformed chunk size as a NumberFormatException
        error = "bad_request_body";
        throw new BadRequestBody(400, "malformed chunked request body: " + e.getMessage());
      } catch (UpstreamException e) {
        throw e; // the upstream side failed (write timeout, reset): classified already
      } catch (java.io.IOException | RuntimeException e) {
        // the client side ended early, however Helidon reports it (UncheckedIOException,
        // IllegalStateException, DataReader.InsufficientDataAvailableException, ...)
        error = "client_abort";
        throw new CloseConnectionException("client stopped sending the request body", e);
      }
    }

    /** Streams the response to the client; true when it ended at a message boundary. */
    private boolean relayResponse(UpstreamConnection c, ResponseHead response, String method) {
      UpstreamBody body = UpstreamBody.of(c, response, method);
      // A small body of known length is read first and sent with the head in one write. Until
      // then nothing is committed, so an upstream failure while reading it is still a 502.
      byte[] small =
          body instanceof UpstreamBody.Fixed && response.contentLength() <= SMALL_BODY
              ? readFully(body, (int) response.contentLength())
              : null;
      status = response.status();
      res.status(Status.create(response.status(), response.reason()));
      copyHeaders(response);
      boolean noEntity =
          response.status() == 204 || response.status() == 304 || response.status() < 200;
      if (response.contentLength() >= 0 && !noEntity) {
        res.headers().contentLength(response.contentLength());
      }
      try {
        if (body instanceof UpstreamBody.Empty) {
          res.send();
          return true;
        }
        if (small != null) {
          res.send(small);
          bytesOut = small.length;
          return true;
        }
        // Bulk bodies of known length move in 64 KiB pieces; streams (SSE, chunked) are held open
        // for long and arrive in small pieces, so 16 KiB each keeps thousands of them affordable.
        stream(body, c.relayBuffer(body.streaming() ? STREAM_BUFFER : RELAY_BUFFER));
      } catch (UpstreamException e) {
        throw e;
      } catch (java.io.IOException | RuntimeException e) {
        error = "client_abort";
        throw new CloseConnectionException("client went away mid-response", e);
      }
      return body.complete();
    }

    private void stream(UpstreamBody body, byte[] buf) throws java.io.IOException {
      boolean flushEach = body.streaming();
      OutputStream out = res.outputStream();
      int n;
      while ((n = body.read(buf, 0, buf.length)) >= 0) {
        out.write(buf, 0, n);
        bytesOut += n;
        if (flushEach) {
          out.flush(); // no length: the client sees each piece as it comes (SSE)
        }
      }
      out.close();
    }

    private void copyHeaders(ResponseHead response) {
      Set<String> tokens = HopByHop.connectionTokens(valuesOf(response, "connection"));
      List<String> names = response.names();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!HopByHop.isHopByHop(lower, tokens) && !lower.equals("content-length")) {
          res.headers().add(HeaderNames.create(name), response.values().get(i));
        }
      }
    }

    private RequestHead requestHead(String method, String requestTarget) {
      ServerRequestHeaders headers = req.headers();
      Set<String> tokens =
          headers.contains(HeaderNames.CONNECTION)
              ? HopByHop.connectionTokens(headers.get(HeaderNames.CONNECTION).allValues())
              : Set.of();
      RequestHead head = new RequestHead();
      head.append(method).append(" ").append(requestTarget).append(" HTTP/1.1").crlf();
      String clientHost = req.authority();
      head.field(
          "Host", preserveHost && clientHost != null ? clientHost : target.endpoint().authority());
      String forwardedFor = null;
      String via = null;
      boolean hasProto = false;
      boolean hasForwardedHost = false;
      for (Header h : headers) {
        String lower = h.headerName().lowerCase();
        switch (lower) {
          case "host", "content-length", "expect" -> {}
          case "x-forwarded-for" -> forwardedFor = h.values();
          case "via" -> via = h.values();
          default -> {
            if (HopByHop.isHopByHop(lower, tokens)) {
              continue;
            }
            hasProto |= lower.equals("x-forwarded-proto");
            hasForwardedHost |= lower.equals("x-forwarded-host");
            for (String value : h.allValues()) {
              head.field(h.name(), value);
            }
          }
        }
      }
      String clientIp =
          req.remotePeer().address() instanceof java.net.InetSocketAddress isa
              ? isa.getAddress().getHostAddress()
              : req.remotePeer().host();
      head.field(
          "X-Forwarded-For", forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp);
      if (!hasProto) {
        head.field("X-Forwarded-Proto", req.isSecure() ? "https" : "http");
      }
      if (!hasForwardedHost && clientHost != null) {
        head.field("X-Forwarded-Host", clientHost);
      }
      head.field("Via", via == null ? "1.1 steadyproxy" : via + ", 1.1 steadyproxy");
      if (hasBody()) {
        long length = headers.contentLength().orElse(-1);
        if (length >= 0) {
          head.append("Content-Length: ").append(length).crlf();
        } else {
          head.field("Transfer-Encoding", "chunked");
        }
      }
      return head.crlf();
    }

    private boolean hasBody() {
      return hasBody;
    }

    private void answer(int code, String err, String detail, String upstream) {
      status = code;
      error = err;
      ErrorResponses.send(res, code, err, detail, upstream);
    }

    ExchangeRecord record() {
      int sent = status != 0 ? status : (res.isSent() ? res.status().code() : 0);
      return new ExchangeRecord(
          target == null ? "-" : target.route().prefix(),
          prologue.method().text(),
          prologue.uriPath().rawPath(),
          sent,
          System.nanoTime() - start,
          bytesIn,
          bytesOut,
          target == null ? "-" : target.upstreamName(),
          error);
    }
  }

  /** The client's request body broke its own framing (bad chunk size, over the size limit). */
  private static final class BadRequestBody extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    BadRequestBody(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static byte[] readFully(UpstreamBody body, int length) {
    byte[] bytes = new byte[length];
    int off = 0;
    while (off < length) {
      int n = body.read(bytes, off, length - off);
      if (n < 0) {
        break; // Fixed.read throws on a short body; this only ends a zero-length read loop
      }
      off += n;
    }
    return bytes;
  }

  private static List<String> valuesOf(ResponseHead head, String lowerName) {
    List<String> found = null;
    for (int i = 0; i < head.names().size(); i++) {
      if (head.names().get(i).equalsIgnoreCase(lowerName)) {
        if (found == null) {
          found = new java.util.ArrayList<>(2);
        }
        found.add(head.values().get(i));
      }
    }
    return found == null ? List.of() : found;
  }

  private static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
      default -> false;
    };
  }
}
