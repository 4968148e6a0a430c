package io.steadyproxy.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of a request to an upstream, framed as it goes up: the mirror of {@link UpstreamBody}.
 * Reading the client's side may fail with whatever the client's stream throws (the handler's stream
 * classifies client failures before they get here); writing fails with an {@link
 * UpstreamException}.
 */
abstract sealed class RequestBody {
  /** Bodies up to this length are sent before the response is read, on the request's thread. */
  static final int INLINE = 64 * 1024;

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int CHUNK_HEADER_ROOM = 10; // up to 8 hex digits and CRLF before each chunk

  private RequestBody() {}

  /** No body. */
  static RequestBody none() {
    return None.INSTANCE;
  }

  /** A body read whole before the upstream was contacted; it goes up with its length. */
  static RequestBody whole(byte[] bytes, int length) {
    return new Whole(bytes, length);
  }

  /**
   * A body streamed from the client as the upstream takes it.
   *
   * @param in the client's body, after any {@code prefix}
   * @param length its Content-Length, or -1 to send it chunked
   * @param prefix the first part of a chunked body, read already (null when none)
   * @param prefixLength bytes of {@code prefix} in use
   */
  static RequestBody stream(InputStream in, long length, byte[] prefix, int prefixLength) {
    return new Streamed(in, length, prefix, prefixLength);
  }

  /** The Content-Length to announce, -1 for chunked, -2 when there is no body. */
  abstract long length();

  /** Whether the body is small or in memory, so it is sent whole before the answer is read. */
  abstract boolean inline();

  /** Bytes of the body sent so far (read by another thread while an upload runs). */
  abstract long sent();

  /** Sends the body, using {@code buf} as the relay buffer. */
  abstract void writeTo(UpstreamConnection c, byte[] buf);

  /** Sends the request's head, then the body. */
  void writeWithHead(UpstreamConnection c, RequestHead head, byte[] buf) {
    head.writeTo(c);
    writeTo(c, buf);
  }

  static final class None extends RequestBody {
    static final None INSTANCE = new None();

    @Override
    long length() {
      return -2;
    }

    @Override
    boolean inline() {
      return true;
    }

    @Override
    long sent() {
      return 0;
    }

    @Override
    void writeTo(UpstreamConnection c, byte[] buf) {}
  }

  static final class Whole extends RequestBody {
    private final byte[] bytes;
    private final int length;

    Whole(byte[] bytes, int length) {
      this.bytes = bytes;
      this.length = length;
    }

    @Override
    long length() {
      return length;
    }

    @Override
    boolean inline() {
      return true;
    }

    @Override
    long sent() {
      return length;
    }

    @Override
    void writeTo(UpstreamConnection c, byte[] buf) {
      c.write(bytes, 0, length);
    }

    @Override
    void writeWithHead(UpstreamConnection c, RequestHead head, byte[] buf) {
      head.writeTo(c, bytes, length); // in memory already: one write for both
    }
  }

  static final class Streamed extends RequestBody {
    private final InputStream in;
    private final long length;
    private final byte[] prefix;
    private final int prefixLength;
    private volatile long sent; // written by the upload thread, read by the handler's

    Streamed(InputStream in, long length, byte[] prefix, int prefixLength) {
      this.in = in;
      this.length = length;
      this.prefix = prefix;
      this.prefixLength = prefixLength;
    }

    @Override
    long length() {
      return length;
    }

    @Override
    boolean inline() {
      return prefix == null && length >= 0 && length <= INLINE;
    }

    @Override
    long sent() {
      return sent;
    }

    @Override
    void writeTo(UpstreamConnection c, byte[] buf) {
      try {
        if (length >= 0) {
          int n;
          while ((n = in.read(buf, 0, buf.length)) >= 0) {
            c.write(buf, 0, n);
            sent += n;
          }
          return;
        }
        if (prefix != null) {
          // the part of a long chunked body read ahead goes first, as one chunk
          byte[] size = chunkSize(prefixLength);
          c.write(size, 0, size.length);
          c.write(prefix, 0, prefixLength);
          c.write(CRLF, 0, CRLF.length);
          sent = prefixLength;
        }
        int n;
        while ((n = in.read(buf, CHUNK_HEADER_ROOM, buf.length - CHUNK_HEADER_ROOM - 2)) >= 0) {
          if (n == 0) {
            continue;
          }
          // the chunk's size line goes in the room left before its data: one write per chunk
          byte[] size = chunkSize(n);
          int off = CHUNK_HEADER_ROOM - size.length;
          System.arraycopy(size, 0, buf, off, size.length);
          buf[CHUNK_HEADER_ROOM + n] = '\r';
          buf[CHUNK_HEADER_ROOM + n + 1] = '\n';
          c.write(buf, off, size.length + n + 2);
          sent += n;
        }
        c.write(LAST_CHUNK, 0, LAST_CHUNK.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // the handler's stream classifies its own failures
      }
    }

    private static byte[] chunkSize(int n) {
      return (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
  }
}
