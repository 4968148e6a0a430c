package io.steadyproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real WebSocket server (RFC 6455) on a loopback port, small enough to read: it echoes every
 * message, answers pings and the close handshake, and obeys a few text commands so tests can make
 * it push, or vanish. On the path {@code /welcome} it sends a message in the same write as its 101,
 * as servers that greet their clients do. It counts connections, to tell from the upstream's side
 * that the proxy closed one.
 */
public final class WebSocketUpstream implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicReference<RawHttp.Head> lastHandshake = new AtomicReference<>();
  private final Thread acceptor;

  private WebSocketUpstream() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    acceptor = Thread.ofVirtual().name("ws-upstream").start(this::acceptLoop);
  }

  /** Starts one. */
  public static WebSocketUpstream start() throws IOException {
    return new WebSocketUpstream();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Connections open on the upstream's side now. */
  public int openNow() {
    return open.size();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** The head of the last handshake request the upstream read. */
  public RawHttp.Head lastHandshake() {
    return lastHandshake.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        open.add(s);
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    serve(s);
                  } catch (IOException ignored) {
                    // the peer went away: the socket closes below
                  } finally {
                    closeQuietly(s);
                    open.remove(s);
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    OutputStream out = s.getOutputStream();
    RawHttp.Head head = RawHttp.readHead(in);
    if (head == null) {
      return;
    }
    lastHandshake.set(head);
    String key = head.header("Sec-WebSocket-Key");
    if (key == null || !"websocket".equalsIgnoreCase(head.header("Upgrade"))) {
      out.write(
          "HTTP/1.1 400 Bad Request\r\nContent-Length: 13\r\nConnection: close\r\n\r\nnot websocket"
              .getBytes(StandardCharsets.ISO_8859_1));
      return;
    }
    ByteArrayOutputStream hello = new ByteArrayOutputStream();
    hello.writeBytes(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: "
                + accept(key)
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    if (head.target().startsWith("/welcome")) {
      hello.writeBytes(frame(1, "welcome".getBytes(StandardCharsets.UTF_8)));
    }
    out.write(hello.toByteArray());
    out.flush();

    ByteArrayOutputStream message = new ByteArrayOutputStream();
    int messageOpcode = 0;
    while (true) {
      int b0;
      try {
        b0 = in.readUnsignedByte();
      } catch (EOFException e) {
        return; // the peer closed without a close frame
      }
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0F;
      int b1 = in.readUnsignedByte();
      long len = b1 & 0x7F;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      byte[] mask = new byte[4];
      if ((b1 & 0x80) != 0) {
        in.readFully(mask);
      }
      byte[] payload = new byte[(int) len];
      in.readFully(payload);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i & 3];
      }
      switch (opcode) {
        case 8 -> { // close: answer with the same code, then close the TCP connection
          out.write(frame(8, payload));
          out.flush();
          return;
        }
        case 9 -> {
          out.write(frame(10, payload));
          out.flush();
        }
        case 10 -> {} // pong
        default -> {
          if (opcode != 0) {
            messageOpcode = opcode;
          }
          message.writeBytes(payload);
          if (fin) {
            byte[] whole = message.toByteArray();
            message.reset();
            if (!onMessage(s, out, messageOpcode, whole)) {
              return;
            }
          }
        }
      }
    }
  }

  /** Echoes, or runs a command; false ends the connection without a close frame. */
  private boolean onMessage(Socket s, OutputStream out, int opcode, byte[] payload)
      throws IOException {
    String text = opcode == 1 ? new String(payload, StandardCharsets.UTF_8) : "";
    if (text.startsWith("push ")) {
      int n = Integer.parseInt(text.substring(5).strip());
      for (int i = 1; i <= n; i++) {
        out.write(frame(1, ("pushed " + i).getBytes(StandardCharsets.UTF_8)));
      }
      out.flush();
      return true;
    }
    if (text.equals("vanish")) {
      s.setSoLinger(true, 0); // a reset, as a crashed server's kernel sends
      return false;
    }
    out.write(frame(opcode, payload));
    out.flush();
    return true;
  }

  /** One unmasked frame, as a server sends it. */
  static byte[] frame(int opcode, byte[] payload) {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 10);
    f.write(0x80 | opcode);
    if (payload.length < 126) {
      f.write(payload.length);
    } else if (payload.length < 65536) {
      f.write(126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xFF);
    } else {
      f.write(127);
      long n = payload.length;
      for (int shift = 56; shift >= 0; shift -= 8) {
        f.write((int) (n >>> shift) & 0xFF);
      }
    }
    f.writeBytes(payload);
    return f.toByteArray();
  }

  /** The Sec-WebSocket-Accept for a key (RFC 6455 section 4.2.2). */
  public static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return Base64.getEncoder()
          .encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : new ArrayList<>(open)) {
      closeQuietly(s);
    }
    acceptor.interrupt();
  }
}
