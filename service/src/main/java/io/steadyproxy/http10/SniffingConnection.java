package io.steadyproxy.http10;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection until its first request line has arrived; then Helidon's HTTP/1.1
 * connection, directly for HTTP/1.1 and through an {@link Http10Context} for HTTP/1.0. Runs on the
 * connection's one thread, like the connection it becomes.
 */
final class SniffingConnection implements ServerConnection, InterruptableTask<Void> {
  private static final byte[] HTTP_10 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

  /**
   * The HTTP/1.0 connection served on this thread, if any: the access record names the version the
   * client spoke, not the HTTP/1.1 Helidon saw.
   */
  private static final ThreadLocal<Http10Context> SERVING = new ThreadLocal<>();

  /**
   * How many HTTP/1.0 connections are being served now. While none are, {@link #servingHttp10}
   * answers without the thread-local lookup: async-profiler put that lookup, a miss in each
   * connection thread's own map, at 0.7 % of the proxy's CPU on small requests (64 connections).
   */
  private static final AtomicInteger HTTP10_CONNECTIONS = new AtomicInteger();

  private final ConnectionContext ctx;
  private final Http1ConnectionSelector http1;
  private final int maxPrologue;
  private final int maxHeaders;
  private final long createdNanos = System.nanoTime();
  private volatile ServerConnection delegate;
  private volatile Thread thread;
  private volatile boolean closing;
  private volatile boolean interruptOnClose;

  SniffingConnection(
      ConnectionContext ctx, Http1ConnectionSelector http1, int maxPrologue, int maxHeaders) {
    this.ctx = ctx;
    this.http1 = http1;
    this.maxPrologue = maxPrologue;
    this.maxHeaders = maxHeaders;
  }

  /** Whether the request being handled on this thread came from an HTTP/1.0 client. */
  static boolean servingHttp10() {
    if (HTTP10_CONNECTIONS.get() == 0) {
      return false;
    }
    Http10Context c = SERVING.get();
    return c != null && c.currentIsHttp10();
  }

  @Override
  public void handle(Limit limit) throws InterruptedException {
    thread = Thread.currentThread();
    Http10Context http10 =
        firstLineIsHttp10() ? new Http10Context(ctx, maxPrologue, maxHeaders) : null;
    ServerConnection c = http1.connection(http10 == null ? ctx : http10);
    delegate = c;
    if (closing) {
      c.close(interruptOnClose);
      return;
    }
    if (http10 == null) {
      c.handle(limit);
    } else {
      HTTP10_CONNECTIONS.incrementAndGet();
      SERVING.set(http10);
      try {
        c.handle(limit);
      } finally {
        SERVING.remove();
        HTTP10_CONNECTIONS.decrementAndGet();
      }
    }
  }

  /**
   * Waits for the first request line and tells whether it ends in HTTP/1.0; reads nothing off the
   * reader, so Helidon parses the line itself. A line that is malformed or longer than the server
   * takes goes to Helidon's HTTP/1.1 connection, which answers it (400, 414).
   */
  private boolean firstLineIsHttp10() {
    DataReader reader = ctx.dataReader();
    try {
      int eol = reader.findNewLine(maxPrologue);
      if (eol >= maxPrologue || eol < HTTP_10.length) {
        return false;
      }
      byte[] line = reader.getBuffer(eol).readBytes();
      for (int i = 0; i < HTTP_10.length; i++) {
        if (line[line.length - HTTP_10.length + i] != HTTP_10[i]) {
          return false;
        }
      }
      return true;
    } catch (DataReader.IncorrectNewLineException e) {
      return false;
    } catch (DataReader.InsufficientDataAvailableException e) {
      throw new CloseConnectionException("no request line before the client closed", e);
    }
  }

  @Override
  public boolean canInterrupt() {
    ServerConnection c = delegate;
    if (c == null) {
      return true; // waiting for the first bytes
    }
    return c instanceof InterruptableTask<?> task && task.canInterrupt();
  }

  @Override
  public Duration idleTime() {
    ServerConnection c = delegate;
    return c == null ? Duration.ofNanos(System.nanoTime() - createdNanos) : c.idleTime();
  }

  @Override
  public void close(boolean interrupt) {
    ServerConnection c = delegate;
    if (c != null) {
      c.close(interrupt);
      return;
    }
    interruptOnClose |= interrupt;
    closing = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt(); // still waiting for the first line: nothing to lose
    }
  }
}
