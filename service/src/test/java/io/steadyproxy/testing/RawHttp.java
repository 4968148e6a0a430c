package io.steadyproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Minimal HTTP/1.1 reading and writing over raw sockets, for tests that must see exact bytes (raw
 * paths, hop-by-hop headers, truncated bodies) rather than what a client library shows.
 */
public final class RawHttp {
  private RawHttp() {}

  /** A parsed message head: the first line and the header lines. */
  public record Head(String line, List<String[]> headers) {
    public String header(String name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          return h[1];
        }
      }
      return null;
    }

    public List<String> all(String name) {
      List<String> values = new ArrayList<>();
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          values.add(h[1]);
        }
      }
      return values;
    }

    public int status() {
      return Integer.parseInt(line.substring(9, 12));
    }

    public String target() {
      return line.split(" ")[1];
    }

    public long contentLength() {
      String v = header("Content-Length");
      return v == null ? -1 : Long.parseLong(v.trim());
    }

    public boolean chunked() {
      String v = header("Transfer-Encoding");
      return v != null && v.toLowerCase(Locale.ROOT).contains("chunked");
    }
  }

  /** A whole response. */
  public record Response(Head head, byte[] body, boolean complete) {
    public int status() {
      return head.status();
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Reads one head; null on a clean end of stream before any byte. */
  public static Head readHead(InputStream in) throws IOException {
    String first = readLine(in);
    if (first == null) {
      return null;
    }
    List<String[]> headers = new ArrayList<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
    }
    return new Head(first, headers);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads and discards a request body framed by {@code head}; returns its length. */
  public static long drainBody(InputStream in, Head head) throws IOException {
    return copyBody(in, head, OutputStream.nullOutputStream());
  }

  /**
   * Copies a body framed by {@code head} (Content-Length or chunked) to {@code out}; returns its
   * length.
   */
  public static long copyBody(InputStream in, Head head, OutputStream out) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    if (head.chunked()) {
      while (true) {
        String sizeLine = readLine(in);
        if (sizeLine == null) {
          throw new IOException("truncated chunked body");
        }
        long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return total;
        }
        long left = size;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException("truncated chunk");
          }
          out.write(buf, 0, n);
          left -= n;
        }
        total += size;
        readLine(in);
      }
    }
    long left = head.contentLength();
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new IOException("truncated body: " + left + " bytes missing");
      }
      out.write(buf, 0, n);
      left -= n;
      total += n;
    }
    return total;
  }

  /**
   * Sends raw request bytes on a new connection to 127.0.0.1:{@code port} and reads one response.
   * {@code complete} is false when the connection closed before the body's framing said it ends.
   */
  public static Response exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return readResponse(s.getInputStream(), request.startsWith("HEAD "));
    }
  }

  /** Reads one response from a stream. */
  public static Response readResponse(InputStream in, boolean head) throws IOException {
    Head h = readHead(in);
    while (h != null && h.status() >= 100 && h.status() < 200) {
      h = readHead(in); // interim responses (100 Continue) precede the final one
    }
    if (h == null) {
      throw new IOException("connection closed without a response");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (head || h.status() == 204 || h.status() == 304) {
      return new Response(h, new byte[0], true);
    }
    try {
      if (h.chunked() || h.contentLength() >= 0) {
        copyBody(in, h, body);
      } else {
        in.transferTo(body);
      }
      return new Response(h, body.toByteArray(), true);
    } catch (IOException e) {
      return new Response(h, body.toByteArray(), false);
    }
  }

  /** Reads the rest of a body framed by {@code head}. */
  public static byte[] readResponseBody(InputStream in, Head head) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    copyBody(in, head, body);
    return body.toByteArray();
  }

  /** {@link #exchange} on another thread, for requests that stay in flight while the test acts. */
  public static CompletableFuture<Response> exchangeAsync(int port, String request) {
    return async(() -> exchange(port, request));
  }

  /**
   * {@link #readResponse} on another thread, for a test that goes on writing a request body while
   * the answer may already come.
   */
  public static CompletableFuture<Response> readResponseAsync(InputStream in) {
    return async(() -> readResponse(in, false));
  }

  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static <T> CompletableFuture<T> async(IoSupplier<T> io) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return io.get();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
