package io.steadyproxy.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.steadyproxy.http10.Http10;
import io.steadyproxy.proxy.ClientBody.BadRequestBody;
import io.steadyproxy.routing.Cidr;
import io.steadyproxy.routing.Protocol;
import io.steadyproxy.upgrade.Tunnel;
import io.steadyproxy.upgrade.Tunnels;
import io.steadyproxy.upgrade.UpgradeRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The proxy's policy for one request: refuse what it does not serve, match a route, send the head
 * and body through the {@link UpstreamClient}, and relay the answer. Any failure before the
 * response starts becomes an error answer; after that, the only honest move is to close the client
 * connection, so a truncated body never looks complete.
 */
public final class ProxyHandler implements Handler {
  private static final int SMALL_BODY = 16 * 1024; // sent with the head in one write
  private static final int RELAY_BUFFER = 64 * 1024; // bulk bodies of known length
  private static final int STREAM_BUFFER = 16 * 1024; // streams held open for long (SSE, chunked)

  private final Supplier<Dispatch> dispatch;
  private final BooleanSupplier shedding;
  private final ExchangeRecord.Observer observer;
  private final ClientDeadlines deadlines;
  private final BodyBuffers bodyBuffers;
  private final Tunnels tunnels; // null: upgrades are not forwarded (Upgrade is dropped)

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
    this(dispatch, shedding, observer, deadlines, bodyBuffers, null);
  }

  /**
   * @param dispatch where requests go now (read once per request)
   * @param shedding true while the memory monitor sheds load
   * @param observer receives a record of every request
   * @param deadlines the client connections' timeouts
   * @param bodyBuffers the budget of request bodies read whole before an upstream is contacted
   * @param tunnels the upgraded connections (WebSocket and any Upgrade): their limit, idle timeout
   *     and close at shutdown; null forwards no upgrade
   */
  public ProxyHandler(
      Supplier<Dispatch> dispatch,
      BooleanSupplier shedding,
      ExchangeRecord.Observer observer,
      ClientDeadlines deadlines,
      BodyBuffers bodyBuffers,
      Tunnels tunnels) {
    this.dispatch = dispatch;
    this.shedding = shedding;
    this.observer = observer;
    this.deadlines = deadlines;
    this.bodyBuffers = bodyBuffers;
    this.tunnels = tunnels;
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) {
    Exchange x = new Exchange(req, res, dispatch.get());
    try {
      x.run();
    } finally {
      x.body.release();
      observer.completed(x.record());
    }
  }

  /** The state of one proxied request. */
  private final class Exchange {
    private final long start = System.nanoTime();
    private final ServerRequest req;
    private final ServerResponse res;
    private final HttpPrologue prologue;
    private final Dispatch dispatch;
    private final ClientDeadlines.Conn client;
    private final ClientBody body;
    private Routes.Target target;
    private RequestBody up = RequestBody.none();
    private final String requestId;
    private final InetAddress peer;
    private final String clientIp; // forwarded in X-Forwarded-For and logged: formatted once
    private final String query;
    private int status;
    private long bytesOut;
    private long upstreamNanos = -1;
    private long tunnelBytesIn = -1; // client-to-upstream bytes of an upgraded connection
    private ErrorClass error;
    private H2Exchange h2; // a request forwarded over HTTP/2 (h2c and grpc routes)
    private String grpcStatus; // the grpc-status a gRPC call ended with, when known

    Exchange(ServerRequest req, ServerResponse res, Dispatch dispatch) {
      this.req = req;
      this.res = res;
      this.prologue = req.prologue();
      this.dispatch = dispatch;
      this.client = deadlines.of(req);
      this.body = new ClientBody(req, client, bodyBuffers);
      this.requestId = RequestIds.of(req);
      this.peer =
          req.remotePeer().address() instanceof InetSocketAddress isa ? isa.getAddress() : null;
      String formatted = client.address(); // kept by the connection
      this.clientIp =
          formatted != null
              ? formatted
              : (peer != null ? peer.getHostAddress() : req.remotePeer().host());
      this.query = prologue.hasQuery() ? prologue.query().rawValue() : null;
    }

    void run() {
      res.headers().set(RequestIds.HEADER, requestId); // errors carry it too
      String rawPath = prologue.uriPath().rawPath();
      if (shedding.getAsBoolean()) {
        // like Envoy's overload manager: no keep-alive while shedding, idle connections hold memory
        // (ConnectionCloseFilter closes the connection once the body is read off)
        res.header(HeaderNames.RETRY_AFTER, "5").header(HeaderValues.CONNECTION_CLOSE);
        answer(ErrorClass.OVERLOADED, "memory above the limit; shedding load");
      } else if (prologue.method() == Method.CONNECT) {
        res.header(HeaderNames.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        answer(ErrorClass.METHOD_NOT_ALLOWED, "CONNECT is not supported: " + NOT_FORWARD);
      } else if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
        answer(
            ErrorClass.BAD_REQUEST_TARGET,
            "only origin-form request-targets (/path?query) are accepted: " + NOT_FORWARD);
      } else if ((target = dispatch.routes().match(rawPath)) == null) {
        answer(ErrorClass.NO_ROUTE, "no route matches " + rawPath);
      } else {
        forwardOrFail(rawPath);
      }
    }

    private void forwardOrFail(String rawPath) {
      try {
        forward(rawPath);
      } catch (BadRequestBody e) {
        if (res.isSent() || status != 0) {
          throw new CloseConnectionException("bad request body after the response started", e);
        }
        // the rest of the body cannot be trusted to end anywhere: answer, then close the connection
        res.header(HeaderValues.CONNECTION_CLOSE);
        answer(e.error(), e.getMessage());
        throw new CloseConnectionException("request body broken; connection closed after answer");
      } catch (UpstreamException e) {
        error = e.kind();
        if (res.isSent() || status != 0) {
          throw new CloseConnectionException("upstream failed mid-response: " + e.getMessage());
        }
        if (grpcAnswers()) {
          answer(e.kind(), e.getMessage());
          return;
        }
        status = e.kind().status();
        if (body.readElsewhere()) {
          // The upload thread still reads the client's body (a silent client holds it in a read):
          // answer, then close the connection, which ends that read.
          res.header(HeaderValues.CONNECTION_CLOSE);
          ErrorResponses.send(res, e);
          throw new CloseConnectionException("answered while the upload read the request body");
        }
        throw e; // answered by ErrorResponses through the routing's error handler
      }
    }

    private void forward(String rawPath) {
      Protocol protocol = target.route().protocol();
      if (protocol.http2()) {
        forwardH2(rawPath, protocol == Protocol.GRPC);
        return;
      }
      up = body.read();
      // Upgrade and Connection: upgrade go up only for a request that asks to switch protocols,
      // on a connection whose context is known (the proxy socket), and when upgrades are on.
      String upgrade =
          tunnels != null && client.context() != null
              ? UpgradeRequest.protocol(prologue, req.headers())
              : null;
      RequestHead head =
          RequestHead.forward(
              req,
              target.upstreamTarget(rawPath, query),
              upstreamHost(),
              dispatch.trusts(peer),
              clientIp,
              requestId,
              up.length(),
              upgrade);
      if (upgrade != null) {
        forwardUpgrade(head);
        return;
      }
      long asked = System.nanoTime();
      UpstreamResponse response =
          new UpstreamClient(dispatch.pool())
              .exchange(target.endpoint(), prologue.method().text(), head, up);
      upstreamNanos = System.nanoTime() - asked;
      boolean sentWhole;
      try {
        relay(response);
        sentWhole = response.finishUpload();
      } catch (UpstreamException e) {
        throw response.failureOr(e);
      } finally {
        response.close();
      }
      // The upstream answered before it took the whole body. Read and drop the rest, so the client
      // reads that answer; the connection stays open only if the body ended in time.
      if (!sentWhole
          && !(response.uploadStopped()
              && ConnectionCloseFilter.discardBody(req, ConnectionCloseFilter.LINGER))) {
        throw new CloseConnectionException("upstream answered before the request body was sent");
      }
    }

    /**
     * An upgrade request, on an upstream connection of its own under {@code
     * max_upgraded_connections}: a 101 turns the exchange into a tunnel until both sides close,
     * then the client connection closes; any other answer is relayed as usual, and its connection
     * closed, never pooled.
     */
    private void forwardUpgrade(RequestHead head) {
      String upstream = target.endpoint().toString();
      if (!tunnels.tryAcquire()) {
        throw new UpstreamException(ErrorClass.UPGRADES_EXHAUSTED, upstream, tunnels.refusal());
      }
      try {
        long asked = System.nanoTime();
        UpstreamResponse response =
            UpgradeExchange.handshake(
                tunnels, dispatch.pool(), target.endpoint(), prologue.method().text(), head);
        upstreamNanos = System.nanoTime() - asked;
        try {
          if (response.head().status() != 101) {
            relay(response);
            return;
          }
          Tunnel.Result result = UpgradeExchange.splice(tunnels, response, client, requestId);
          status = 101;
          bytesOut = result.upstreamToClient();
          tunnelBytesIn = result.clientToUpstream();
          error =
              switch (result.end()) {
                case CLOSED -> null;
                case CLIENT_FAILED -> ErrorClass.CLIENT_ABORT;
                case UPSTREAM_FAILED -> ErrorClass.RESET;
                case IDLE_TIMEOUT -> ErrorClass.UPGRADE_IDLE_TIMEOUT;
                case SHUTDOWN -> ErrorClass.SHUTDOWN;
              };
        } finally {
          response.close();
        }
      } finally {
        tunnels.release();
      }
      // the client's connection was the tunnel's: Helidon must not read a next request from it
      throw new CloseConnectionException("upgraded connection ended");
    }

    /**
     * A request to an HTTP/2 upstream ({@code h2c} and {@code grpc} routes): streamed both ways by
     * {@link H2Exchange}, trailers relayed. A {@code grpc} route takes HTTP/2 clients only.
     */
    private void forwardH2(String rawPath, boolean grpcRoute) {
      if (grpcRoute && !Http2Responses.isHttp2(prologue)) {
        answer(
            ErrorClass.HTTP2_REQUIRED,
            "this route carries gRPC, which needs HTTP/2 (h2c with prior knowledge, or h2 over"
                + " TLS); gRPC-Web is not translated");
        return;
      }
      var head =
          H2Exchange.requestHead(
              req,
              target.upstreamTarget(rawPath, query),
              upstreamHost(),
              target.endpoint().tls(),
              dispatch.trusts(peer),
              clientIp,
              requestId);
      h2 = new H2Exchange(req, res, client, grpcRoute && Grpc.isGrpc(req.headers()));
      try {
        h2.run(dispatch.pool(), target.endpoint(), head);
      } finally {
        status = h2.status;
        bytesOut = h2.bytesOut;
        upstreamNanos = h2.upstreamNanos;
        grpcStatus = h2.grpcStatus;
        if (h2.error != null) {
          error = h2.error;
        }
      }
    }

    /**
     * Whether the proxy's own answers take gRPC's form (HTTP 200, {@code grpc-status}): for a gRPC
     * call over HTTP/2, before a route is known or on a {@code grpc} route.
     */
    private boolean grpcAnswers() {
      return Http2Responses.isHttp2(prologue)
          && (target == null || target.route().protocol() == Protocol.GRPC)
          && Grpc.isGrpc(req.headers());
    }

    /** Sends the answer's head and streams its body to the client. */
    private void relay(UpstreamResponse response) {
      ResponseHead head = response.head();
      // A small body of known length is read first and sent with the head in one write. Until
      // then nothing is committed, so an upstream failure while reading it is still a 502.
      byte[] small = response.readSmall(SMALL_BODY);
      if (small != null || response.empty()) {
        awaitUploadBeforeEnd(response); // the whole answer is one write: decide before it is set
      }
      status = head.status();
      res.status(Status.create(head.status(), head.reason()));
      head.copyTo(res.headers()); // without the upstream's X-Request-Id: ours is set already
      if (Trailers.acceptedBy(req.headers())) {
        if (response.chunked()) {
          Trailers.declare(head.names(), head.values(), res.headers());
        }
        // runs when the body has ended: the upstream's trailers in place of Helidon's own
        res.beforeTrailers(t -> response.trailers().writeTo(t));
      }
      if (head.contentLength() >= 0
          && head.status() >= 200
          && head.status() != 204
          && head.status() != 304) {
        res.headers().contentLength(head.contentLength());
      }
      try {
        if (small != null || response.empty()) {
          client.beginSend(); // a whole response in one write, under send_timeout
          try {
            if (small == null) {
              res.send();
            } else {
              res.send(small);
            }
          } finally {
            client.endSend();
          }
          bytesOut = small == null ? 0 : small.length;
        } else {
          stream(response);
        }
      } catch (UpstreamException | BadRequestBody e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        if (client.timedOut().orElse(null) == ClientDeadlines.Phase.SEND) {
          error = ErrorClass.CLIENT_SEND_TIMEOUT;
          throw new CloseConnectionException("client took nothing for send_timeout", e);
        }
        error = ErrorClass.CLIENT_ABORT;
        throw new CloseConnectionException("client went away mid-response", e);
      }
    }

    private void stream(UpstreamResponse response) throws IOException {
      boolean flushEach = response.streaming(); // no length: each piece as it comes (SSE)
      byte[] buf = response.relayBuffer(flushEach ? STREAM_BUFFER : RELAY_BUFFER);
      int n = response.read(buf, 0, buf.length);
      if (n < 0) {
        // A body without a length that ended before its first byte. Helidon 4.5.0 answers an output
        // stream closed unwritten with Content-Length: 0 and, to a client that sent TE: trailers,
        // still writes a trailer section after it: bytes read as the next response's start. So it
        // goes as an empty body, without trailers (TrailersTest).
        res.headers().remove(HeaderNames.TRAILER);
        awaitUploadBeforeEnd(response);
        client.beginSend();
        try {
          res.send();
        } finally {
          client.endSend();
        }
        return;
      }
      OutputStream out = client.watchSend(res.outputStream());
      // With an upload under way, the last byte of a body of known length is held back until the
      // upload's outcome is known: the client must not see a complete response to a broken request.
      long holdAt = response.uploading() ? response.length() : -1;
      boolean ended = false;
      do {
        // What has already arrived goes out in one write, however the reads cut it (the head
        // buffer's share of a body and the rest, a chunked body's next chunks and its end), as
        // nginx writes what its read took in: each write wakes the client. A 16 KiB chunked echo
        // went out in 4 writes (head, the head buffer's share, the rest, the last chunk), now in 1.
        while (n < buf.length && response.ready()) {
          int more = response.read(buf, n, buf.length - n);
          if (more < 0) {
            ended = true;
            break;
          }
          n += more;
        }
        int now = holdAt >= 0 && bytesOut + n == holdAt && n > 0 ? n - 1 : n;
        out.write(buf, 0, now);
        if (flushEach && !ended) { // at the end, close() sends it, with a length if it is all
          out.flush();
        }
        bytesOut += now;
        if (now < n) {
          awaitUploadBeforeEnd(response);
          out.write(buf, now, 1);
          bytesOut += 1;
        }
      } while (!ended && (n = response.read(buf, 0, buf.length)) >= 0);
      if (holdAt < 0) {
        awaitUploadBeforeEnd(response);
      }
      out.close();
    }

    /**
     * While the request body still streams up, the response must not end cleanly before the upload
     * has: an upstream that answers before reading the whole body would otherwise have its answer
     * relayed as a success for a request whose body then broke (malformed chunk, client abort). A
     * body that broke turns the answer into the failure (before anything was sent: a 400; after:
     * the connection closes with the response unfinished).
     */
    private void awaitUploadBeforeEnd(UpstreamResponse response) {
      RuntimeException failure = response.uploadFailure();
      if (failure instanceof BadRequestBody || failure instanceof CloseConnectionException) {
        throw failure;
      }
    }

    /** The Host the upstream sees: the client's when preserve_host is on, else the upstream's. */
    private String upstreamHost() {
      String clientHost = req.authority();
      return dispatch.preserveHost() && clientHost != null
          ? clientHost
          : target.endpoint().authority();
    }

    private void answer(ErrorClass err, String detail) {
      error = err;
      if (grpcAnswers()) {
        status = 200;
        grpcStatus = ErrorResponses.sendGrpc(res, err, detail);
        return;
      }
      status = err.status();
      ErrorResponses.send(res, err, detail);
    }

    ExchangeRecord record() {
      int sent = status != 0 ? status : (res.isSent() ? res.status().code() : 0);
      return new ExchangeRecord(
          target == null ? "-" : target.route().prefix(),
          prologue.method().text(),
          prologue.uriPath().rawPath(),
          sent,
          System.nanoTime() - start,
          tunnelBytesIn >= 0 ? tunnelBytesIn : h2 != null ? h2.bytesIn() : up.sent(),
          bytesOut,
          target == null ? "-" : target.upstreamName(),
          body.error() != null ? body.error() : error,
          clientIp,
          query,
          Http10.servingHttp10() // Helidon saw the HTTP/1.1 it was translated to
              ? "HTTP/1.0"
              : "1.1".equals(prologue.protocolVersion())
                  ? "HTTP/1.1"
                  : prologue.protocol() + "/" + prologue.protocolVersion(),
          req.headers().first(HeaderNames.USER_AGENT).orElse(null),
          requestId,
          upstreamNanos,
          grpcStatus);
    }
  }

  private static final String NOT_FORWARD = "SteadyProxy is a reverse proxy, not a forward proxy";
}
