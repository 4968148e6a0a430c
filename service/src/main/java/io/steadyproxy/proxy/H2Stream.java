package io.steadyproxy.proxy;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Exception;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2HuffmanDecoder;
import io.helidon.http.http2.Http2HuffmanEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/2 stream to an upstream (RFC 9113), on a pooled connection of its own: the connection
 * preface and SETTINGS, the request's HEADERS and DATA, and the response's HEADERS, DATA and
 * trailers, with flow control both ways. Stream 1 is the only stream, and the connection is closed
 * with it.
 *
 * <p>Why our own client and not Helidon's {@code helidon-webclient-http2}: Helidon's client keeps
 * its own connection cache, with no limit on total connections, no wait for a free one and no idle
 * expiry that closes sockets, the same gaps that made the proxy own its HTTP/1.1 connections; and
 * its request API sends the whole request before it reads a response, so a bidirectional gRPC call
 * cannot stream both ways. One stream per pooled connection keeps every pool rule as it is (a slot
 * is a socket is a call: {@code max_connections}, {@code pool_timeout} and exhaustion, shutdown,
 * {@code /health} and the pool metrics all see it). The framing is a few lines; the hard part of
 * HTTP/2, HPACK with its Huffman code and dynamic tables, is Helidon's own ({@link Http2Headers}
 * from {@code helidon-http-http2}, the code its server and client use).
 *
 * <p>Threads: the exchange's thread reads (the response, and the connection frames it must answer:
 * SETTINGS, PING, WINDOW_UPDATE); one upload thread writes DATA; any thread may {@link #cancel}.
 * Writes are serialised by a lock. The upstream may send at most {@link #WINDOW} bytes the proxy
 * has not yet relayed (a window update is sent only after the bytes went to the client), so a slow
 * client holds back the upstream instead of filling the proxy's heap.
 */
final class H2Stream {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int STREAM = 1;

  /** Our receive window, per stream and for the connection (HTTP/2's default is 64 KiB - 1). */
  static final int WINDOW = 1 << 20;

  private static final int DEFAULT_WINDOW = 65_535;
  private static final int MAX_FRAME = 16_384; // what we accept (the default; we do not raise it)
  private static final int MAX_HEADER_BLOCK = 64 * 1024; // a response head or trailer section

  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int PUSH_PROMISE = 5;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int WINDOW_UPDATE = 8;
  private static final int CONTINUATION = 9;

  private final UpstreamConnection connection;
  private final String upstream;
  private final long writeTimeoutNanos;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final Http2Headers.DynamicTable encodeTable = Http2Headers.DynamicTable.create(4096);
  private final Http2HuffmanEncoder huffmanEncoder = Http2HuffmanEncoder.create();
  private final Http2Headers.DynamicTable decodeTable = Http2Headers.DynamicTable.create(4096);
  private final Http2HuffmanDecoder huffmanDecoder = Http2HuffmanDecoder.create();

  // the upstream's window for what we send, and its frame size: written by the reading thread,
  // waited on by the upload thread
  private final ReentrantLock windowLock = new ReentrantLock();
  private final Condition windowOpened = windowLock.newCondition();
  private long connectionSendWindow = DEFAULT_WINDOW;
  private long streamSendWindow = DEFAULT_WINDOW;
  private int peerInitialWindow = DEFAULT_WINDOW;
  private volatile int peerMaxFrame = MAX_FRAME;
  private volatile boolean closed;

  // reading (the exchange's thread only)
  private final byte[] frameHead = new byte[Http2FrameHeader.LENGTH];
  private final byte[] payload = new byte[MAX_FRAME];
  private int unacknowledged; // DATA bytes relayed but not yet given back in a WINDOW_UPDATE
  private volatile boolean remoteEnded; // read by close(), on any thread
  private Http2Headers trailers;
  private int dataOffset;
  private int dataLength;
  private int resetCode = -1;
  private volatile boolean localEnded; // our END_STREAM went out (the request is complete)
  private volatile boolean cancelled;

  private H2Stream(UpstreamConnection connection, long writeTimeoutNanos) {
    this.connection = connection;
    this.upstream = connection.endpoint().toString();
    this.writeTimeoutNanos = writeTimeoutNanos;
  }

  /**
   * Opens the stream on {@code connection} (fresh from the pool): one write carries the connection
   * preface, our SETTINGS (no server push, our window), the connection window's increase, and the
   * request's HEADERS.
   *
   * @param endStream whether the request has no body (its HEADERS end the stream)
   */
  static H2Stream open(
      UpstreamConnection connection,
      long writeTimeoutNanos,
      Http2Headers requestHeaders,
      boolean endStream) {
    H2Stream s = new H2Stream(connection, writeTimeoutNanos);
    byte[] block = s.encode(requestHeaders);
    Frames out = new Frames(PREFACE.length + 64 + block.length);
    out.raw(PREFACE);
    out.settings(new int[] {0x2, 0, 0x4, WINDOW}); // ENABLE_PUSH 0, INITIAL_WINDOW_SIZE
    out.windowUpdate(0, WINDOW - DEFAULT_WINDOW);
    out.headerBlock(STREAM, block, endStream, MAX_FRAME);
    s.write(out);
    s.localEnded = endStream;
    return s;
  }

  /** The upstream endpoint, as {@code scheme://host:port}. */
  String upstream() {
    return upstream;
  }

  // ---- the request ----

  /**
   * Sends request body bytes as DATA frames, each only once the upstream's flow-control windows
   * allow it; a window closed for {@code write_timeout} fails with WRITE_TIMEOUT.
   */
  void sendData(byte[] bytes, int off, int len) {
    while (len > 0) {
      int n = awaitWindow(Math.min(len, peerMaxFrame));
      Frames out = new Frames(Http2FrameHeader.LENGTH);
      out.head(n, DATA, 0, STREAM);
      writeLock.lock();
      try {
        out.writeTo(connection);
        connection.write(bytes, off, n);
      } finally {
        writeLock.unlock();
      }
      off += n;
      len -= n;
    }
  }

  /** Ends the request: an empty DATA frame with END_STREAM. */
  void endRequest() {
    Frames out = new Frames(Http2FrameHeader.LENGTH);
    out.head(0, DATA, Http2Flag.END_OF_STREAM, STREAM);
    write(out);
    localEnded = true;
  }

  /**
   * Cancels the stream (RST_STREAM with CANCEL, as grpc-java and Envoy do when a call is abandoned)
   * and closes the connection, which ends any read or write blocked on it. Any thread; a writer
   * that holds the lock past a short wait is not waited for: the close alone still ends the call.
   */
  void cancel() {
    if (closed) {
      return;
    }
    cancelled = true;
    try {
      if (writeLock.tryLock(100, TimeUnit.MILLISECONDS)) {
        try {
          Frames out = new Frames(Http2FrameHeader.LENGTH + 4);
          out.head(4, RST_STREAM, 0, STREAM);
          out.int32(Http2ErrorCode.CANCEL.code());
          out.writeTo(connection);
        } finally {
          writeLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (UpstreamException e) {
      // the connection failed already: the close below is all that is left
    } finally {
      close();
    }
  }

  /**
   * Marks the stream closed and wakes a writer waiting for a window (the pool closes the socket).
   *
   * <p>A call that ended cleanly both ways closes its connection with a reset instead of a FIN
   * (HAProxy's {@code option nolinger}, for server connections it knows are done): nothing is left
   * to deliver, and the side that sends the first FIN keeps the socket in TIME_WAIT for 60 s. With
   * one connection a call, Linux's 28,232 ephemeral ports would then cap a route at about 470 calls
   * a second to one upstream address before connects fail ({@code
   * GrpcTest.finishedCallsLeaveNoTimeWaitSocketsToTheUpstream}). Any other end closes plainly.
   */
  void close() {
    closed = true;
    if (remoteEnded && localEnded && resetCode < 0 && !cancelled) {
      connection.closeWithoutLinger();
    } else {
      connection.close();
    }
    windowLock.lock();
    try {
      windowOpened.signalAll();
    } finally {
      windowLock.unlock();
    }
  }

  private int awaitWindow(int wanted) {
    long deadline = System.nanoTime() + writeTimeoutNanos;
    windowLock.lock();
    try {
      while (connectionSendWindow <= 0 || streamSendWindow <= 0) {
        if (closed) {
          throw new UpstreamException(ErrorClass.RESET, upstream, "the stream was closed");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new UpstreamException(
              ErrorClass.WRITE_TIMEOUT,
              upstream,
              "upstream opened no flow-control window for "
                  + writeTimeoutNanos / 1_000_000
                  + " ms");
        }
        windowOpened.awaitNanos(left);
      }
      int n = (int) Math.min(wanted, Math.min(connectionSendWindow, streamSendWindow));
      connectionSendWindow -= n;
      streamSendWindow -= n;
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(ErrorClass.RESET, upstream, "upload interrupted");
    } finally {
      windowLock.unlock();
    }
  }

  // ---- the response ----

  /**
   * Reads the response head, skipping interim (1xx) heads. {@link #remoteEnded()} then tells
   * whether the head ended the stream (for gRPC: a trailers-only response).
   */
  Http2Headers readHead() {
    while (true) {
      int type = nextFrame();
      if (type != HEADERS) {
        throw protocol("DATA before the response head");
      }
      Http2Headers head = decoded;
      int status;
      try {
        status = head.status().code();
      } catch (RuntimeException e) {
        throw protocol("response head without a valid :status");
      }
      if (status >= 200) {
        return head;
      }
      if (remoteEnded) {
        throw protocol("an interim response ended the stream");
      }
    }
  }

  /**
   * Reads response body bytes: the next DATA frame's payload, copied to {@code into}; -1 when the
   * stream ended (then {@link #trailers()} holds the trailer section, if one came).
   */
  int readData(byte[] into) {
    while (true) {
      if (dataLength > 0) {
        int n = Math.min(dataLength, into.length);
        System.arraycopy(payload, dataOffset, into, 0, n);
        dataOffset += n;
        dataLength -= n;
        return n;
      }
      if (remoteEnded) {
        return -1;
      }
      int type = nextFrame();
      if (type == HEADERS) {
        if (!remoteEnded) {
          throw protocol("a trailer section without END_STREAM");
        }
        trailers = decoded;
      }
    }
  }

  /** The response's trailer section, or null if it had none. */
  Http2Headers trailers() {
    return trailers;
  }

  /** Whether the upstream ended its side of the stream. */
  boolean remoteEnded() {
    return remoteEnded;
  }

  /** The RST_STREAM error code the upstream sent, or -1. */
  int resetCode() {
    return resetCode;
  }

  private Http2Headers decoded;

  /**
   * Reads frames until one carries the stream's HEADERS or DATA (returned as its type), answering
   * the connection's own frames on the way. Bytes of DATA already relayed are given back to the
   * upstream first, once half the window is used, so it may send on.
   */
  private int nextFrame() {
    if (unacknowledged >= WINDOW / 2) {
      Frames out = new Frames(2 * (Http2FrameHeader.LENGTH + 4));
      out.windowUpdate(0, unacknowledged);
      out.windowUpdate(STREAM, unacknowledged);
      unacknowledged = 0;
      write(out);
    }
    while (true) {
      readFully(frameHead, Http2FrameHeader.LENGTH);
      int length =
          ((frameHead[0] & 0xFF) << 16) | ((frameHead[1] & 0xFF) << 8) | (frameHead[2] & 0xFF);
      int type = frameHead[3] & 0xFF;
      int flags = frameHead[4] & 0xFF;
      int stream = int32(frameHead, 5) & 0x7FFF_FFFF;
      if (length > MAX_FRAME) {
        throw protocol("a frame of " + length + " bytes (at most " + MAX_FRAME + " allowed)");
      }
      readFully(payload, length);
      switch (type) {
        case DATA -> {
          requireStream(stream, "DATA");
          if (remoteEnded) {
            throw protocol("DATA after the end of the stream");
          }
          unacknowledged += length; // padding counts against the window too
          int pad = (flags & Http2Flag.PADDED) != 0 ? padding(length) : -1;
          dataOffset = pad < 0 ? 0 : 1;
          dataLength = pad < 0 ? length : length - 1 - pad;
          remoteEnded = (flags & Http2Flag.END_OF_STREAM) != 0;
          return DATA;
        }
        case HEADERS -> {
          requireStream(stream, "HEADERS");
          if (remoteEnded) {
            throw protocol("HEADERS after the end of the stream");
          }
          remoteEnded = (flags & Http2Flag.END_OF_STREAM) != 0;
          decoded = headerBlock(flags, length);
          return HEADERS;
        }
        case RST_STREAM -> {
          if (stream == STREAM && length == 4) {
            resetCode = int32(payload, 0);
            throw new UpstreamException(
                ErrorClass.RESET,
                upstream,
                "upstream reset the stream (" + codeName(resetCode) + ")");
          }
        }
        case SETTINGS -> {
          if ((flags & Http2Flag.ACK) == 0) {
            settings(length);
          }
        }
        case PING -> {
          if ((flags & Http2Flag.ACK) == 0 && length == 8) {
            Frames out = new Frames(Http2FrameHeader.LENGTH + 8);
            out.head(8, PING, Http2Flag.ACK, 0);
            out.raw(Arrays.copyOf(payload, 8));
            write(out);
          }
        }
        case GOAWAY -> {
          int last = length >= 8 ? int32(payload, 0) & 0x7FFF_FFFF : 0;
          int code = length >= 8 ? int32(payload, 4) : 0;
          if (last < STREAM) {
            // the upstream will not process our stream: nothing of it was acted on
            throw new UpstreamException(
                ErrorClass.RESET,
                upstream,
                "upstream is going away (GOAWAY " + codeName(code) + ") before the stream");
          }
          // else our stream still completes; the connection closes with it anyway
        }
        case WINDOW_UPDATE -> windowUpdate(stream, length);
        case PUSH_PROMISE -> throw protocol("PUSH_PROMISE, though push was disabled");
        case CONTINUATION -> throw protocol("CONTINUATION without HEADERS");
        default -> {
          // PRIORITY and unknown frame types are ignored (RFC 9113 section 5.5)
        }
      }
    }
  }

  private Http2Headers headerBlock(int flags, int length) {
    int start = 0;
    int end = length;
    if ((flags & Http2Flag.PADDED) != 0) {
      end -= padding(length) + 0;
      start = 1;
    }
    if ((flags & Http2Flag.PRIORITY) != 0) {
      start += 5;
    }
    if (start > end) {
      throw protocol("a HEADERS frame shorter than its padding and priority");
    }
    byte[] block = Arrays.copyOfRange(payload, start, end);
    int size = block.length;
    boolean endHeaders = (flags & Http2Flag.END_OF_HEADERS) != 0;
    while (!endHeaders) {
      readFully(frameHead, Http2FrameHeader.LENGTH);
      int n = ((frameHead[0] & 0xFF) << 16) | ((frameHead[1] & 0xFF) << 8) | (frameHead[2] & 0xFF);
      int type = frameHead[3] & 0xFF;
      if (type != CONTINUATION || (int32(frameHead, 5) & 0x7FFF_FFFF) != STREAM) {
        throw protocol("a header block interrupted by another frame");
      }
      if (n > MAX_FRAME || size + n > MAX_HEADER_BLOCK) {
        throw protocol("a header block larger than " + MAX_HEADER_BLOCK + " bytes");
      }
      readFully(payload, n);
      block = Arrays.copyOf(block, size + n);
      System.arraycopy(payload, 0, block, size, n);
      size += n;
      endHeaders = (frameHead[4] & Http2Flag.END_OF_HEADERS) != 0;
    }
    try {
      // padding and priority are gone: Helidon's decoder needs no stream for priority
      Http2FrameData frame =
          new Http2FrameData(
              Http2FrameHeader.create(
                  size,
                  Http2FrameTypes.HEADERS,
                  Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS),
                  STREAM),
              BufferData.create(block));
      return Http2Headers.create(null, decodeTable, huffmanDecoder, frame);
    } catch (Http2Exception | IllegalArgumentException e) {
      throw protocol("a header block that does not decode: " + e.getMessage());
    }
  }

  private int padding(int length) {
    int pad = payload[0] & 0xFF;
    if (length < 1 || pad > length - 1) {
      throw protocol("padding longer than its frame");
    }
    return pad;
  }

  private void settings(int length) {
    if (length % 6 != 0) {
      throw protocol("a SETTINGS frame of " + length + " bytes");
    }
    for (int i = 0; i < length; i += 6) {
      int id = ((payload[i] & 0xFF) << 8) | (payload[i + 1] & 0xFF);
      int value = int32(payload, i + 2);
      switch (id) {
        case 0x4 -> { // INITIAL_WINDOW_SIZE: applies to the open stream by its difference
          if (value < 0) {
            throw protocol("an initial window over 2^31-1");
          }
          windowLock.lock();
          try {
            streamSendWindow += value - peerInitialWindow;
            peerInitialWindow = value;
            windowOpened.signalAll();
          } finally {
            windowLock.unlock();
          }
        }
        case 0x5 -> { // MAX_FRAME_SIZE
          if (value < MAX_FRAME || value > 16_777_215) {
            throw protocol("a max frame size of " + value);
          }
          peerMaxFrame = Math.min(value, 64 * 1024);
        }
        case 0x1 -> {
          // HEADER_TABLE_SIZE: our encoder indexes within 4096 bytes, the size every peer must
          // take; a smaller table would need a size update we do not send, so it is refused
          if (value < 4096) {
            throw protocol("a header table smaller than 4096 bytes");
          }
        }
        default -> {
          // ENABLE_PUSH, MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE and unknown: nothing to do
        }
      }
    }
    Frames ack = new Frames(Http2FrameHeader.LENGTH);
    ack.head(0, SETTINGS, Http2Flag.ACK, 0);
    write(ack);
  }

  private void windowUpdate(int stream, int length) {
    if (length != 4) {
      throw protocol("a WINDOW_UPDATE frame of " + length + " bytes");
    }
    long increment = int32(payload, 0) & 0x7FFF_FFFFL;
    windowLock.lock();
    try {
      if (stream == 0) {
        connectionSendWindow += increment;
      } else if (stream == STREAM) {
        streamSendWindow += increment;
      }
      windowOpened.signalAll();
    } finally {
      windowLock.unlock();
    }
  }

  private void requireStream(int stream, String frame) {
    if (stream != STREAM) {
      throw protocol(frame + " on stream " + stream + ", which the proxy never opened");
    }
  }

  private void readFully(byte[] into, int length) {
    int off = 0;
    while (off < length) {
      int n = connection.read(into, off, length - off);
      if (n < 0) {
        throw new UpstreamException(
            ErrorClass.RESET,
            upstream,
            remoteEnded ? "connection closed by upstream" : "connection closed mid-stream");
      }
      off += n;
    }
  }

  private byte[] encode(Http2Headers headers) {
    BufferData buffer = BufferData.growing(512);
    headers.write(encodeTable, huffmanEncoder, buffer);
    byte[] block = new byte[buffer.available()];
    buffer.read(block);
    return block;
  }

  private void write(Frames frames) {
    writeLock.lock();
    try {
      frames.writeTo(connection);
    } finally {
      writeLock.unlock();
    }
  }

  private UpstreamException protocol(String what) {
    return new UpstreamException(
        ErrorClass.PROTOCOL, upstream, "invalid HTTP/2 from upstream: " + what);
  }

  private static int int32(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static String codeName(int code) {
    for (Http2ErrorCode c : Http2ErrorCode.values()) {
      if (c.code() == code) {
        return c.name();
      }
    }
    return "0x" + Integer.toHexString(code);
  }

  /** Frames built into one array, written in one call. */
  private static final class Frames {
    private byte[] bytes;
    private int length;

    Frames(int capacity) {
      bytes = new byte[capacity];
    }

    void head(int payloadLength, int type, int flags, int stream) {
      ensure(Http2FrameHeader.LENGTH);
      bytes[length++] = (byte) (payloadLength >>> 16);
      bytes[length++] = (byte) (payloadLength >>> 8);
      bytes[length++] = (byte) payloadLength;
      bytes[length++] = (byte) type;
      bytes[length++] = (byte) flags;
      int32(stream);
    }

    void int32(int v) {
      ensure(4);
      bytes[length++] = (byte) (v >>> 24);
      bytes[length++] = (byte) (v >>> 16);
      bytes[length++] = (byte) (v >>> 8);
      bytes[length++] = (byte) v;
    }

    void raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, length, b.length);
      length += b.length;
    }

    void settings(int[] pairs) {
      head(pairs.length / 2 * 6, SETTINGS, 0, 0);
      for (int i = 0; i < pairs.length; i += 2) {
        ensure(6);
        bytes[length++] = (byte) (pairs[i] >>> 8);
        bytes[length++] = (byte) pairs[i];
        int32(pairs[i + 1]);
      }
    }

    void windowUpdate(int stream, int increment) {
      head(4, WINDOW_UPDATE, 0, stream);
      int32(increment);
    }

    /** HEADERS, then CONTINUATION frames if the block is larger than a frame. */
    void headerBlock(int stream, byte[] block, boolean endStream, int maxFrame) {
      int off = 0;
      boolean first = true;
      do {
        int n = Math.min(maxFrame, block.length - off);
        boolean last = off + n == block.length;
        int flags = (last ? Http2Flag.END_OF_HEADERS : 0);
        if (first && endStream) {
          flags |= Http2Flag.END_OF_STREAM;
        }
        head(n, first ? HEADERS : CONTINUATION, flags, stream);
        ensure(n);
        System.arraycopy(block, off, bytes, length, n);
        length += n;
        off += n;
        first = false;
      } while (off < block.length);
    }

    void writeTo(UpstreamConnection connection) {
      connection.write(bytes, 0, length);
    }

    private void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }
  }
}
