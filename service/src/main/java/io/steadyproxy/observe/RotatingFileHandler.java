package io.steadyproxy.observe;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * Writes to {@code proxy.log} and rotates by size the way logrotate names files: the live file
 * keeps its name (so {@code tail -F proxy.log} works, as with the seed), older ones become {@code
 * proxy.log.1} (newest) to {@code proxy.log.N}; beyond N they are deleted. JUL's own FileHandler
 * would name the live file {@code proxy.log.0} instead.
 */
final class RotatingFileHandler extends StreamHandler {
  private final Path file;
  private final long maxBytes;
  private final int keep;
  private CountingStream out;

  RotatingFileHandler(Path file, long maxBytes, int keep, Formatter formatter) throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    setFormatter(formatter);
    setEncoding("UTF-8");
    open();
  }

  @Override
  public synchronized void publish(LogRecord record) {
    if (!isLoggable(record)) {
      return;
    }
    super.publish(record);
    flush();
    if (out.written >= maxBytes) {
      try {
        rotate();
      } catch (IOException e) {
        reportError(
            "log rotation failed: " + e.getMessage(),
            e,
            java.util.logging.ErrorManager.WRITE_FAILURE);
      }
    }
  }

  private void open() throws IOException {
    long existing = Files.exists(file) ? Files.size(file) : 0;
    out =
        new CountingStream(
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
            existing);
    setOutputStream(out);
  }

  private void rotate() throws IOException {
    close(); // closes the stream after writing any tail the formatter has
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

  /** Counts bytes so rotation needs no stat call per record. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream delegate;
    private long written;

    CountingStream(OutputStream delegate, long written) {
      this.delegate = delegate;
      this.written = written;
    }

    @Override
    public void write(int b) throws IOException {
      delegate.write(b);
      written++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      delegate.write(b, off, len);
      written += len;
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
