package io.steadyproxy.proxy;

/**
 * An upstream's answer: its head, then its body as it arrives. Closing it hands the connection back
 * to the pool, kept for reuse only when the body was read to its real end, the upstream did not ask
 * to close, and the request body went up whole before the answer began; any other close closes the
 * socket. An upgrade's response has no pool: its connection was opened for it alone and is closed.
 */
final class UpstreamResponse implements AutoCloseable {
  private final UpstreamPool pool;
  private final UpstreamConnection connection;
  private final ResponseHead head;
  private final UpstreamBody body;
  private final UpstreamClient.Upload upload; // null unless the request body streams up meanwhile
  private final boolean answeredEarly;
  private boolean uploadUnfinished;
  private boolean closed;

  UpstreamResponse(
      UpstreamPool pool,
      UpstreamConnection connection,
      ResponseHead head,
      String method,
      UpstreamClient.Upload upload) {
    this.pool = pool;
    this.connection = connection;
    this.head = head;
    this.body = UpstreamBody.of(connection, head, method);
    this.upload = upload;
    this.answeredEarly = upload != null && upload.answeredEarly();
  }

  ResponseHead head() {
    return head;
  }

  /** The connection, for the tunnel after a 101 (only an upgrade's own, unpooled one). */
  UpstreamConnection connection() {
    return connection;
  }

  /** Whether the body is empty by its framing (HEAD, 204, 304, Content-Length 0). */
  boolean empty() {
    return body instanceof UpstreamBody.Empty;
  }

  /** The whole body when it has a known length of at most {@code max} bytes; else null. */
  byte[] readSmall(int max) {
    if (!(body instanceof UpstreamBody.Fixed) || head.contentLength() > max) {
      return null;
    }
    byte[] bytes = new byte[(int) head.contentLength()];
    int off = 0;
    while (off < bytes.length) {
      int n = body.read(bytes, off, bytes.length - off);
      if (n < 0) {
        break; // Fixed.read throws on a short body; this only ends a zero-length read loop
      }
      off += n;
    }
    return bytes;
  }

  /** The body's length when its framing gives one, else -1. */
  long length() {
    return body instanceof UpstreamBody.Fixed ? head.contentLength() : -1;
  }

  /** Whether each piece should reach the client as it arrives (no length: SSE, chunked). */
  boolean streaming() {
    return body.streaming();
  }

  /** Whether a read of the body would return now, without waiting for the upstream. */
  boolean ready() {
    return body.ready();
  }

  /** Reads up to {@code len} bytes of the body; -1 at its end. */
  int read(byte[] b, int off, int len) {
    return body.read(b, off, len);
  }

  /**
   * The trailer section read after the body's last chunk; none before that, or for other bodies.
   */
  Trailers trailers() {
    return body.trailers();
  }

  /** Whether the body is chunked, the one framing that can carry trailers. */
  boolean chunked() {
    return body instanceof UpstreamBody.Chunked;
  }

  /** A buffer of at least {@code size} bytes kept with the connection for relaying bodies. */
  byte[] relayBuffer(int size) {
    return connection.relayBuffer(size);
  }

  /** Whether the request body still streams up on its own thread. */
  boolean uploading() {
    return upload != null;
  }

  /**
   * Waits (a bounded grace) for the request body's upload to end; its failure, or null when it
   * ended well, is still running, or there is none.
   */
  RuntimeException uploadFailure() {
    return upload == null ? null : upload.awaitFailure();
  }

  /** The upload's own failure, when there is one, in place of the relay's {@code e}. */
  RuntimeException failureOr(RuntimeException e) {
    return upload == null ? e : upload.failureOr(e);
  }

  /**
   * After the whole answer was relayed: true when the request body went up whole too. False means
   * the upstream answered before taking all of it; the connection is then spent.
   */
  boolean finishUpload() {
    uploadUnfinished = upload != null && !upload.finish();
    return !uploadUnfinished;
  }

  /** Whether no thread reads the client's request body any more. */
  boolean uploadStopped() {
    return upload == null || upload.stopped();
  }

  @Override
  public void close() {
    if (!closed && pool == null) {
      closed = true;
      connection.close(); // an upgrade's own connection: never pooled
    } else if (!closed) {
      closed = true;
      pool.release(
          connection, body.complete() && !head.close() && !answeredEarly && !uploadUnfinished);
    }
  }
}
