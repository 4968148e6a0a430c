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
import io.steadyproxy.routing.Cidr;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
  private final ClientDeadlines deadlines;
  private final BodyBuffers bodyBuffers;

  /**
   * Where requests go: the routes, the pool they borrow from, and the Host policy. A reload swaps
   * the whole value at once; a request keeps the one it started with to its end.
   *
   * @param routes routing table
   * @param pool the shared upstream pool
   * @param preserveHost forward the client's Host header instead of the upstream's authority
   * @param trustedProxies peers whose X-Forwarded-Proto/-Host/-Port/-Prefix, X-Real-IP and
   *     Forwarded headers are passed on; from any other peer they are replaced or dropped
   */
  public record Dispatch(
      Routes routes, UpstreamPool pool, boolean preserveHost, List<Cidr> trustedProxies) {
    /** Whether {@code peer} may speak for the client in forwarding headers. */
    boolean trusts(InetAddress peer) {
      for (Cidr c : trustedProxies) {
        if (peer != null && c.contains(peer)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * @param dispatch where requests go now (read once per request)
   * @param shedding true while the memory monitor sheds load
   * @param observer receives a record of every request
   * @param deadlines the client connections' timeouts
   * @param bodyBuffers the budget of request bodies read whole before an upstream is contacted
   */
  public ProxyHandler(
      Supplier<Dispatch> dispatch,
      BooleanSupplier shedding,
      ExchangeRecord.Observer observer,
      ClientDeadlines deadlines,
      BodyBuffers bodyBuffers) {
    this.dispatch = dispatch;
    this.shedding = shedding;
    this.observer = observer;
    this.deadlines = deadlines;
    this.bodyBuffers = bodyBuffers;
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) {
    Exchange x = new Exchange(req, res, dispatch.get());
    try {
      x.run();
    } finally {
      x.dropBuffer();
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
    private final Dispatch dispatch;
    private Routes.Target target;
    private int status;
    private volatile long bytesIn; // written by the uploader thread for large bodies
    private long bytesOut;
    private volatile String error;
    private Uploader uploader;
    private final boolean hasBody; // read from the headers once: the data path asks several times
    private final ClientDeadlines.Conn client;
    // A request body read whole before any upstream contact (see bufferBody)
    private byte[] buffered;
    private int bufferedLength;
    private boolean bufferedWhole; // false: a prefix of a larger chunked body, the rest streams
    private long reserved;
    private InputStream bodyIn;

    Exchange(ServerRequest req, ServerResponse res, Dispatch dispatch) {
      this.req = req;
      this.res = res;
      this.prologue = req.prologue();
      this.pool = dispatch.pool();
      this.routes = dispatch.routes();
      this.preserveHost = dispatch.preserveHost();
      this.dispatch = dispatch;
      ServerRequestHeaders h = req.headers();
      this.hasBody = h.contentLength().isPresent() || h.contains(HeaderNames.TRANSFER_ENCODING);
      this.client = deadlines.of(req);
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
      try {
        bufferBody();
        RequestHead head = requestHead(method, target.upstreamTarget(rawPath, query));
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
        if (uploader != null && !uploader.stopped()) {
          // The upload thread still reads the client's body (a silent client holds it in a read).
          // Answering and then reading the rest of the body here as well would put two readers on
          // one stream: answer, then close the connection, which ends that read.
          res.header(HeaderValues.CONNECTION_CLOSE);
          ErrorResponses.send(res, e);
          throw new CloseConnectionException(
              "answered while the upload still read the request body: " + e.getMessage());
        }
        throw e; // answered by ErrorResponses through the routing's error handler
      }
    }

    /**
     * Reads a small request body whole, under client_body_timeout, before an upstream connection is
     * taken (nginx's proxy_request_buffering): a client that trickles its body then holds no
     * upstream slot, and a body that breaks its framing or the size limit is refused before the
     * upstream sees any of it. A body of known length up to client_body_buffer_size is read whole;
     * a chunked one is read up to that size and, if it goes on, the rest streams after the part
     * read. Bodies that are larger, or do not fit the process-wide budget, stream as before.
     */
    private void bufferBody() {
      long limit = bodyBuffers.bodyLimit();
      if (!hasBody || limit <= 0) {
        return;
      }
      long length = req.headers().contentLength().orElse(-1);
      if (length > limit) {
        return;
      }
      // one byte more than the limit tells a chunked body that ends at the limit from a longer one
      long want = length >= 0 ? length : limit + 1;
      if (want > Integer.MAX_VALUE - 16 || !bodyBuffers.tryReserve(want)) {
        return;
      }
      reserved = want;
      byte[] buf = new byte[(int) want];
      InputStream in = body();
      int off = 0;
      try {
        int n;
        while (off < buf.length && (n = in.read(buf, off, buf.length - off)) >= 0) {
          off += n;
        }
        if (client.timedOut().isPresent() || (length >= 0 && off < length)) {
          // The stream ended early (the sweeper half-closed it, or the client did). Helidon 4.5.0
          // throws for such a body itself (SlowBodyTest); this keeps a short body from ever going
          // up as whole should a version return a quiet end of stream instead.
          throw new EOFException("request body ended after " + off + " bytes");
        }
        if (off < buf.length || length >= 0) {
          // A known length is enforced by Helidon (a short body fails above); a chunked body that
          // ended before the buffer filled is whole. Either way its framing has been checked.
          bufferedWhole = true;
        }
      } catch (RuntimeException | IOException e) {
        throw bodyFailure(e);
      }
      buffered = buf;
      bufferedLength = off;
      bytesIn = off;
    }

    /** The request body's stream, taken once: bufferBody and sendBody read on from one another. */
    private InputStream body() {
      if (bodyIn == null) {
        bodyIn = client.watchBody(req.content().inputStream());
      }
      return bodyIn;
    }

    /** Releases the body buffer's share of the budget (once). */
    void dropBuffer() {
      if (reserved > 0) {
        bodyBuffers.release(reserved);
        reserved = 0;
      }
    }

    /** What a failed read of the request body means for the exchange. */
    private RuntimeException bodyFailure(Exception e) {
      if (client.timedOut().orElse(null) == ClientDeadlines.Phase.BODY) {
        // the sweeper half-closed the socket, so the read ended early: nginx answers 408
        error = "client_body_timeout";
        return new BadRequestBody(
            408, "no request body data for client_body_timeout; connection closed");
      }
      if (e instanceof RequestException re) {
        error = re.status().code() == 413 ? "payload_too_large" : "bad_request_body";
        return new BadRequestBody(re.status().code(), re.getMessage());
      }
      if (e instanceof HttpException he) {
        error = he.status().code() == 413 ? "payload_too_large" : "bad_request_body";
        return new BadRequestBody(he.status().code(), he.getMessage());
      }
      if (e instanceof IllegalArgumentException) {
        // Helidon 4.5.0 reports a malformed chunk size as a NumberFormatException
        error = "bad_request_body";
        return new BadRequestBody(400, "malformed chunked request body: " + e.getMessage());
      }
      if (e instanceof UpstreamException ue) {
        return ue; // the upstream side failed (write timeout, reset): classified already
      }
      // the client side ended early, however Helidon reports it (UncheckedIOException,
      // IllegalStateException, DataReader.InsufficientDataAvailableException, ...)
      error = "client_abort";
      return new CloseConnectionException("client stopped sending the request body", e);
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
      if (bufferedWhole) {
        c.write(buffered, 0, bufferedLength);
        return ResponseHead.read(c);
      }
      long length = req.headers().contentLength().orElse(-1);
      if (buffered == null && length >= 0 && length <= INLINE_BODY) {
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
        } catch (UpstreamException e) {
          // The upstream side failed (reset, write timeout): the socket already fails the reader
          // by itself, and closing it here would throw away an answer the upstream sent before
          // it stopped reading (a 413 followed by a close): seen as a flaky 502 under load.
          failure = e;
        } catch (RuntimeException e) {
          failure = e;
          connection.close(); // wakes the reader with an error; the cause is ours to report
        } catch (Error e) {
          // an Error must not leave the reader waiting for the read timeout either
          failure = new IllegalStateException("request body upload failed", e);
          connection.close();
          throw e;
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

      /**
       * Waits up to the grace period for the upload to end; its failure if it failed, else null
       * (ended well, or still running).
       */
      RuntimeException awaitFailure() {
        awaitQuietly(WRITE_GRACE_MS);
        return failure;
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
      InputStream in = body();
      boolean chunked = req.headers().contentLength().isEmpty();
      bytesIn = 0;
      try {
        if (chunked) {
          if (buffered != null) {
            // the part of a long chunked body read by bufferBody goes first, as one chunk
            byte[] size =
                (Integer.toHexString(bufferedLength) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            c.write(size, 0, size.length);
            c.write(buffered, 0, bufferedLength);
            c.write(CRLF, 0, CRLF.length);
            bytesIn = bufferedLength;
          }
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
      } catch (IOException | RuntimeException e) {
        throw bodyFailure(e);
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
      if (small != null || body instanceof UpstreamBody.Empty) {
        awaitUploadBeforeEnd(); // the whole answer is one write: decide before anything is set
      }
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
          sendToClient(null);
          return true;
        }
        if (small != null) {
          sendToClient(small);
          bytesOut = small.length;
          return true;
        }
        // Bulk bodies of known length move in 64 KiB pieces; streams (SSE, chunked) are held open
        // for long and arrive in small pieces, so 16 KiB each keeps thousands of them affordable.
        stream(
            body,
            c.relayBuffer(body.streaming() ? STREAM_BUFFER : RELAY_BUFFER),
            body instanceof UpstreamBody.Fixed ? response.contentLength() : -1);
      } catch (UpstreamException | BadRequestBody e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        if (client.timedOut().orElse(null) == ClientDeadlines.Phase.SEND) {
          error = "client_send_timeout";
          throw new CloseConnectionException("client took nothing for send_timeout", e);
        }
        error = "client_abort";
        throw new CloseConnectionException("client went away mid-response", e);
      }
      return body.complete();
    }

    /** A whole response in one write, under send_timeout. */
    private void sendToClient(byte[] entity) {
      client.beginSend();
      try {
        if (entity == null) {
          res.send();
        } else {
          res.send(entity);
        }
      } finally {
        client.endSend();
      }
    }

    /**
     * While the request body still streams up, the response must not end cleanly before the upload
     * has: an upstream that answers before reading the whole body would otherwise have its answer
     * relayed as a success for a request whose body then broke (malformed chunk, client abort). A
     * body that broke turns the answer into the failure (before anything was sent: a 400; after:
     * the connection closes with the response unfinished). An upload that does not end in time is
     * handled after the response by {@link #forward} as before.
     */
    private void awaitUploadBeforeEnd() {
      if (uploader == null) {
        return;
      }
      RuntimeException failure = uploader.awaitFailure();
      if (failure instanceof BadRequestBody || failure instanceof CloseConnectionException) {
        throw failure;
      }
    }

    private void stream(UpstreamBody body, byte[] buf, long length) throws IOException {
      boolean flushEach = body.streaming();
      OutputStream out = client.watchSend(res.outputStream());
      // With an upload under way, the last byte of a body of known length is held back until the
      // upload's outcome is known: the client must not see a complete response to a broken request.
      long holdAt = uploader != null ? length : -1;
      int n;
      while ((n = body.read(buf, 0, buf.length)) >= 0) {
        int now = holdAt >= 0 && bytesOut + n == holdAt && n > 0 ? n - 1 : n;
        out.write(buf, 0, now);
        if (flushEach) {
          out.flush(); // no length: the client sees each piece as it comes (SSE)
        }
        bytesOut += now;
        if (now < n) {
          awaitUploadBeforeEnd();
          out.write(buf, now, 1);
          bytesOut += 1;
        }
      }
      if (holdAt < 0) {
        awaitUploadBeforeEnd();
      }
      out.close();
    }

    private void copyHeaders(ResponseHead response) {
      Set<String> tokens = HopByHop.connectionTokens(valuesOf(response, "connection"));
      List<String> names = response.names();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        String lower = name.toLowerCase(Locale.ROOT);
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
      InetAddress peer =
          req.remotePeer().address() instanceof InetSocketAddress isa ? isa.getAddress() : null;
      // Like Envoy at the edge: forwarding claims are believed from trusted proxies only; from
      // anyone else the proxy's own view replaces them (X-Forwarded-Proto/-Host) or they go.
      boolean trusted = dispatch.trusts(peer);
      String forwardedFor = null;
      String via = null;
      boolean hasProto = false;
      boolean hasForwardedHost = false;
      for (Header h : headers) {
        String lower = h.headerName().lowerCase();
        switch (lower) {
          // Proxy: httpoxy (CVE-2016-5385), CGI-style upstreams read it as HTTP_PROXY
          case "host", "content-length", "expect", "proxy" -> {}
          case "x-forwarded-for" -> forwardedFor = h.values();
          case "via" -> via = h.values();
          default -> {
            if (HopByHop.isHopByHop(lower, tokens) || (!trusted && isForwardingClaim(lower))) {
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
      String clientIp = peer != null ? peer.getHostAddress() : req.remotePeer().host();
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
        // a body read whole goes up with its length, whatever its framing was (as nginx does)
        long length = bufferedWhole ? bufferedLength : headers.contentLength().orElse(-1);
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
          found = new ArrayList<>(2);
        }
        found.add(head.values().get(i));
      }
    }
    return found == null ? List.of() : found;
  }

  /**
   * Headers in which a peer tells the upstream who the client is and how it connected: passed on
   * from trusted proxies only. Forwarded is dropped, not rewritten: Envoy and nginx send none of
   * their own, and frameworks (Spring's ForwardedHeaderFilter, Express's trust proxy) then read the
   * X-Forwarded-* set the proxy wrote.
   */
  private static boolean isForwardingClaim(String lowerName) {
    return switch (lowerName) {
      case "x-forwarded-proto",
          "x-forwarded-host",
          "x-forwarded-port",
          "x-forwarded-prefix",
          "x-forwarded-server",
          "x-forwarded-ssl",
          "x-real-ip",
          "forwarded" ->
          true;
      default -> false;
    };
  }

  private static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
      default -> false;
    };
  }
}
