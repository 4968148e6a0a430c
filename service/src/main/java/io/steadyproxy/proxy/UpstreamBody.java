package io.steadyproxy.proxy;

/**
 * The body of an upstream response, framed as its head says (RFC 9112 section 6.3). A body knows
 * whether it was read to its real end, which decides whether its connection may be reused and
 * whether the client got the whole message.
 */
abstract sealed class UpstreamBody {
  protected final UpstreamConnection connection;

  private UpstreamBody(UpstreamConnection connection) {
    this.connection = connection;
  }

  /** The body that follows {@code head} in a response to a request with {@code method}. */
  static UpstreamBody of(UpstreamConnection connection, ResponseHead head, String method) {
    int s = head.status();
    if ("HEAD".equals(method)
        || s == 204
        || s == 304
        || (s >= 100 && s < 200)
        || head.contentLength() == 0) {
      return new Empty(connection);
    }
    if (head.chunked()) {
      return new Chunked(connection);
    }
    if (head.contentLength() > 0) {
      return new Fixed(connection, head.contentLength());
    }
    return new UntilClose(connection);
  }

  /**
   * Reads up to {@code len} bytes; -1 once the body is complete. Fails if the upstream stops early.
   */
  abstract int read(byte[] b, int off, int len);

  /** Whether the body ended where its framing says it ends. */
  abstract boolean complete();

  /**
   * Whether {@link #read} would return now, without waiting for the upstream: the relay gathers
   * what is already here into one write to the client.
   */
  abstract boolean ready();

  /**
   * Whether each piece should be flushed to the client as it arrives (streams without a known
   * length).
   */
  boolean streaming() {
    return false;
  }

  /** The trailer section, once the body was read to its end; only a chunked body has one. */
  Trailers trailers() {
    return Trailers.NONE;
  }

  protected UpstreamException truncated() {
    return new UpstreamException(
        ErrorClass.RESET,
        connection.endpoint().toString(),
        "upstream closed the connection mid-body");
  }

  static final class Empty extends UpstreamBody {
    Empty(UpstreamConnection connection) {
      super(connection);
    }

    @Override
    int read(byte[] b, int off, int len) {
      return -1;
    }

    @Override
    boolean complete() {
      return true;
    }

    @Override
    boolean ready() {
      return true;
    }
  }

  static final class Fixed extends UpstreamBody {
    private long remaining;

    Fixed(UpstreamConnection connection, long length) {
      super(connection);
      this.remaining = length;
    }

    @Override
    int read(byte[] b, int off, int len) {
      if (remaining == 0) {
        return -1;
      }
      int n = connection.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw truncated();
      }
      remaining -= n;
      return n;
    }

    @Override
    boolean complete() {
      return remaining == 0;
    }

    @Override
    boolean ready() {
      return remaining == 0 || connection.bytesReady();
    }
  }

  static final class Chunked extends UpstreamBody {
    private long chunkRemaining;
    private boolean done;
    private Trailers trailers = Trailers.NONE;

    Chunked(UpstreamConnection connection) {
      super(connection);
    }

    @Override
    int read(byte[] b, int off, int len) {
      if (done) {
        return -1;
      }
      if (chunkRemaining == 0) {
        chunkRemaining = nextChunkSize();
        if (chunkRemaining == 0) {
          trailers = Trailers.read(connection);
          done = true;
          return -1;
        }
      }
      int n = connection.read(b, off, (int) Math.min(len, chunkRemaining));
      if (n < 0) {
        throw truncated();
      }
      chunkRemaining -= n;
      if (chunkRemaining == 0) {
        expectCrlf();
      }
      return n;
    }

    @Override
    boolean complete() {
      return done;
    }

    @Override
    boolean ready() {
      // inside a chunk any byte will do (its closing CRLF comes with its last bytes, as the read
      // that ends a chunk already assumes); between chunks the next size line must be here whole
      return done || (chunkRemaining > 0 ? connection.bytesReady() : connection.chunkStartReady());
    }

    @Override
    boolean streaming() {
      return true;
    }

    @Override
    Trailers trailers() {
      return trailers;
    }

    private long nextChunkSize() {
      String line = connection.readLine(ResponseHead.MAX_LINE);
      int end = line.indexOf(';'); // chunk extensions are ignored
      String hex = (end < 0 ? line : line.substring(0, end)).strip();
      if (hex.isEmpty() || hex.length() > 15) {
        throw bad("invalid chunk size");
      }
      long size = 0;
      for (int i = 0; i < hex.length(); i++) {
        int digit = Character.digit(hex.charAt(i), 16);
        if (digit < 0) {
          throw bad("invalid chunk size");
        }
        size = size * 16 + digit;
      }
      return size;
    }

    private void expectCrlf() {
      int cr = connection.read();
      int lf = cr == '\r' ? connection.read() : cr;
      if (lf != '\n') {
        throw lf < 0 ? truncated() : bad("chunk not followed by CRLF");
      }
    }

    private UpstreamException bad(String what) {
      return new UpstreamException(ErrorClass.PROTOCOL, connection.endpoint().toString(), what);
    }
  }

  static final class UntilClose extends UpstreamBody {
    private boolean done;

    UntilClose(UpstreamConnection connection) {
      super(connection);
    }

    @Override
    int read(byte[] b, int off, int len) {
      if (done) {
        return -1;
      }
      int n = connection.read(b, off, len);
      if (n < 0) {
        done = true;
      }
      return n;
    }

    @Override
    boolean complete() {
      return done;
    }

    @Override
    boolean ready() {
      return done || connection.bytesReady();
    }

    @Override
    boolean streaming() {
      return true;
    }
  }
}
