package io.steadyproxy.observe;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Writes to {@code proxy.log} and rotates by size the way logrotate names files: the live file
 * keeps its name (so {@code tail -F proxy.log} works, as with the seed), older ones become {@code
 * proxy.log.1} (newest) to {@code proxy.log.N}; beyond N they are deleted. JUL's own FileHandler
 * would name the live file {@code proxy.log.0} instead.
 *
 * <p>Lines are buffered and reach the file when {@link #flush()} is called, which {@link
 * ProxyLog}'s writer thread does after each batch it drains: one write system call per batch rather
 * than per line (with the access log on, a flush per line cost a syscall per request). Bytes are
 * counted as lines are formatted, so rotation happens at the configured size exactly, whatever is
 * still buffered.
 */
final class RotatingFileHandler extends Handler implements LineSink {
  private static final int BUFFER = 64 * 1024;

  private final Path file;
  private final long maxBytes;
  private final int keep;
  private OutputStream out;
  private long written;

  RotatingFileHandler(Path file, long maxBytes, int keep, Formatter formatter) throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    setFormatter(formatter);
    open();
  }

  @Override
  public synchronized void publish(LogRecord record) {
    if (out == null || !isLoggable(record)) {
      return;
    }
    byte[] line = getFormatter().format(record).getBytes(StandardCharsets.UTF_8);
    write(line, 0, line.length);
  }

  @Override
  public synchronized void write(byte[] line, int off, int len) {
    if (out == null) {
      return;
    }
    try {
      out.write(line, off, len);
      written += len;
      if (written >= maxBytes) {
        rotate();
      }
    } catch (IOException e) {
      reportError("log write failed: " + e.getMessage(), e, ErrorManager.WRITE_FAILURE);
    }
  }

  @Override
  public synchronized void flush() {
    if (out == null) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      reportError("log flush failed: " + e.getMessage(), e, ErrorManager.FLUSH_FAILURE);
    }
  }

  @Override
  public synchronized void close() {
    if (out == null) {
      return;
    }
    try {
      out.close();
    } catch (IOException e) {
      reportError("log close failed: " + e.getMessage(), e, ErrorManager.CLOSE_FAILURE);
    }
    out = null;
  }

  private void open() throws IOException {
    written = Files.exists(file) ? Files.size(file) : 0;
    out =
        new BufferedOutputStream(
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
            BUFFER);
  }

  private void rotate() throws IOException {
    out.close(); // writes what is buffered to the file being rotated
    out = null;
    for (int i = keep - 1; i >= 1; i--) {
      Path from = sibling(i);
      if (Files.exists(from)) {
        Files.move(from, sibling(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (keep >= 1) {
      Files.move(file, sibling(1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.deleteIfExists(file);
    }
    open();
  }

  private Path sibling(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }
}
