package io.steadyproxy.observe;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.logging.LogFormat;
import io.steadyproxy.proxy.ExchangeRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The seed's {@code proxy.log}, done for containers: one line per event, in the {@code text} or
 * {@code json} format ({@link LogFormatter}), written to stdout and, when there is one, to the log
 * file (rotated by size, a bounded number of files kept). Writing happens on one background thread
 * behind a bounded queue: when the disk is slow the queue fills and lines are dropped and counted,
 * so logging never blocks the data path.
 */
public final class ProxyLog implements AutoCloseable {
  private static final String ACCESS = "steadyproxy.access";

  private final Logger root = Logger.getLogger("");
  private final AsyncHandler async;

  private ProxyLog(AsyncHandler async) {
    this.async = async;
  }

  /**
   * Routes all {@code java.util.logging} output through one async handler, in the {@code text}
   * format.
   *
   * @param file the log file, or empty for stdout only
   * @param maxBytes size at which the file rotates
   * @param files rotated files kept
   * @param level level name ({@code INFO}, {@code FINE}, ...)
   * @return the installed log, to close at shutdown
   */
  public static ProxyLog install(
      java.util.Optional<Path> file, long maxBytes, int files, String level) {
    return install(file, maxBytes, files, level, LogFormat.TEXT);
  }

  /**
   * Routes all {@code java.util.logging} output through one async handler.
   *
   * @param file the log file, or empty for stdout only
   * @param maxBytes size at which the file rotates
   * @param files rotated files kept
   * @param level level name ({@code INFO}, {@code FINE}, ...)
   * @param format the lines' layout, the same on stdout and in the file
   * @return the installed log, to close at shutdown
   */
  public static ProxyLog install(
      java.util.Optional<Path> file, long maxBytes, int files, String level, LogFormat format) {
    Formatter formatter = LogFormatter.of(format);
    // Flushed by the writer thread after each batch, not after each line (see AsyncHandler).
    Handler stdout = new StdoutHandler(System.out, formatter);
    Handler fileHandler = null;
    if (file.isPresent()) {
      try {
        Path parent = file.get().toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        fileHandler = new RotatingFileHandler(file.get(), maxBytes, files, formatter);
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(
            "log_file", "settings", "cannot open " + file.get() + ": " + e.getMessage());
      }
    }
    AsyncHandler async = new AsyncHandler(stdout, fileHandler);
    Level lvl = Level.parse(level);
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler || h instanceof AsyncHandler) {
        root.removeHandler(h);
      }
    }
    root.addHandler(async);
    root.setLevel(lvl);
    async.setLevel(lvl);
    // Helidon's own INFO chatter stays in, its DEBUG does not follow ours down.
    Logger.getLogger("io.helidon")
        .setLevel(lvl.intValue() < Level.INFO.intValue() ? Level.INFO : lvl);
    return new ProxyLog(async);
  }

  /**
   * An exchange observer that writes the request log line: its values go to the log as {@link
   * LogFields}, laid out by the log's format on the writer thread.
   */
  public static ExchangeRecord.Observer accessLog() {
    return accessLog(true);
  }

  /**
   * An exchange observer that writes the request log line.
   *
   * @param withQuery whether the query string is written; if not, a request that has one shows
   *     {@code query=redacted} (access_log_query)
   */
  public static ExchangeRecord.Observer accessLog(boolean withQuery) {
    Logger access = Logger.getLogger(ACCESS);
    return r -> {
      if (!access.isLoggable(Level.INFO)) {
        return;
      }
      LogFields fields =
          LogFields.withCapacity(16)
              .add("method", r.method())
              .add("path", r.path())
              .add("status", r.status())
              .add("duration_ms", Math.round(r.nanos() / 10_000.0) / 100.0)
              .add("bytes_in", r.bytesIn())
              .add("bytes_out", r.bytesOut())
              .add("upstream", r.upstream())
              .add("route", r.route())
              .add("error", r.error() == null ? null : r.error().code())
              .add("client", r.client())
              .add("query", withQuery || r.query() == null ? r.query() : "redacted")
              .add("proto", r.protocol())
              .add(
                  "upstream_ms",
                  r.upstreamNanos() < 0 ? null : Math.round(r.upstreamNanos() / 10_000.0) / 100.0)
              .add("request_id", r.requestId())
              .add("ua", r.userAgent());
      if (r.grpcStatus() != null) {
        fields.add("grpc_status", r.grpcStatus()); // gRPC calls only: other lines keep their shape
      }
      access.log(Level.INFO, "", fields);
    };
  }

  /** Lines dropped because the writer could not keep up. */
  public long dropped() {
    return async.dropped.get();
  }

  /** Writes what is queued and closes the files. */
  @Override
  public void close() {
    root.removeHandler(async);
    async.close();
  }

  /** Hands records to a writer thread through a bounded queue; drops (and counts) when full. */
  static final class AsyncHandler extends Handler {
    private static final int BATCH = 512;
    private static final long FLUSH_MILLIS = 20;
    private final BlockingQueue<LogRecord> queue = new ArrayBlockingQueue<>(8192);
    private final Handler[] targets;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    AsyncHandler(Handler... targets) {
      this.targets =
          java.util.Arrays.stream(targets)
              .filter(java.util.Objects::nonNull)
              .toArray(Handler[]::new);
      this.writer = new Thread(this::drain, "log-writer");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void publish(LogRecord record) {
      if (closed || !isLoggable(record)) {
        return;
      }
      // No caller inference (LogRecord.getSourceClassName walks the stack, several microseconds a
      // call): the line format has no source class, and with the access log on this ran once per
      // request on the request's thread.
      if (!queue.offer(record)) {
        dropped.incrementAndGet();
      }
    }

    /**
     * Writes what is queued in batches, every {@link #FLUSH_MILLIS} ms, and flushes after each
     * batch. The writer sleeps between batches instead of waiting on the queue, so a request that
     * queues a line wakes no thread: waiting on the queue made each access-log line a thread switch
     * (and a write system call per target, flushed per line) on the core serving the requests.
     * nginx's {@code access_log ... buffer=64k flush=1s} trades the same way; lines reach stdout
     * and the file within 20 ms here. bench/bench.py's log scenario measures the cost.
     */
    private void drain() {
      java.util.List<LogRecord> batch = new java.util.ArrayList<>(BATCH);
      try {
        while (!closed || !queue.isEmpty()) {
          int n = queue.drainTo(batch, BATCH);
          if (n > 0) {
            for (LogRecord r : batch) {
              for (Handler h : targets) {
                h.publish(r);
              }
            }
            batch.clear();
            flush();
          }
          if (n < BATCH) { // caught up: wait for the next batch rather than writing line by line
            Thread.sleep(FLUSH_MILLIS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flush();
    }

    @Override
    public void flush() {
      for (Handler h : targets) {
        h.flush();
      }
    }

    @Override
    public void close() {
      closed = true;
      try {
        writer.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Handler h : targets) {
        h.close();
      }
    }
  }
}
