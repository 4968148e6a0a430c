package io.steadyproxy.observe;

import io.steadyproxy.config.ConfigException;
import io.steadyproxy.proxy.ExchangeRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The seed's {@code proxy.log}, done for containers: one line per event, written to the log file
 * (rotated by size, a bounded number of files kept) and to stdout. Writing happens on one
 * background thread behind a bounded queue: when the disk is slow the queue fills and lines are
 * dropped and counted, so logging never blocks the data path.
 */
public final class ProxyLog implements AutoCloseable {
  private static final String ACCESS = "steadyproxy.access";

  private final Logger root = Logger.getLogger("");
  private final AsyncHandler async;

  private ProxyLog(AsyncHandler async) {
    this.async = async;
  }

  /**
   * Routes all {@code java.util.logging} output through one async handler.
   *
   * @param file the log file, or empty for stdout only
   * @param maxBytes size at which the file rotates
   * @param files rotated files kept
   * @param level level name ({@code INFO}, {@code FINE}, ...)
   * @return the installed log, to close at shutdown
   */
  public static ProxyLog install(
      java.util.Optional<Path> file, long maxBytes, int files, String level) {
    Formatter formatter = new LineFormatter();
    // Flushed by the writer thread after each batch, not after each line (see AsyncHandler).
    Handler stdout = new StreamHandler(System.out, formatter);
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

  /** An exchange observer that writes the request log line. */
  public static ExchangeRecord.Observer accessLog() {
    Logger access = Logger.getLogger(ACCESS);
    return r -> {
      if (!access.isLoggable(Level.INFO)) {
        return;
      }
      access.log(
          Level.INFO,
          "method="
              + r.method()
              + " path="
              + r.path()
              + " status="
              + r.status()
              + " duration_ms="
              + Math.round(r.nanos() / 10_000.0) / 100.0
              + " bytes_in="
              + r.bytesIn()
              + " bytes_out="
              + r.bytesOut()
              + " upstream="
              + r.upstream()
              + " route="
              + r.route()
              + " error="
              + (r.error() == null ? "-" : r.error().code())
              + " client="
              + r.client()
              + " query="
              + (r.query() == null ? "-" : r.query())
              + " proto="
              + r.protocol()
              + " upstream_ms="
              + (r.upstreamNanos() < 0 ? "-" : Math.round(r.upstreamNanos() / 10_000.0) / 100.0)
              + " request_id="
              + r.requestId()
              + " ua="
              + quoted(r.userAgent()));
    };
  }

  /** A value that may hold spaces, in double quotes with quotes and backslashes escaped. */
  private static String quoted(String value) {
    if (value == null) {
      return "-";
    }
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
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

  /**
   * {@code 2026-11-28T11:00:00.123Z INFO steadyproxy.access method=GET ...}: one event, one line.
   * Control characters anywhere in the message or exception text (a client's path, method or
   * header, echoed by us or by Helidon) are escaped as nginx escapes them in access logs: C0 and
   * DEL as {@code \xNN}, C1 as {@code \}{@code uNNNN}. So CR/LF cannot start a forged line and ESC
   * cannot drive the terminal of whoever tails the log.
   */
  static final class LineFormatter extends Formatter {
    // The writer thread hands each record to stdout and then to the file: the second call reuses
    // the first's line instead of formatting the timestamp and message again. One thread calls
    // this, so one slot suffices; it is volatile only so a second thread could never see a torn
    // pair.
    private volatile Formatted last;

    private record Formatted(LogRecord record, String line) {}

    @Override
    public String format(LogRecord r) {
      Formatted f = last;
      if (f != null && f.record() == r) {
        return f.line();
      }
      String line = formatLine(r);
      last = new Formatted(r, line);
      return line;
    }

    private String formatLine(LogRecord r) {
      StringBuilder sb =
          new StringBuilder(160)
              .append(Instant.ofEpochMilli(r.getMillis()))
              .append(' ')
              .append(r.getLevel().getName())
              .append(' ')
              .append(r.getLoggerName())
              .append(' ');
      escape(sb, formatMessage(r));
      if (r.getThrown() != null) {
        // one line: the class and message, never a stack trace in the request log
        sb.append(" exception=").append(r.getThrown().getClass().getName()).append(": ");
        escape(sb, String.valueOf(r.getThrown().getMessage()));
      }
      return sb.append('\n').toString();
    }
  }

  /** Appends {@code s} with control characters escaped (see {@link LineFormatter}). */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append("\\x")
            .append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else if (c >= 0x80 && c <= 0x9f) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
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
