package io.steadyproxy.proxy;

import io.steadyproxy.proxy.UpstreamException.Kind;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
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
 * <p>Reads are bounded by {@code SO_TIMEOUT} (the read timeout). Writes have no such bound in the
 * JDK, so each write publishes a deadline that the pool's sweeper enforces by closing the socket.
 */
public final class UpstreamConnection {
  private static final int READ_BUFFER = 16 * 1024;

  private final UpstreamEndpoint endpoint;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final long writeTimeoutNanos;
  private final byte[] buf = new byte[READ_BUFFER];
  private byte[]
      relay; // allocated on first streamed body: most responses are small and never need it
  private int pos;
  private int limit;

  private volatile long
      writeDeadline; // System.nanoTime() bound of the write under way, 0 when not writing
  private volatile boolean writeTimedOut;
  private volatile boolean closed;
  private long idleSinceMillis;
  private boolean reused;

  private UpstreamConnection(UpstreamEndpoint endpoint, Socket socket, Duration writeTimeout)
      throws IOException {
    this.endpoint = endpoint;
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.writeTimeoutNanos = writeTimeout.toNanos();
  }

  /** Opens a connection, mapping every failure to its {@link Kind}. */
  static UpstreamConnection open(
      UpstreamEndpoint endpoint,
      Duration connectTimeout,
      Duration readTimeout,
      Duration writeTimeout,
      SSLSocketFactory tls) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(
          new InetSocketAddress(endpoint.host(), endpoint.port()), (int) connectTimeout.toMillis());
      socket.setSoTimeout((int) readTimeout.toMillis());
      if (endpoint.tls()) {
        socket.setSoTimeout((int) connectTimeout.toMillis()); // the handshake counts as connecting
        SSLSocket ssl =
            (SSLSocket) tls.createSocket(socket, endpoint.host(), endpoint.port(), true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!Character.isDigit(endpoint.host().charAt(0)) && !endpoint.host().contains(":")) {
          params.setServerNames(List.of(new SNIHostName(endpoint.host())));
        }
        params.setApplicationProtocols(new String[] {"http/1.1"});
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        ssl.setSoTimeout((int) readTimeout.toMillis());
        return new UpstreamConnection(endpoint, ssl, writeTimeout);
      }
      return new UpstreamConnection(endpoint, socket, writeTimeout);
    } catch (UnknownHostException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          Kind.UNKNOWN_HOST, endpoint.toString(), "unknown host " + endpoint.host());
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          Kind.CONNECT_TIMEOUT,
          endpoint.toString(),
          "no connection within " + connectTimeout.toMillis() + " ms");
    } catch (ConnectException e) {
      closeQuietly(socket);
      throw new UpstreamException(Kind.CONNECT_REFUSED, endpoint.toString(), "connection refused");
    } catch (SSLException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          Kind.TLS_FAILURE, endpoint.toString(), "TLS handshake failed: " + e.getMessage());
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UpstreamException(
          Kind.CONNECT_REFUSED, endpoint.toString(), "cannot connect: " + e.getMessage());
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

  private UpstreamException writeFailure(IOException e) {
    if (writeTimedOut) {
      return new UpstreamException(
          Kind.WRITE_TIMEOUT,
          endpoint.toString(),
          "upstream accepted no data for " + writeTimeoutNanos / 1_000_000 + " ms");
    }
    return new UpstreamException(
        Kind.RESET, endpoint.toString(), "write failed: " + e.getMessage(), e);
  }

  /**
   * Called by the sweeper: closes the socket if a write is stuck past its deadline. A blocked
   * socket write can only be interrupted by closing the socket.
   */
  boolean closeIfWriteStuck(long nowNanos) {
    long deadline = writeDeadline;
    if (deadline != 0 && nowNanos - deadline > 0) {
      writeTimedOut = true;
      close();
      return true;
    }
    return false;
  }

  // ---- reading ----

  /**
   * Reads one line of the response head, without its line ending.
   *
   * @param maxLength longest line accepted
   */
  String readLine(int maxLength) {
    int scanned = 0;
    while (true) {
      for (int i = pos + scanned; i < limit; i++) {
        if (buf[i] == '\n') {
          int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
          String line = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
          pos = i + 1;
          return line;
        }
      }
      scanned = limit - pos;
      if (scanned >= maxLength || scanned >= buf.length) {
        throw new UpstreamException(
            Kind.PROTOCOL,
            endpoint.toString(),
            "response head line longer than " + Math.min(maxLength, buf.length) + " bytes");
      }
      if (fill() < 0) {
        throw new UpstreamException(
            Kind.RESET,
            endpoint.toString(),
            scanned == 0 && pos == 0 && limit == 0
                ? "connection closed before a response"
                : "connection closed inside the response head");
      }
    }
  }

  /** Reads up to {@code len} bytes of body, from the buffer first; -1 at end of stream. */
  int read(byte[] target, int off, int len) {
    if (pos < limit) {
      int n = Math.min(len, limit - pos);
      System.arraycopy(buf, pos, target, off, n);
      pos += n;
      return n;
    }
    try {
      return in.read(target, off, len);
    } catch (IOException e) {
      throw readFailure(e);
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
    try {
      int n = in.read(buf, limit, buf.length - limit);
      if (n > 0) {
        limit += n;
      }
      return n;
    } catch (IOException e) {
      throw readFailure(e);
    }
  }

  private UpstreamException readFailure(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return new UpstreamException(
          Kind.READ_TIMEOUT, endpoint.toString(), "no data from upstream within the read timeout");
    }
    if (e instanceof EOFException) {
      return new UpstreamException(
          Kind.RESET, endpoint.toString(), "connection closed by upstream");
    }
    return new UpstreamException(
        Kind.RESET, endpoint.toString(), "read failed: " + e.getMessage(), e);
  }

  /** Closes the socket; safe to call from any thread, any number of times. */
  void close() {
    closed = true;
    closeQuietly(socket);
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
    return "UpstreamConnection[" + endpoint + ", local port " + socket.getLocalPort() + "]";
  }
}
