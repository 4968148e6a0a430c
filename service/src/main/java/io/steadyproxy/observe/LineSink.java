package io.steadyproxy.observe;

/**
 * A log target that takes lines already laid out as bytes: {@link ProxyLog}'s writer formats each
 * line once, whatever the number of targets (stdout, the log file).
 */
interface LineSink {
  /** Buffers one line; failures go to the handler's {@code ErrorManager}, never to the caller. */
  void write(byte[] line, int off, int len);

  /** Writes what is buffered. */
  void flush();

  /** Writes what is buffered and releases the target. */
  void close();
}
