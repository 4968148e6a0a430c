package io.steadyproxy.proxy;

/**
 * HTTP/1.1 to upstreams over the shared pool, one call per exchange: it lends a connection, sends
 * the head and the body, reads the answer's head, retries once where that is safe, and hands back
 * an {@link UpstreamResponse} whose {@code close()} returns the connection to the pool or closes
 * it. The proxy's policy (routes, headers, limits, what the client sees) stays in {@link
 * ProxyHandler}; this class knows only HTTP/1.1 and the pool's rules.
 */
final class UpstreamClient {
  private final UpstreamPool pool;

  /**
   * @param pool the pool the connections come from
   */
  UpstreamClient(UpstreamPool pool) {
    this.pool = pool;
  }

  /**
   * Sends one request and reads its answer's head. A pooled connection the upstream closed while
   * idle fails on first use: an idempotent request without a body is then sent once more, on a new
   * connection.
   *
   * @throws UpstreamException on any upstream failure before the head arrived (or, when the body
   *     upload failed first, that failure)
   */
  UpstreamResponse exchange(
      UpstreamEndpoint endpoint, String method, RequestHead head, RequestBody body) {
    UpstreamPool from = pool;
    boolean retryable = body instanceof RequestBody.None && isIdempotent(method);
    UpstreamConnection c = from.acquire(endpoint, false);
    try {
      return send(from, c, method, head, body);
    } catch (UpstreamException e) {
      from.discard(c);
      if (!(c.reused() && e.kind() == ErrorClass.RESET && retryable)) {
        throw e;
      }
    } catch (Throwable e) { // Errors too: a slot not handed back is lost for good
      from.discard(c);
      throw e;
    }
    UpstreamConnection fresh = from.acquire(endpoint, true);
    try {
      return send(from, fresh, method, head, body);
    } catch (Throwable e) {
      from.discard(fresh);
      throw e;
    }
  }

  /**
   * Sends the head and body; returns the response. Small bodies are sent first. Larger and chunked
   * ones go up on their own virtual thread while this one waits for the answer: an upstream may
   * answer, or echo, before it has read the whole body, and a proxy that reads only after sending
   * deadlocks with it as soon as the socket buffers are full.
   */
  private static UpstreamResponse send(
      UpstreamPool pool, UpstreamConnection c, String method, RequestHead head, RequestBody body) {
    if (body.inline()) {
      body.writeWithHead(c, head, c.relayBuffer(RequestBody.INLINE));
      return new UpstreamResponse(pool, c, ResponseHead.read(c), method, null);
    }
    head.writeTo(c);
    Upload upload = new Upload(c, body);
    try {
      return new UpstreamResponse(pool, c, ResponseHead.read(c), method, upload);
    } catch (UpstreamException e) {
      throw upload.failureOr(e);
    }
  }

  private static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
      default -> false;
    };
  }

  /** Streams a request body up on its own virtual thread; on failure it closes the socket. */
  static final class Upload implements Runnable {
    private static final long GRACE_MS = 1000;
    private static final int BUFFER = 64 * 1024;

    private final UpstreamConnection connection;
    private final RequestBody body;
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean done;
    private volatile boolean answeredFirst; // response bytes had come when the last byte went up

    Upload(UpstreamConnection connection, RequestBody body) {
      this.connection = connection;
      this.body = body;
      this.thread = Thread.ofVirtual().name("upload").start(this);
    }

    @Override
    public void run() {
      try {
        body.writeTo(connection, new byte[BUFFER]);
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
     * Whether the upstream answered before it had the whole body: it may still be reading, or
     * skipping, the rest, so its framing is in doubt and the connection is not reused (nginx's
     * keepalive module likewise drops one whose body was not all sent).
     */
    boolean answeredEarly() {
      return !done || answeredFirst;
    }

    /** The upload's own failure (client abort, bad body, write timeout) if it had one, else e. */
    RuntimeException failureOr(RuntimeException e) {
      awaitQuietly(GRACE_MS);
      return failure != null ? failure : e;
    }

    /** Waits up to the grace period for the upload to end; its failure, or null. */
    RuntimeException awaitFailure() {
      awaitQuietly(GRACE_MS);
      return failure;
    }

    /** Whether the upload thread has ended (so it no longer reads the client's body). */
    boolean stopped() {
      return !thread.isAlive();
    }

    /**
     * After a complete response: true if the whole body was sent; else the connection is closed
     * (the upload's read of the client's body then ends too).
     */
    boolean finish() {
      awaitQuietly(GRACE_MS);
      if (done) {
        return true;
      }
      connection.close();
      awaitQuietly(GRACE_MS);
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
}
