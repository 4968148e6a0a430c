package io.steadyproxy.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One pooled socket to an upstream, with its own read buffer and relay buffer so that a request
 * allocates nothing per byte. Only the {@link UpstreamPool} creates, lends and closes connections.
 *
 * <p>Reads and writes publish a deadline that the pool's sweeper enforces by closing the socket;
 * the socket itself has no {@code SO_TIMEOUT}. On a virtual thread a read with {@code SO_TIMEOUT}
 * parks with a timer: the JDK's delay scheduler gets a task per read and is woken to add and cancel
 * it, two context switches a request on a one-core proxy. Measured on loopback, small responses, 64
 * connections, the proxy on one core: context switches fell from 3.3 to 0.06 a request (perf stat;
 * the delay-scheduler thread had made 3 futex calls a request, strace -f) and the proxy's CPU time
 * from 65 to 54 µs a request. The price is precision: a read times out up to one sweep period (a
 * quarter of the shortest timeout, at most 1 s) late.
 *
 * <p>The socket is a {@link SocketChannel}'s adaptor rather than a plain {@link Socket}, only so
 * that {@link #probeIdle} can ask without blocking whether the upstream closed or wrote to an idle
 * connection: a plain socket's {@code available()} answers 0 both for "nothing yet" and for "closed
 * by the peer", and a read with a timeout of 1 ms would add a millisecond to every reuse.
 */
public final class UpstreamConnection {
  private static final int READ_BUFFER = 16 * 1024;

  private final UpstreamEndpoint endpoint;
  private final SocketChannel channel; // the TCP connection under the socket (and under TLS)
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final long writeTimeoutNanos;
  private final long readTimeoutNanos;
  private final byte[] buf = new byte[READ_BUFFER];
  private byte[]
      relay; // allocated on first streamed body: most responses are small and never need it
  private int pos;
  private int limit;
  private int lineStart; // of the head line nextLine found last

  private volatile long
      writeDeadline; // System.nanoTime() bound of the write under way, 0 when not writing
  private volatile boolean writeTimedOut;
  private volatile long readDeadline; // bound of the read under way, 0 when not reading
  private volatile boolean readTimedOut;
  private volatile boolean closed;
  private long idleSinceMillis;
  private boolean reused;
  private long headDeadline; // System.nanoTime() bound for the response head being read, 0 if none
  private volatile boolean responseStarted; // a response byte was read since the last markIdle

  // Guarded by this: whether a request holds the connection (so the sweeper must not probe it), and
  // whether a probe found it unusable (sticky: a probe may have consumed the byte that told).
  private boolean lent = true;
  private boolean stale;
  private final ByteBuffer probe = ByteBuffer.allocate(1);

  private UpstreamConnection(
      UpstreamEndpoint endpoint,
      SocketChannel channel,
      Socket socket,
      Duration readTimeout,
      Duration writeTimeout)
      throws IOException {
    this.endpoint = endpoint;
    this.channel = channel;
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.readTimeoutNanos = readTimeout.toNanos();
    this.writeTimeoutNanos = writeTimeout.toNanos();
  }

  /** Opens an HTTP/1.1 connection, mapping every failure to its {@link ErrorClass}. */
  static UpstreamConnection open(
      UpstreamEndpoint endpoint,
      Duration connectTimeout,
      Duration readTimeout,
      Duration writeTimeout,
      SSLSocketFactory tls) {
    return open(endpoint, connectTimeout, readTimeout, writeTimeout, tls, false);
  }

  /**
   * Opens a connection, mapping every failure to its {@link ErrorClass}.
   *
   * @param http2 the connection will speak HTTP/2: under TLS, ALPN offers {@code h2} only, and an
   *     upstream that does not choose it is a protocol error (on cleartext, HTTP/2 goes by prior
   *     knowledge)
   */
  static UpstreamConnection open(
      UpstreamEndpoint endpoint,
      Duration connectTimeout,
      Duration readTimeout,
      Duration writeTimeout,
      SSLSocketFactory tls,
      boolean http2) {
    SocketChannel channel;
    try {
      channel = SocketChannel.open();
    } catch (IOException e) {
      throw new UpstreamException(
          ErrorClass.CONNECT_REFUSED,
          endpoint.toString(),
          "cannot open a socket: " + e.getMessage());
    }
    Socket socket = channel.socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(
          new InetSocketAddress(endpoint.host(), endpoint.port()), (int) connectTimeout.toMillis());
      if (endpoint.tls()) {
        socket.setSoTimeout((int) connectTimeout.toMillis()); // the handshake counts as connecting
        SSLSocket ssl =
            (SSLSocket) tls.createSocket(socket, endpoint.host(), endpoint.port(), true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!Character.isDigit(endpoint.host().charAt(0)) && !endpoint.host().contains(":")) {
          params.setServerNames(List.of(new SNIHostName(endpoint.host())));
        }
        params.setApplicationProtocols(new String[] {http2 ? "h2" : "http/1.1"});
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        if (http2 && !"h2".equals(ssl.getApplicationProtocol())) {
          closeQuietly(ssl);
          throw new UpstreamException(
              ErrorClass.PROTOCOL,
              endpoint.toString(),
              "the upstream did not choose h2 by ALPN (an h2c or grpc route to https needs it)");
        }
        ssl.setSoTimeout(0); // from here on the sweeper bounds reads (see the class comment)
        return new UpstreamConnection(endpoint, channel, ssl, readTimeout, writeTimeout);
      }
      return new UpstreamConnection(endpoint, channel, socket, readTimeout, writeTimeout);
    } catch (UnknownHostException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          ErrorClass.UNKNOWN_HOST, endpoint.toString(), "unknown host " + endpoint.host());
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          ErrorClass.CONNECT_TIMEOUT,
          endpoint.toString(),
          "no connection within " + connectTimeout.toMillis() + " ms");
    } catch (ConnectException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          ErrorClass.CONNECT_REFUSED, endpoint.toString(), "connection refused");
    } catch (SSLException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          ErrorClass.TLS_FAILURE, endpoint.toString(), "TLS handshake failed: " + e.getMessage());
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          ErrorClass.CONNECT_REFUSED, endpoint.toString(), "cannot connect: " + e.getMessage());
    } catch (RuntimeException | Error e) {
      closeQuietly(socket); // an OutOfMemoryError for the buffers must not leak the socket
      throw e;
    }
  }

  /** The endpoint this connection belongs to. */
  public UpstreamEndpoint endpoint() {
    return endpoint;
  }

  /**
   * A buffer of at least {@code size} bytes that this connection's requests use to relay bodies,
   * allocated on first need and kept with the connection, so most requests allocate none.
   */
  byte[] relayBuffer(int size) {
    if (relay == null || relay.length < size) {
      relay = new byte[size];
    }
    return relay;
  }

  /**
   * Whether this connection served an earlier request (and so may have been closed by the upstream
   * meanwhile).
   */
  boolean reused() {
    return reused;
  }

  void markIdle(long nowMillis) {
    idleSinceMillis = nowMillis;
    reused = true;
    responseStarted = false;
    synchronized (this) {
      lent = false;
    }
  }

  /** The local port of the TCP connection (tests use it to tell a reused socket from a new one). */
  int localPort() {
    return socket.getLocalPort();
  }

  /**
   * Checks, without blocking, that an idle connection can carry another request: the upstream has
   * neither closed it nor sent anything since its last response ended. An upstream that closes idle
   * keep-alive connections (Node.js, uvicorn and Apache do so after about 5 s) leaves a socket that
   * fails on first use, and a non-idempotent request cannot then be retried; bytes it sent unasked
   * (a body after a HEAD, 204 or 304 answer, or past a Content-Length) would otherwise be read as
   * the next request's response.
   *
   * <p>The check is a non-blocking read of at most one byte from the TCP connection, under TLS too:
   * 0 means nothing arrived and the upstream has not closed; -1 means it closed; a byte means it
   * sent something unasked, and the connection is given up (the byte is lost with it). On a TLS
   * connection any byte counts, even a TLS record that carries no data (a close_notify alert also
   * means closing); servers send their TLS 1.3 session tickets right after the handshake, so the
   * first response's read has consumed them before the connection is idle. Plaintext the TLS layer
   * has already decrypted but nobody read is checked with {@code available()}, which for an
   * SSLSocket counts exactly that and never reads the network.
   *
   * <p>Cost: one system call. Once a virtual thread has written to the channel (every request head
   * does), {@code configureBlocking} only flips a flag, so the probe is one {@code read} that
   * returns EAGAIN. Measured on the shared 2-core build machine (JDK 25, loopback, 5 rounds of
   * 200,000 probes of a healthy idle connection on a virtual thread, load average 10): 4-7 µs per
   * probe, the same as a bare {@code available()} (one FIONREAD ioctl) in the same run, so no
   * cheaper check exists that also sees a close.
   *
   * @param lend true when a request takes the connection if it is usable (from then on the sweeper
   *     leaves it alone); false for the sweeper's look at a connection that may be idle
   * @return false if the connection must be closed; true if it is usable, or (for the sweeper) lent
   */
  synchronized boolean probeIdle(boolean lend) {
    if (!lend && lent) {
      return true; // a request took it after the sweeper saw it idle: the request's probe decides
    }
    lent |= lend;
    if (stale || closed || pos < limit) {
      stale = true;
      return false;
    }
    try {
      if (socket != channel.socket() && socket.getInputStream().available() > 0) {
        stale = true; // TLS: decrypted bytes nobody asked for
        return false;
      }
      channel.configureBlocking(false);
      try {
        probe.clear();
        stale = channel.read(probe) != 0;
      } finally {
        channel.configureBlocking(true);
      }
    } catch (IOException | RuntimeException e) {
      stale = true; // reset by the peer, or closed under us
    }
    return !stale;
  }

  /**
   * Marks a lent connection as handed back to the pool; false if it was not lent (handed back
   * already), so a second release or discard of one exchange cannot free a slot twice.
   */
  synchronized boolean handBack() {
    if (!lent) {
      return false;
    }
    lent = false;
    return true;
  }

  long idleSinceMillis() {
    return idleSinceMillis;
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Whether bytes the upstream sent are still unread (a response must leave none behind to be
   * reused).
   */
  boolean hasBufferedBytes() {
    return pos < limit;
  }

  /**
   * Whether a read now returns bytes without waiting for the upstream: some are buffered here, or
   * the kernel holds some (one FIONREAD). Under TLS the socket counts only bytes it has already
   * decrypted, so a record still in the kernel looks not ready: the relay then writes what it has,
   * as it did before it gathered.
   */
  boolean bytesReady() {
    if (pos < limit) {
      return true;
    }
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return false; // the read that follows meets the same failure and reports it
    }
  }

  /**
   * Whether the next chunk of a chunked body can be read without waiting: its size line is here and
   * after it a byte of data or, for the last chunk, the empty line that ends a body without
   * trailers. A last chunk with trailers is not ready: the body read so far goes out first, as
   * before, and a trailer section the proxy refuses then ends a response the client has seen begin
   * (TrailersTest). Takes into the buffer what the kernel already holds, if that is needed (such a
   * read cannot wait).
   */
  boolean chunkStartReady() {
    int eol = lineEnd();
    if (eol < 0 && (!pullReady() || (eol = lineEnd()) < 0)) {
      return false;
    }
    if (!lastChunk(eol)) {
      return eol + 1 < limit || (pullReady() && lineEnd() + 1 < limit);
    }
    return noTrailers(eol) || (pullReady() && noTrailers(lineEnd()));
  }

  /** Reads what the kernel already holds into the buffer; false if it held nothing or no room. */
  private boolean pullReady() {
    if (limit - pos >= buf.length) {
      return false;
    }
    try {
      if (in.available() <= 0) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    return fill() > 0; // cannot wait: the kernel holds bytes
  }

  private int lineEnd() {
    for (int i = pos; i < limit; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Whether the size line ending at {@code eol} is the last chunk's (zeros, then its end). */
  private boolean lastChunk(int eol) {
    int i = pos;
    while (i < eol && buf[i] == '0') {
      i++;
    }
    return i > pos
        && (i == eol || buf[i] == '\r' || buf[i] == ';' || buf[i] == ' ' || buf[i] == '\t');
  }

  /** Whether the line after the one ending at {@code eol} is here and empty. */
  private boolean noTrailers(int eol) {
    return (eol + 1 < limit && buf[eol + 1] == '\n')
        || (eol + 2 < limit && buf[eol + 1] == '\r' && buf[eol + 2] == '\n');
  }

  // ---- writing ----

  /**
   * Writes all bytes, or fails with WRITE_TIMEOUT if the upstream takes none for the write timeout.
   */
  void write(byte[] bytes, int off, int len) {
    writeDeadline = System.nanoTime() + writeTimeoutNanos;
    try {
      out.write(bytes, off, len);
    } catch (IOException e) {
      throw writeFailure(e);
    } finally {
      writeDeadline = 0;
    }
  }

  /**
   * Writes {@code a} then {@code b}: on a plain connection in one system call (a gathering write),
   * so a request head and a body read whole go up together, as nginx's writev sends them, instead
   * of costing a second write (strace of the 16 KiB POST echo: 6 writes a request before, 5 after).
   * Under TLS the socket frames its own records, and the two go as two writes.
   */
  void write(byte[] a, int aLength, byte[] b, int bLength) {
    if (socket != channel.socket()) {
      write(a, 0, aLength);
      write(b, 0, bLength);
      return;
    }
    writeDeadline = System.nanoTime() + writeTimeoutNanos;
    try {
      ByteBuffer[] both = {ByteBuffer.wrap(a, 0, aLength), ByteBuffer.wrap(b, 0, bLength)};
      while (both[1].hasRemaining() || both[0].hasRemaining()) {
        channel.write(both); // blocking: returns once some bytes went, so until all have
      }
    } catch (IOException e) {
      throw writeFailure(e);
    } finally {
      writeDeadline = 0;
    }
  }

  private UpstreamException writeFailure(IOException e) {
    if (writeTimedOut) {
      return new UpstreamException(
          ErrorClass.WRITE_TIMEOUT,
          endpoint.toString(),
          "upstream accepted no data for " + writeTimeoutNanos / 1_000_000 + " ms");
    }
    return new UpstreamException(
        ErrorClass.RESET, endpoint.toString(), "write failed: " + e.getMessage(), e);
  }

  /**
   * Called by the sweeper: closes the socket if a write or a read is stuck past its deadline. A
   * blocked socket read or write can only be interrupted by closing the socket.
   */
  boolean closeIfStuck(long nowNanos) {
    long write = writeDeadline;
    if (write != 0 && nowNanos - write > 0) {
      writeTimedOut = true;
      abort();
      return true;
    }
    long read = readDeadline;
    if (read != 0 && nowNanos - read > 0) {
      readTimedOut = true;
      abort();
      return true;
    }
    return false;
  }

  // ---- reading ----

  /**
   * Whether the upstream has begun to answer the current request: a byte was read, or one waits in
   * the TCP connection. The request body's uploader asks when its last write returns: an answer
   * that was already there came before the whole body was sent. Asking the kernel (one FIONREAD),
   * not only the reading thread, matters: that thread may not have run yet when the upload ends.
   * Under TLS the count includes TLS records that carry no data (a session ticket), which can only
   * make a connection look answered early, never the reverse.
   */
  boolean responseArrived() {
    if (responseStarted) {
      return true;
    }
    try {
      return channel.socket().getInputStream().available() > 0;
    } catch (IOException e) {
      return true; // closed or reset: not reusable anyway
    }
  }

  /**
   * Bounds the whole response head, interim 1xx heads included, by the read timeout from now, so an
   * upstream cannot hold a request by sending one byte or one 103 just inside each read's timeout.
   */
  void beginHead() {
    headDeadline = System.nanoTime() + readTimeoutNanos;
  }

  /** Back to the per-read timeout, for the body. */
  void endHead() {
    headDeadline = 0;
  }

  /**
   * Reads one line of the response head, without its line ending.
   *
   * @param maxLength longest line accepted
   */
  String readLine(int maxLength) {
    int n = nextLine(maxLength);
    return new String(buf, lineStart, n, StandardCharsets.ISO_8859_1);
  }

  /**
   * Finds the next line of the response head, reading as needed, and returns its length without the
   * line ending. Its bytes stay at {@link #lineBuffer()} from {@link #lineStart()} until the next
   * call: the head's fields are parsed where they lie instead of through a String per line.
   *
   * @param maxLength longest line accepted
   */
  int nextLine(int maxLength) {
    int scanned = 0;
    while (true) {
      for (int i = pos + scanned; i < limit; i++) {
        if (buf[i] == '\n') {
          int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
          lineStart = pos;
          pos = i + 1;
          return end - lineStart;
        }
      }
      scanned = limit - pos;
      if (scanned >= maxLength || scanned >= buf.length) {
        throw new UpstreamException(
            ErrorClass.PROTOCOL,
            endpoint.toString(),
            "response head line longer than " + Math.min(maxLength, buf.length) + " bytes");
      }
      if (fill() < 0) {
        throw new UpstreamException(
            ErrorClass.RESET,
            endpoint.toString(),
            scanned == 0 && pos == 0 && limit == 0
                ? "connection closed before a response"
                : "connection closed inside the response head");
      }
    }
  }

  /** The buffer holding the line {@link #nextLine} found. */
  byte[] lineBuffer() {
    return buf;
  }

  /** Where in {@link #lineBuffer()} the line {@link #nextLine} found starts. */
  int lineStart() {
    return lineStart;
  }

  /** Reads up to {@code len} bytes of body, from the buffer first; -1 at end of stream. */
  int read(byte[] target, int off, int len) {
    if (pos < limit) {
      int n = Math.min(len, limit - pos);
      System.arraycopy(buf, pos, target, off, n);
      pos += n;
      return n;
    }
    readDeadline = System.nanoTime() + readTimeoutNanos;
    try {
      return in.read(target, off, len);
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      readDeadline = 0;
    }
  }

  /** Reads one byte of body (used for chunk framing); -1 at end of stream. */
  int read() {
    if (pos >= limit && fill() < 0) {
      return -1;
    }
    return buf[pos++] & 0xFF;
  }

  /**
   * Compacts the buffer and reads more bytes into it; returns the count read or -1 at end of
   * stream.
   */
  private int fill() {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    }
    readDeadline = headDeadline != 0 ? headDeadline : System.nanoTime() + readTimeoutNanos;
    try {
      if (headDeadline != 0 && headDeadline - System.nanoTime() <= 0) {
        readTimedOut = true;
        throw new SocketTimeoutException("response head not complete within the read timeout");
      }
      int n = in.read(buf, limit, buf.length - limit);
      if (n > 0) {
        limit += n;
        responseStarted = true;
      }
      return n;
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      readDeadline = 0;
    }
  }

  private UpstreamException readFailure(IOException e) {
    if (readTimedOut) {
      return new UpstreamException(
          ErrorClass.READ_TIMEOUT,
          endpoint.toString(),
          headDeadline != 0
              ? "no complete response head within the read timeout"
              : "no data from upstream within the read timeout");
    }
    if (e instanceof EOFException) {
      return new UpstreamException(
          ErrorClass.RESET, endpoint.toString(), "connection closed by upstream");
    }
    return new UpstreamException(
        ErrorClass.RESET, endpoint.toString(), "read failed: " + e.getMessage(), e);
  }

  /**
   * Closes the TCP connection under a read or write that another thread is blocked in: the channel
   * first, which fails that call at once even under TLS, whose own close may wait for the blocked
   * call's lock to send its close_notify.
   */
  private void abort() {
    closed = true;
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
    closeQuietly(socket);
  }

  /**
   * Half-closes: the upstream reads the end of the stream, and can still write (a tunnel passes on
   * a client's half-close). Under TLS the socket may not support it: then it closes.
   */
  void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException | UnsupportedOperationException e) {
      close();
    }
  }

  /**
   * Closes with a reset (SO_LINGER 0): no TIME_WAIT is left on this side. Only for a connection
   * whose exchange is complete both ways, as a reset throws away whatever is still unsent.
   */
  void closeWithoutLinger() {
    if (!closed) {
      try {
        socket.setSoLinger(true, 0);
      } catch (IOException e) {
        // closed under us already: the close below is all there is
      }
    }
    close();
  }

  /** Closes the socket; safe to call from any thread, any number of times. */
  void close() {
    closed = true;
    closeQuietly(socket);
    try {
      channel.close(); // already closed with its socket unless TLS wraps it and failed to close it
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  @Override
  public String toString() {
    return "UpstreamConnection[" + endpoint + ", local port " + localPort() + "]";
  }
}
