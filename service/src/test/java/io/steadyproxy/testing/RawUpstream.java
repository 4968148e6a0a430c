package io.steadyproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream on a loopback port whose every connection runs a test-supplied behaviour, so
 * tests can make it answer, stall, reset or lie, and can see from the upstream's side how many
 * sockets the proxy opened and when it closed them.
 */
public final class RawUpstream implements AutoCloseable {
  private final ServerSocket server;
  private final Behavior behavior;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger closedByPeer = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final Thread acceptor;

  /** What the upstream does with one accepted connection. */
  @FunctionalInterface
  public interface Behavior {
    void serve(Conn conn) throws Exception;
  }

  /** One accepted connection with request-reading helpers. */
  public final class Conn {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    public Socket socket() {
      return socket;
    }

    public InputStream in() {
      return in;
    }

    public OutputStream out() {
      return out;
    }

    /** Reads a request head; null when the peer closed the connection first. */
    public RawHttp.Head readHead() throws IOException {
      RawHttp.Head head = RawHttp.readHead(in);
      if (head == null) {
        closedByPeer.incrementAndGet();
      }
      return head;
    }

    public void write(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** Blocks until the peer closes the connection; counts it. */
    public void awaitPeerClose() throws IOException {
      byte[] buf = new byte[8192];
      try {
        while (in.read(buf) >= 0) {
          // drain
        }
      } catch (IOException ignored) {
        // reset counts as closed too
      }
      closedByPeer.incrementAndGet();
    }
  }

  private RawUpstream(int port, Behavior behavior) throws IOException {
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
    this.behavior = behavior;
    this.acceptor = Thread.ofVirtual().name("raw-upstream-acceptor").start(this::acceptLoop);
  }

  /** Starts an upstream with the given behaviour per connection. */
  public static RawUpstream start(Behavior behavior) throws IOException {
    return new RawUpstream(0, behavior);
  }

  /** Starts an upstream on a given port (to restart one where the proxy expects it). */
  public static RawUpstream startOn(int port, Behavior behavior) throws IOException {
    return new RawUpstream(port, behavior);
  }

  /**
   * An upstream that answers every request on a keep-alive connection with {@code 200} and {@code
   * body}.
   */
  public static RawUpstream keepAlive(String body) throws IOException {
    return answering(body, () -> {});
  }

  /** A step an upstream takes before answering (wait for a latch, sleep, count). */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  /** Like {@link #keepAlive(String)}, running {@code beforeAnswer} after reading each request. */
  public static RawUpstream answering(String body, Step beforeAnswer) throws IOException {
    return start(
        conn -> {
          RawHttp.Head head;
          while ((head = conn.readHead()) != null) {
            RawHttp.drainBody(conn.in(), head);
            beforeAnswer.run();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
          }
        });
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        open.add(s);
        maxOpen.accumulateAndGet(open.size(), Math::max);
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    behavior.serve(new Conn(s));
                  } catch (Exception ignored) {
                    // the behaviour decides; a failing peer is part of many tests
                  } finally {
                    open.remove(s);
                    try {
                      s.close();
                    } catch (IOException ignored) {
                      // closing
                    }
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Connections whose peer (the proxy) closed them, as seen from here. */
  public int closedByPeer() {
    return closedByPeer.get();
  }

  /** Connections currently open on the upstream side. */
  public int openNow() {
    return open.size();
  }

  /** Most connections open at once. */
  public int maxOpen() {
    return maxOpen.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : new ArrayList<>(open)) {
      s.close();
    }
    acceptor.interrupt();
  }

  /** Unused helper kept for symmetry with tests that list sockets. */
  List<Socket> sockets() {
    return List.copyOf(open);
  }
}
