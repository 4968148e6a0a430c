package io.steadyproxy.proxy;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Client-side timeouts (nginx's client_header_timeout, client_body_timeout, send_timeout and
 * keepalive_timeout), enforced without a timer per blocking read.
 *
 * <p>Helidon 4.5.0 sets no read timeout on server sockets, and a socket SO_TIMEOUT on a virtual
 * thread costs a timed park per read. Instead, each client connection publishes its current
 * deadlines in a {@link Conn}; one sweeper thread compares them with the clock a few times a second
 * and closes (or half-closes) the socket of a connection past its deadline, which wakes the blocked
 * read or write with an error. The same shape as {@link UpstreamPool}'s sweeper for upstream write
 * timeouts.
 *
 * <p>Where the hooks come from, all public Helidon 4.5.0 API:
 *
 * <ul>
 *   <li>accept: the listener calls {@link SocketOptions#configureSocket(SocketChannel)} on every
 *       accepted socket before its handler starts ({@code ServerListener.listen}); {@link
 *       #accepted} registers the channel there, so a connection that never sends a byte (or stalls
 *       in its TLS handshake) has a deadline from its first moment. Helidon's own idle-connection
 *       timer cannot see such a connection: it is added to the active connections only after its
 *       first bytes identified the protocol.
 *   <li>request head read: the HTTP/1.1 receive listener's {@code prologue} and {@code headers}
 *       callbacks ({@link #listener}). The per-read {@code data} callback is never invoked by
 *       {@code DataReader} in 4.5.0, so body progress is published by the reader itself ({@link
 *       Conn#beginBodyRead}).
 *   <li>response end: a routing filter ({@link #filter}) around every route of the socket.
 * </ul>
 *
 * A connection is found again by its remote address: unique among the open connections of one
 * listening socket.
 */
public final class ClientDeadlines implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ClientDeadlines.class.getName());

  /**
   * How often the sweeper looks: the error against a deadline is at most this, small next to the 60
   * s defaults and to the 2 s used in tests; a pass over 1000 connections reads a few volatile
   * fields each, microseconds.
   */
  static final Duration SWEEP_PERIOD = Duration.ofMillis(200);

  /**
   * How long a timed-out connection may take to send its 408 and close by itself before the sweeper
   * closes the socket outright.
   */
  static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

  private static final byte[] TIMEOUT_408 =
      ErrorResponses.raw(ErrorClass.CLIENT_HEADER_TIMEOUT, "request head not received in time", "");

  /** The phase a connection timed out in, named as in the metric's {@code phase} label. */
  public enum Phase {
    /** Waiting for the request head (client_header_timeout). */
    HEADER,
    /** Waiting for the next piece of a request body (client_body_timeout). */
    BODY,
    /** A write to the client made no progress (send_timeout). */
    SEND,
    /** Idle between requests (client_keepalive_timeout). */
    KEEPALIVE;

    /** The label value. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The four timeouts; a reload swaps them, and deadlines set from then on use the new values.
   *
   * @param header client_header_timeout
   * @param body client_body_timeout
   * @param send send_timeout
   * @param keepalive client_keepalive_timeout
   */
  public record Timeouts(Duration header, Duration body, Duration send, Duration keepalive) {}

  private final Map<SocketAddress, Conn> open = new ConcurrentHashMap<>();
  // Helidon serves an HTTP/1.1 connection on one virtual thread from its first byte to its close,
  // so that thread's connection is found in the map once and then kept here: three map lookups a
  // request (request line, head, handler) were 4 % of the proxy's CPU in a JFR profile.
  private final ThreadLocal<Conn> current = new ThreadLocal<>();
  // HTTP/2: many streams share a connection, each on a virtual thread of its own, and each has its
  // own body and send deadlines; the stream being served on this thread (set by the filter)
  private final ThreadLocal<Conn> stream = new ThreadLocal<>();
  private final Set<Conn> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean plainText = true;
  private final Consumer<Phase> onTimeout;
  private final ScheduledExecutorService sweeper;
  private volatile Timeouts timeouts;

  /**
   * Creates the registry and starts its sweeper.
   *
   * @param timeouts the timeouts
   * @param onTimeout told once per timed-out connection (the metric)
   */
  public ClientDeadlines(Timeouts timeouts, Consumer<Phase> onTimeout) {
    this.timeouts = timeouts;
    this.onTimeout = onTimeout;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("client-deadline-sweeper").daemon().factory());
    long period = SWEEP_PERIOD.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Tells that the listener speaks TLS: a connection that timed out before its request head is then
   * closed without the 408, which cannot be written in plain text into a TLS session.
   */
  public ClientDeadlines tls(boolean on) {
    this.plainText = !on;
    return this;
  }

  /** Applies reloaded timeouts to every deadline set from now on. */
  public void timeouts(Timeouts next) {
    this.timeouts = next;
  }

  /** Client connections now watched (open sockets of the listener). */
  public int watched() {
    return open.size();
  }

  /** The HTTP/1.1 receive listener: the head's progress. */
  public Http1ConnectionListener listener() {
    return new Http1ConnectionListener() {
      @Override
      public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        Conn c = find(ctx.remotePeer().address());
        if (c != null) {
          c.requestLineRead();
        }
      }

      @Override
      public void headers(ConnectionContext ctx, Headers headers) {
        Conn c = find(ctx.remotePeer().address());
        if (c != null) {
          c.headRead();
          if (c.context == null) {
            c.context = ctx; // the same for every request of the connection
          }
        }
      }
    };
  }

  /**
   * A routing filter that starts the keep-alive deadline when a response has ended. On HTTP/2 the
   * connection is idle only when its last open stream has ended, and each stream gets body and send
   * deadlines of its own.
   */
  public Filter filter() {
    return (chain, req, res) -> {
      if (Http2Responses.isHttp2(req.prologue())) {
        serveStream(chain, req);
        return;
      }
      try {
        chain.proceed();
      } finally {
        of(req).responseEnded();
      }
    };
  }

  private void serveStream(FilterChain chain, ServerRequest req) {
    Conn c = find(req.remotePeer().address());
    if (c == null || c.owner == null) {
      chain.proceed();
      return;
    }
    Conn s = c.streamStarted();
    streams.add(s);
    stream.set(s);
    try {
      chain.proceed();
    } finally {
      stream.remove();
      streams.remove(s);
      c.streamEnded();
    }
  }

  /**
   * The connection a request came on (on HTTP/2, its stream); a no-op one when it is not watched
   * (admin socket).
   */
  public Conn of(ServerRequest req) {
    Conn s = stream.get();
    if (s != null) {
      return s;
    }
    Conn c = find(req.remotePeer().address());
    return c != null ? c : Conn.UNWATCHED;
  }

  /** The watched connection of {@code peer}: this thread's, or else the one in the map. */
  private Conn find(SocketAddress peer) {
    Conn c = current.get();
    if (c != null && (c.peer == peer || c.peer.equals(peer))) {
      return c;
    }
    c = open.get(peer);
    if (c != null) {
      current.set(c);
    }
    return c;
  }

  /**
   * Registers a socket the listener has just accepted, with its header deadline: the listener's
   * accept hook (see {@code AcceptHookSocketOptions}).
   */
  public void accepted(SocketChannel channel) {
    try {
      SocketAddress peer = channel.getRemoteAddress();
      if (peer != null) {
        open.put(peer, new Conn(this, channel, peer));
      }
    } catch (IOException e) {
      // closed already: nothing to watch
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      for (Conn c : open.values()) {
        c.check(now);
      }
      for (Conn s : streams) {
        s.check(now);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "client deadline sweep failed", e);
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }

  /**
   * The deadlines of one client connection. The connection's threads publish them; the sweeper
   * reads them. Head, body and send deadlines are separate because an upload thread may read the
   * body while the handler thread writes the response.
   */
  public static final class Conn {
    static final Conn UNWATCHED = new Conn(null, null, null);
    private static final long NONE = Long.MAX_VALUE;

    private final ClientDeadlines owner;
    private final SocketChannel channel;
    private final SocketAddress peer;
    private final Conn connection; // an HTTP/2 stream's connection; this one otherwise
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile boolean http2;
    private volatile long headDeadline; // header or keep-alive
    private volatile Phase headPhase = Phase.HEADER;
    private volatile long bodyDeadline = NONE;
    private volatile long sendDeadline = NONE;
    private volatile boolean responseStarted;
    private final AtomicReference<Phase> timedOut = new AtomicReference<>();
    private volatile long hardCloseAt = NONE;
    private String address; // the peer's IP address as text, formatted once per connection
    private ConnectionContext context; // set on the connection's thread when its first head is read

    private Conn(ClientDeadlines owner, SocketChannel channel, SocketAddress peer) {
      this.owner = owner;
      this.channel = channel;
      this.peer = peer;
      this.connection = this;
      this.headDeadline = owner == null ? NONE : System.nanoTime() + nanos(owner.timeouts.header());
    }

    /** An HTTP/2 stream of {@code connection}: body and send deadlines only. */
    private Conn(Conn connection) {
      this.owner = connection.owner;
      this.channel = connection.channel;
      this.peer = connection.peer;
      this.connection = connection;
      this.headDeadline = NONE;
    }

    private Conn streamStarted() {
      http2 = true;
      openStreams.incrementAndGet();
      headDeadline = NONE; // a stream is open: the connection is not idle
      return new Conn(this);
    }

    private void streamEnded() {
      if (openStreams.decrementAndGet() == 0) {
        headPhase = Phase.KEEPALIVE;
        headDeadline = System.nanoTime() + nanos(owner.timeouts.keepalive());
      }
    }

    private void requestLineRead() {
      // The request line of a kept-alive connection arrived: the rest of the head gets
      // client_header_timeout (nginx starts that timer when the next request's bytes arrive).
      if (headPhase == Phase.KEEPALIVE) {
        headPhase = Phase.HEADER;
        headDeadline = System.nanoTime() + nanos(owner.timeouts.header());
      }
    }

    private void headRead() {
      headDeadline = NONE;
      responseStarted = false;
    }

    private void responseEnded() {
      if (owner == null) {
        return;
      }
      bodyDeadline = NONE;
      sendDeadline = NONE;
      headPhase = Phase.KEEPALIVE;
      headDeadline = System.nanoTime() + nanos(owner.timeouts.keepalive());
    }

    /** Before a read of the request body: the client has client_body_timeout to send more. */
    public void beginBodyRead() {
      if (owner != null) {
        bodyDeadline = System.nanoTime() + nanos(owner.timeouts.body());
      }
    }

    /** After a read of the request body returned. */
    public void endBodyRead() {
      bodyDeadline = NONE;
    }

    /** Before a write to the client: it has send_timeout to take it. */
    public void beginSend() {
      responseStarted = true;
      if (owner != null) {
        sendDeadline = System.nanoTime() + nanos(owner.timeouts.send());
      }
    }

    /** After a write to the client returned. */
    public void endSend() {
      sendDeadline = NONE;
    }

    /** The request body's stream, each read of it under client_body_timeout. */
    public InputStream watchBody(InputStream in) {
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          beginBodyRead();
          try {
            return in.read();
          } finally {
            endBodyRead();
          }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          beginBodyRead();
          try {
            return in.read(b, off, len);
          } finally {
            endBodyRead();
          }
        }
      };
    }

    /** The response stream, each write, flush and close of it under send_timeout. */
    public OutputStream watchSend(OutputStream out) {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          beginSend();
          try {
            out.write(b);
          } finally {
            endSend();
          }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          beginSend();
          try {
            out.write(b, off, len);
          } finally {
            endSend();
          }
        }

        @Override
        public void flush() throws IOException {
          beginSend();
          try {
            out.flush();
          } finally {
            endSend();
          }
        }

        @Override
        public void close() throws IOException {
          beginSend();
          try {
            out.close();
          } finally {
            endSend();
          }
        }
      };
    }

    /**
     * The client's IP address as text (for X-Forwarded-For), formatted on the connection's first
     * request and kept: formatting it for every request showed in the profile. Null when the
     * connection is not watched.
     */
    public String address() {
      if (connection != this) {
        return connection.address();
      }
      if (address == null && peer instanceof InetSocketAddress isa && isa.getAddress() != null) {
        address = isa.getAddress().getHostAddress();
      }
      return address;
    }

    /**
     * Helidon's context of this connection (its reader and writer), for an upgraded connection that
     * takes the connection over after its 101; null when the connection is not watched. Read on the
     * connection's thread only.
     */
    public ConnectionContext context() {
      return context;
    }

    /**
     * Half-closes the connection's TCP socket: the client reads the end of the stream and can still
     * send (a tunnel passes on an upstream's half-close).
     */
    public void shutdownOutput() {
      try {
        channel.shutdownOutput();
      } catch (IOException e) {
        closeQuietly();
      }
    }

    /** Closes the connection's socket, waking a read or write blocked on it. */
    public void close() {
      closeQuietly();
    }

    /** The phase this connection timed out in, if it did. */
    public Optional<Phase> timedOut() {
      return Optional.ofNullable(timedOut.get());
    }

    private void check(long now) {
      if (!channel.isOpen()) {
        if (connection == this) {
          owner.open.remove(peer, this);
        }
        return;
      }
      if (timedOut.get() != null) {
        if (now - hardCloseAt >= 0) {
          closeQuietly(); // the 408 or the handler's own close did not happen in time
        }
        return;
      }
      Phase phase = null;
      if (now - headDeadline >= 0
          && headDeadline != NONE
          // a stream that started while the last one was ending: not idle after all
          && !(headPhase == Phase.KEEPALIVE && openStreams.get() > 0)) {
        phase = headPhase;
      } else if (now - bodyDeadline >= 0 && bodyDeadline != NONE) {
        phase = Phase.BODY;
      } else if (now - sendDeadline >= 0 && sendDeadline != NONE) {
        phase = Phase.SEND;
      }
      if (phase == null || !timedOut.compareAndSet(null, phase)) {
        return;
      }
      hardCloseAt = now + CLOSE_GRACE_NANOS;
      owner.onTimeout.accept(phase);
      LOG.log(
          System.Logger.Level.INFO,
          "client " + peer + " timed out (" + phase.label() + "); connection closed");
      switch (phase) {
        case HEADER -> {
          if (owner.plainText && !http2) {
            // Like HAProxy (nginx closes silently): the client learns why. Written from a virtual
            // thread so a client that reads nothing cannot block the sweeper; nothing else writes
            // on a connection still waiting for its head.
            Thread.ofVirtual().name("client-408").start(this::answer408AndClose);
          } else {
            closeQuietly(); // no HTTP/1.1 bytes into a TLS session or an HTTP/2 connection
          }
        }
        case BODY -> {
          if (responseStarted || connection != this) {
            // an HTTP/2 stream cannot be reset from here: its connection goes, as on a send
            closeQuietly();
          } else {
            // The reader sees the end of the stream and answers 408 on its own thread.
            shutdownInputQuietly();
          }
        }
        case SEND, KEEPALIVE -> closeQuietly();
      }
    }

    private void answer408AndClose() {
      try {
        ByteBuffer b = ByteBuffer.wrap(TIMEOUT_408);
        while (b.hasRemaining()) {
          channel.write(b);
        }
        channel.shutdownOutput();
      } catch (IOException e) {
        // the client went away meanwhile: closing is all that is left
      } finally {
        closeQuietly();
      }
    }

    private void shutdownInputQuietly() {
      try {
        channel.shutdownInput();
      } catch (IOException e) {
        closeQuietly();
      }
    }

    private void closeQuietly() {
      try {
        channel.close();
      } catch (IOException e) {
        // closing is best effort; the handler's thread sees the socket fail either way
      }
    }
  }

  private static long nanos(Duration d) {
    return d.isZero() || d.isNegative() ? NONE_NANOS : d.toNanos();
  }

  private static final long NONE_NANOS = Long.MAX_VALUE / 4; // "0: no limit" stays far away
}
