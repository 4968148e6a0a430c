package io.steadyproxy.http10;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;

/**
 * The response side of an HTTP/1.0 connection: what Helidon's HTTP/1.1 connection writes, made into
 * what an HTTP/1.0 client reads. nginx's rules (ngx_http_header_filter and ngx_http_chunked_filter
 * for an HTTP/1.0 request):
 *
 * <ul>
 *   <li>the status line stays {@code HTTP/1.1} (RFC 9110 2.5: a server sends its own version; the
 *       client reads the answer by the rules of the version it asked with), as nginx sends it;
 *   <li>a body of known length goes as it is, and the connection stays open only when the client
 *       asked (Helidon already answered {@code Connection: close} to every other request, because
 *       the request side added it);
 *   <li>a body Helidon frames as chunked goes without its chunk framing and without trailers, with
 *       {@code Connection: close}, and the connection closes after it: its end is the close, the
 *       only delimiter HTTP/1.0 has for a body of unknown length (RFC 9112 6.3);
 *   <li>1xx interim answers are dropped: a server must not send one to an HTTP/1.0 client (RFC 9110
 *       15.2).
 * </ul>
 *
 * Answers to HTTP/1.1 requests on the same connection (a client may switch) pass unchanged; their
 * framing is followed only to find where the next answer starts.
 */
final class ResponseTranslator implements DataWriter {
  private enum State {
    HEAD,
    LENGTH,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_CRLF,
    TRAILERS,
    UNTIL_CLOSE,
    ENDED
  }

  private final DataWriter out;
  private final Queue<Exchange> exchanges;
  private RequestTranslator requests;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private State state = State.HEAD;
  private boolean dechunk; // this answer's chunk framing is removed, not copied
  private boolean endAfter; // the connection ends with this answer
  private long left;
  private int crlfLeft;

  /**
   * @param out the socket's writer
   * @param exchanges each request's answer rules, in request order
   */
  ResponseTranslator(DataWriter out, Queue<Exchange> exchanges) {
    this.out = out;
    this.exchanges = exchanges;
  }

  /** The request side, told when an answer ends the connection. */
  void requests(RequestTranslator requests) {
    this.requests = requests;
  }

  /** Writes a refusal the request side made itself, and ends the connection. */
  synchronized void refuse(byte[] answer) {
    state = State.ENDED;
    out.writeNow(BufferData.create(answer));
  }

  @Override
  public synchronized void write(BufferData... buffers) {
    for (BufferData b : buffers) {
      write(b);
    }
  }

  @Override
  public synchronized void write(BufferData buffer) {
    BufferData translated = translate(buffer);
    if (translated != null) {
      out.write(translated);
    }
  }

  @Override
  public synchronized void writeNow(BufferData... buffers) {
    for (BufferData b : buffers) {
      writeNow(b);
    }
  }

  @Override
  public synchronized void writeNow(BufferData buffer) {
    BufferData translated = translate(buffer);
    if (translated != null) {
      out.writeNow(translated);
    }
  }

  @Override
  public void flush() {
    out.flush();
  }

  @Override
  public void close() {
    out.close();
  }

  private BufferData translate(BufferData buffer) {
    if (state == State.ENDED) {
      throw new UncheckedIOException(
          new IOException("HTTP/1.0 connection already ended by a close-delimited answer"));
    }
    byte[] in = buffer.readBytes();
    ByteArrayOutputStream to = new ByteArrayOutputStream(in.length + 64);
    int i = 0;
    while (i < in.length && state != State.ENDED) {
      switch (state) {
        case HEAD, CHUNK_SIZE, TRAILERS -> {
          int lf = indexOf(in, i, (byte) '\n');
          int end = lf < 0 ? in.length : lf + 1;
          line.write(in, i, end - i);
          i = end;
          if (lf >= 0) {
            lineDone(to);
          }
        }
        case LENGTH -> {
          int n = (int) Math.min(left, in.length - i);
          to.write(in, i, n);
          i += n;
          left -= n;
          if (left == 0) {
            messageEnd();
          }
        }
        case CHUNK_DATA -> {
          int n = (int) Math.min(left, in.length - i);
          to.write(in, i, n);
          i += n;
          left -= n;
          if (left == 0) {
            state = State.CHUNK_CRLF;
            crlfLeft = 2;
          }
        }
        case CHUNK_CRLF -> {
          int n = Math.min(crlfLeft, in.length - i);
          if (!dechunk) {
            to.write(in, i, n);
          }
          i += n;
          crlfLeft -= n;
          if (crlfLeft == 0) {
            state = State.CHUNK_SIZE;
          }
        }
        case UNTIL_CLOSE -> {
          to.write(in, i, in.length - i);
          i = in.length;
        }
        case ENDED -> {}
      }
    }
    return to.size() == 0 ? null : BufferData.create(to.toByteArray());
  }

  /** A whole line of the head, a chunk size or the trailer section is in {@link #line}. */
  private void lineDone(ByteArrayOutputStream to) {
    switch (state) {
      case HEAD -> {
        if (endsWithBlankLine()) {
          head(to);
        }
        return; // a head line: wait for the blank line that ends the head
      }
      case CHUNK_SIZE -> {
        String size = text(line).strip();
        int ext = size.indexOf(';');
        left = Long.parseLong(ext < 0 ? size : size.substring(0, ext).strip(), 16);
        if (!dechunk) {
          to.writeBytes(line.toByteArray());
        }
        line.reset();
        state = left == 0 ? State.TRAILERS : State.CHUNK_DATA;
      }
      case TRAILERS -> {
        boolean last = line.size() == 2;
        if (!dechunk) {
          to.writeBytes(line.toByteArray());
        }
        line.reset();
        if (last) {
          messageEnd();
        }
      }
      default -> throw new IllegalStateException(state.name());
    }
  }

  private boolean endsWithBlankLine() {
    byte[] b = line.toByteArray();
    int n = b.length;
    return n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
  }

  /** A whole head is in {@link #line}: decides the answer's framing and writes its new head. */
  private void head(ByteArrayOutputStream to) {
    String[] lines = text(line).split("\r\n");
    line.reset();
    String status = lines[0];
    int code = status.length() >= 12 ? Integer.parseInt(status.substring(9, 12)) : 500;
    Exchange x = exchanges.peek();
    boolean http10 = x == null || x.http10();
    if (code < 200) {
      if (!http10) {
        writeHead(to, status, List.of(lines).subList(1, lines.length));
      }
      return; // interim: the final answer follows; HTTP/1.0 clients never see one
    }
    exchanges.poll();
    boolean bodiless = (x != null && x.head()) || code == 204 || code == 304;
    boolean chunked = false;
    long length = -1;
    List<String> fields = new ArrayList<>(lines.length);
    for (int k = 1; k < lines.length; k++) {
      String f = lines[k];
      int colon = f.indexOf(':');
      String name = colon < 0 ? f : f.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = colon < 0 ? "" : f.substring(colon + 1).strip();
      if (name.equals("transfer-encoding")) {
        chunked = RequestTranslator.hasToken(value, "chunked");
        if (http10) {
          continue; // HTTP/1.0 has no transfer codings
        }
      } else if (name.equals("content-length")) {
        length = Long.parseLong(value);
      }
      fields.add(f);
    }
    dechunk = http10 && chunked && !bodiless;
    if (dechunk) {
      fields.removeIf(f -> f.regionMatches(true, 0, "connection:", 0, 11));
      fields.add("Connection: close");
    }
    // An HTTP/1.0 connection ends after an answer the client did not ask to keep it for, one that
    // says close (load shedding), or one whose body only the close delimits. Helidon 4.5.0 would
    // send Connection: close and go on reading (see ConnectionCloseFilter, which not every answer
    // passes: a filter's own answer does not), so the end is made here, for every answer.
    endAfter =
        http10
            && (dechunk
                || (x != null && !x.keepAlive())
                || fields.stream().anyMatch(ResponseTranslator::saysClose));
    writeHead(to, status, fields);
    if (bodiless || (!chunked && length == 0)) {
      messageEnd();
    } else if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (length > 0) {
      left = length;
      state = State.LENGTH;
    } else {
      state = State.UNTIL_CLOSE;
    }
  }

  /** The answer is complete: the next one starts, or the connection ends. */
  private void messageEnd() {
    if (endAfter) {
      // no answer may follow: the request side reports the end of the connection, and Helidon
      // closes it when it next reads
      state = State.ENDED;
      requests.end();
    } else {
      state = State.HEAD;
    }
  }

  private static boolean saysClose(String field) {
    int colon = field.indexOf(':');
    return colon > 0
        && field.substring(0, colon).strip().equalsIgnoreCase("connection")
        && RequestTranslator.hasToken(field.substring(colon + 1), "close");
  }

  private static void writeHead(ByteArrayOutputStream to, String status, List<String> fields) {
    StringBuilder sb = new StringBuilder(256).append(status).append("\r\n");
    for (String f : fields) {
      sb.append(f).append("\r\n");
    }
    to.writeBytes(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String text(ByteArrayOutputStream b) {
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static int indexOf(byte[] b, int from, byte x) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }
}
