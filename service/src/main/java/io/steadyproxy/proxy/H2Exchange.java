package io.steadyproxy.proxy;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2Headers;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One request forwarded to an upstream over HTTP/2 (routes with {@code protocol: h2c} or {@code
 * grpc}): the request streams up on an upload thread while the response streams down on the
 * request's thread, so client-streaming, server-streaming and bidirectional gRPC calls all flow;
 * the upstream's trailers are relayed. For a gRPC call ({@link Grpc#isGrpc}) the proxy also gives
 * up at the client's {@code grpc-timeout}, and its own failures end the call with a {@code
 * grpc-status} ({@link ErrorResponses#sendGrpc}, {@link ErrorClass#grpcStatus}) instead of an HTTP
 * error.
 *
 * <p>The upstream connection comes from the pool like any other (same slots, timeouts and
 * exhaustion), carries this one stream, and is closed when it ends (see {@link H2Stream}).
 */
final class H2Exchange {
  private static final int BUFFER = 16 * 1024;

  /** Fields HTTP/2 forbids or the proxy owns: never copied from an upstream's response. */
  private static final Set<String> NOT_COPIED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "upgrade",
          "x-request-id",
          "trailer");

  /**
   * One timer thread for every gRPC deadline in the process: a call's deadline is a scheduled task,
   * cancelled (and removed) when the call ends first.
   */
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlineTimer();

  private final ServerRequest req;
  private final ServerResponse res;
  private final ClientDeadlines.Conn client;
  private final boolean grpc;

  private volatile boolean deadlineHit;
  private volatile boolean clientGone;
  private volatile RuntimeException uploadFailure;
  private volatile long bytesIn;

  /** What the exchange did, for the access log and metrics. */
  int status;

  long bytesOut;
  ErrorClass error;
  String grpcStatus; // the grpc-status the client got, or null
  long upstreamNanos = -1;

  H2Exchange(ServerRequest req, ServerResponse res, ClientDeadlines.Conn client, boolean grpc) {
    this.req = req;
    this.res = res;
    this.client = client;
    this.grpc = grpc;
  }

  long bytesIn() {
    return bytesIn;
  }

  /**
   * Forwards the request and relays the answer. Failures before anything was sent to the client are
   * thrown as {@link UpstreamException} (the caller answers them); after, a gRPC call ends with a
   * {@code grpc-status} in its trailers and any other request is cut ({@link
   * CloseConnectionException}).
   */
  void run(UpstreamPool pool, UpstreamEndpoint endpoint, Http2Headers head) {
    boolean hasBody = req.content().hasEntity();
    Duration timeout = grpc ? Grpc.timeout(req.headers()).orElse(null) : null;
    long asked = System.nanoTime();
    if (timeout != null && timeout.isZero()) {
      throw deadline(endpoint.toString());
    }
    UpstreamConnection connection = pool.acquireHttp2(endpoint);
    H2Stream stream = null;
    ScheduledFuture<?> timer = null;
    Thread upload = null;
    try {
      stream = H2Stream.open(connection, pool.writeTimeoutNanos(), head, !hasBody);
      H2Stream s = stream;
      if (timeout != null) {
        timer =
            DEADLINES.schedule(
                () -> {
                  deadlineHit = true;
                  s.cancel();
                },
                timeout.toNanos() - (System.nanoTime() - asked),
                TimeUnit.NANOSECONDS);
      }
      if (hasBody) {
        upload = Thread.ofVirtual().name("h2-upload").start(() -> upload(s));
      }
      relay(stream, asked);
    } catch (UpstreamException e) {
      throw failed(stream, e);
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      if (stream != null) {
        stream.close();
      }
      pool.discard(connection);
      if (upload != null) {
        // a client still sending after the answer ended: its read is interrupted (Helidon's
        // HTTP/2 body read ends at an interrupt); the upload's writes fail on the closed socket
        upload.interrupt();
        try {
          upload.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The upload thread: the client's body, as it comes, to the upstream; then END_STREAM. */
  private void upload(H2Stream stream) {
    byte[] buf = new byte[BUFFER];
    InputStream in;
    int n;
    try {
      in = req.content().inputStream();
    } catch (RuntimeException e) {
      clientGone = true;
      stream.cancel();
      return;
    }
    while (true) {
      try {
        n = in.read(buf, 0, buf.length);
      } catch (Exception e) {
        // Helidon's HTTP/2 stream fails a body read once the client reset the stream
        if (!Thread.currentThread().isInterrupted()) {
          clientGone = true;
          stream.cancel();
        }
        return;
      }
      if (n < 0) {
        break;
      }
      try {
        stream.sendData(buf, 0, n);
      } catch (UpstreamException e) {
        uploadFailure = e;
        return; // the response side sees the same connection fail, or has its answer already
      }
      bytesIn += n;
    }
    try {
      stream.endRequest();
    } catch (UpstreamException e) {
      uploadFailure = e;
    }
  }

  private void relay(H2Stream stream, long asked) {
    Http2Headers head = stream.readHead();
    upstreamNanos = System.nanoTime() - asked;
    status = head.status().code();
    res.status(Status.create(status));
    ServerResponseHeaders headers = res.headers();
    List<String> declared = new ArrayList<>(2);
    for (Header h : head.httpHeaders()) {
      String name = h.headerName().lowerCase();
      if (name.equals("trailer")) {
        for (String v : h.allValues()) {
          declared.add(v);
        }
      } else if (!NOT_COPIED.contains(name)) {
        headers.set(h);
      }
    }
    if (stream.remoteEnded()) {
      // no body (for gRPC: a trailers-only answer, grpc-status in the head): one HEADERS frame
      grpcStatus = headers.first(Grpc.STATUS).orElse(null);
      client.beginSend();
      try {
        if (Http2Responses.isHttp2(req.prologue())) {
          ErrorResponses.endWithHead(res);
        } else {
          res.send();
        }
      } finally {
        client.endSend();
      }
      return;
    }
    boolean trailersTaken =
        Http2Responses.isHttp2(req.prologue()) || Trailers.acceptedBy(req.headers());
    if (trailersTaken) {
      // Helidon sends a trailer section only when the head announced one
      if (grpc) {
        declared.add("grpc-status, grpc-message");
      }
      if (!declared.isEmpty()) {
        headers.set(HeaderNames.TRAILER, String.join(", ", declared));
      }
      res.beforeTrailers(t -> trailersTo(stream, t));
    }
    byte[] buf = new byte[BUFFER];
    OutputStream out = client.watchSend(res.outputStream());
    try {
      int n;
      while ((n = stream.readData(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush(); // each piece as it comes: a gRPC message must not wait for the next one
        bytesOut += n;
      }
      out.close();
    } catch (UpstreamException e) {
      if (!grpc || clientGone) {
        throw e; // the caller cuts the stream
      }
      // a gRPC call that already answered ends with the failure as its status
      error = deadlineHit ? ErrorClass.DEADLINE_EXCEEDED : e.kind();
      failedStatus = error;
      failedDetail = deadlineHit ? "deadline exceeded in the proxy" : e.getMessage();
      grpcStatus = Integer.toString(error.grpcStatus()); // known now; the trailers go at commit
      stream.cancel();
    } catch (java.io.IOException | RuntimeException e) {
      stream.cancel();
      clientGone = true;
      error =
          client.timedOut().orElse(null) == ClientDeadlines.Phase.SEND
              ? ErrorClass.CLIENT_SEND_TIMEOUT
              : ErrorClass.CLIENT_ABORT;
      throw new CloseConnectionException("client went away mid-response", e);
    }
    if (failedStatus == null && grpc) {
      Http2Headers t = stream.trailers();
      grpcStatus = t == null ? null : t.httpHeaders().first(Grpc.STATUS).orElse(null);
    }
  }

  private ErrorClass failedStatus;
  private String failedDetail;

  /**
   * The trailers the client gets: the upstream's, or the proxy's own gRPC status after a failure.
   */
  private void trailersTo(H2Stream stream, io.helidon.http.ServerResponseTrailers to) {
    to.remove(HeaderNames.create("stream-result")); // Helidon's own, not the upstream's message
    if (failedStatus != null) {
      to.set(Grpc.STATUS, Integer.toString(failedStatus.grpcStatus()));
      to.set(Grpc.MESSAGE, Grpc.encodeMessage(failedStatus.code() + ": " + failedDetail));
      return;
    }
    Http2Headers t = stream.trailers();
    if (t != null) {
      for (Header h : t.httpHeaders()) {
        HeaderName name = h.headerName();
        if (!NOT_COPIED.contains(name.lowerCase())) {
          to.set(h);
        }
      }
    }
  }

  /** The failure the caller answers, or the cut that ends a stream already answering. */
  private RuntimeException failed(H2Stream stream, UpstreamException e) {
    if (stream != null) {
      stream.cancel();
    }
    if (clientGone) {
      error = ErrorClass.CLIENT_ABORT;
      return new CloseConnectionException("client went away: " + e.getMessage(), e);
    }
    UpstreamException failure = deadlineHit ? deadline(e.upstream()) : e;
    RuntimeException upload = uploadFailure;
    if (!deadlineHit
        && e.kind() == ErrorClass.RESET
        && upload instanceof UpstreamException u
        && u.kind() != ErrorClass.RESET) {
      failure = u; // the upload's write timeout closed the connection under the read
    }
    error = failure.kind();
    if (res.isSent() || status != 0) {
      throw new CloseConnectionException("upstream failed mid-response: " + e.getMessage());
    }
    return failure;
  }

  private static UpstreamException deadline(String upstream) {
    return new UpstreamException(
        ErrorClass.DEADLINE_EXCEEDED, upstream, "the call's grpc-timeout ran out");
  }

  /**
   * The request head for the upstream: the pseudo-header fields, then the client's end-to-end
   * fields under the proxy's header policy ({@link RequestHead#endToEnd}), lower-cased as HTTP/2
   * wants them. {@code te: trailers} goes up when the client sent it (gRPC servers require it).
   */
  static Http2Headers requestHead(
      ServerRequest req,
      String requestTarget,
      String authority,
      boolean tls,
      boolean trusted,
      String clientIp,
      String requestId) {
    WritableHeaders<?> fields = WritableHeaders.create();
    RequestHead.endToEnd(
        req,
        trusted,
        clientIp,
        requestId,
        (name, value) -> fields.add(HeaderNames.create(name.toLowerCase(Locale.ROOT)), value));
    if (Trailers.acceptedBy(req.headers())) {
      fields.set(HeaderNames.TE, "trailers");
    }
    Method method = req.prologue().method();
    return Http2Headers.create(fields)
        .method(method)
        .path(requestTarget)
        .scheme(tls ? "https" : "http")
        .authority(authority);
  }

  private static ScheduledThreadPoolExecutor deadlineTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().name("grpc-deadlines").daemon().unstarted(r));
    timer.setRemoveOnCancelPolicy(true); // a call that ends first leaves no task behind
    timer.setKeepAliveTime(10, TimeUnit.SECONDS); // and no thread stays when no call has a deadline
    timer.allowCoreThreadTimeOut(true);
    return timer;
  }
}
