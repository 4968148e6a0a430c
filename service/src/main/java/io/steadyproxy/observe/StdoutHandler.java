package io.steadyproxy.observe;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Log lines to stdout, buffered 64 KiB and written when {@link ProxyLog}'s writer thread flushes a
 * batch: one write system call per batch. The JDK's {@code StreamHandler} over {@code System.out}
 * wrote about 1 KiB at a time (strace: {@code write(1, ..., 1071)}, a quarter of a system call per
 * request with the access log on); with stdout going to a file, that was most of the log's cost.
 */
final class StdoutHandler extends Handler implements LineSink {
  private static final int BUFFER = 64 * 1024;

  private final OutputStream out;

  /**
   * @param stdout where the lines go, {@code System.out} (left open at close)
   * @param formatter the lines' layout
   */
  StdoutHandler(OutputStream stdout, Formatter formatter) {
    this.out = new BufferedOutputStream(stdout, BUFFER);
    setFormatter(formatter);
  }

  @Override
  public synchronized void publish(LogRecord record) {
    if (!isLoggable(record)) {
      return;
    }
    byte[] line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
    write(line, 0, line.length);
  }

  @Override
  public synchronized void write(byte[] line, int off, int len) {
    try {
      out.write(line, off, len);
    } catch (IOException e) {
      reportError("stdout write failed: " + e.getMessage(), e, ErrorManager.WRITE_FAILURE);
    }
  }

  @Override
  public synchronized void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      reportError("stdout flush failed: " + e.getMessage(), e, ErrorManager.FLUSH_FAILURE);
    }
  }

  /** Writes what is buffered; stdout itself stays open (it is the process's). */
  @Override
  public void close() {
    flush();
  }
}
