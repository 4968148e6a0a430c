package io.steadyproxy.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The client's request body as the proxy reads it: small bodies read whole before an upstream is
 * contacted (nginx's proxy_request_buffering), under the process-wide budget, and every failure of
 * the client's side classified once (a broken framing, a body over the limit, a body that stopped
 * for client_body_timeout, a client that went away), whichever thread reads it.
 */
final class ClientBody {
  private final ServerRequest req;
  private final ClientDeadlines.Conn client;
  private final BodyBuffers buffers;
  private final boolean present;
  private InputStream in;
  private long reserved;
  private volatile ErrorClass error; // set by the reading thread, read by the handler's at the end
  private volatile Thread reader; // the thread that last read the body
  private RequestBody body;

  ClientBody(ServerRequest req, ClientDeadlines.Conn client, BodyBuffers buffers) {
    this.req = req;
    this.client = client;
    this.buffers = buffers;
    ServerRequestHeaders h = req.headers();
    // HTTP/2 frames bodies itself: one without Content-Length is there unless HEADERS ended the
    // stream
    this.present =
        h.contentLength().isPresent()
            || h.contains(HeaderNames.TRANSFER_ENCODING)
            || (Http2Responses.isHttp2(req.prologue()) && req.content().hasEntity());
  }

  /** Whether the request has a body at all. */
  boolean present() {
    return present;
  }

  /** The error class of the client side's failure, or null. */
  ErrorClass error() {
    return error;
  }

  /**
   * The body to send upstream. A body of known length up to client_body_buffer_size is read whole
   * first, so a client that trickles it holds no upstream slot and a body that breaks its framing
   * or the size limit is refused before the upstream sees any of it; a chunked one is read up to
   * that size and, if it goes on, the rest streams after the part read. Larger bodies, or those
   * that do not fit the budget, stream.
   *
   * @throws BadRequestBody or {@link CloseConnectionException} when the client's side fails
   */
  RequestBody read() {
    if (body == null) {
      body = present ? readAhead() : RequestBody.none();
    }
    return body;
  }

  private RequestBody readAhead() {
    long length = req.headers().contentLength().orElse(-1);
    long limit = buffers.bodyLimit();
    // one byte more than the limit tells a chunked body that ends at the limit from a longer one
    long want = length >= 0 ? length : limit + 1;
    if (limit <= 0
        || length > limit
        || want > Integer.MAX_VALUE - 16
        || !buffers.tryReserve(want)) {
      return RequestBody.stream(stream(), length, null, 0);
    }
    reserved = want;
    byte[] buf = new byte[(int) want];
    InputStream stream = stream();
    int off = 0;
    try {
      int n;
      while (off < buf.length && (n = stream.read(buf, off, buf.length - off)) >= 0) {
        off += n;
      }
    } catch (IOException e) {
      throw failure(e);
    }
    if (length >= 0 && off < length) {
      // Helidon 4.5.0 throws for a short body itself; a quiet early end must not go up as whole
      throw failure(new EOFException("request body ended after " + off + " bytes"));
    }
    if (length >= 0 || off < buf.length) {
      // A known length is enforced by Helidon (a short body fails above); a chunked body that
      // ended before the buffer filled is whole. Either way its framing has been checked.
      return RequestBody.whole(buf, off);
    }
    return RequestBody.stream(stream, -1, buf, off);
  }

  /** The body's stream, each read under client_body_timeout and each failure classified. */
  private InputStream stream() {
    if (in == null) {
      InputStream watched = client.watchBody(req.content().inputStream());
      in =
          new FilterInputStream(watched) {
            @Override
            public int read() throws IOException {
              byte[] one = new byte[1];
              int n;
              while ((n = read(one, 0, 1)) == 0) {
                // a zero-length read is no answer: ask again
              }
              return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              reader = Thread.currentThread();
              int n;
              try {
                n = watched.read(b, off, len);
              } catch (IOException | RuntimeException e) {
                throw failure(e);
              }
              if (n < 0 && client.timedOut().isPresent()) {
                // The sweeper half-closed the socket. Helidon 4.5.0 throws for such a body itself
                // (SlowBodyTest); this keeps a cut body from ever going up as whole should a
                // version return a quiet end of stream instead.
                throw failure(new EOFException("request body ended early"));
              }
              return n;
            }
          };
    }
    return in;
  }

  /**
   * Whether another thread (a request body upload) still reads the body: answering and then reading
   * the rest here as well would put two readers on one stream.
   */
  boolean readElsewhere() {
    Thread t = reader;
    return t != null && t != Thread.currentThread() && t.isAlive();
  }

  /** Releases the body buffer's share of the budget (once). */
  void release() {
    if (reserved > 0) {
      buffers.release(reserved);
      reserved = 0;
    }
  }

  /** What a failed read of the request body means for the exchange. */
  private RuntimeException failure(Exception e) {
    if (client.timedOut().orElse(null) == ClientDeadlines.Phase.BODY) {
      // the sweeper half-closed the socket, so the read ended early: nginx answers 408
      error = ErrorClass.CLIENT_BODY_TIMEOUT;
      return new BadRequestBody(
          error, "no request body data for client_body_timeout; connection closed");
    }
    if (e instanceof RequestException re) {
      return bad(re.status().code(), re.getMessage());
    }
    if (e instanceof HttpException he) {
      return bad(he.status().code(), he.getMessage());
    }
    if (e instanceof IllegalArgumentException) {
      // Helidon 4.5.0 reports a malformed chunk size as a NumberFormatException
      return bad(400, "malformed chunked request body: " + e.getMessage());
    }
    if (e instanceof BadRequestBody bad) {
      return bad; // classified already (a quiet early end, above)
    }
    // the client side ended early, however Helidon reports it (UncheckedIOException,
    // IllegalStateException, DataReader.InsufficientDataAvailableException, ...)
    error = ErrorClass.CLIENT_ABORT;
    return new CloseConnectionException("client stopped sending the request body", e);
  }

  private BadRequestBody bad(int status, String message) {
    error = status == 413 ? ErrorClass.PAYLOAD_TOO_LARGE : ErrorClass.BAD_REQUEST_BODY;
    return new BadRequestBody(error, message);
  }

  /** The client's request body broke its own framing (bad chunk size, over the size limit). */
  static final class BadRequestBody extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorClass error;

    BadRequestBody(ErrorClass error, String message) {
      super(message, null, false, false);
      this.error = error;
    }

    ErrorClass error() {
      return error;
    }
  }
}
