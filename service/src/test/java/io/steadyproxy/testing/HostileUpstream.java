package io.steadyproxy.testing;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scripted {@link RawUpstream} behaviours of upstreams that break the keep-alive contract, as real
 * ones do by accident or by design. The first request the upstream receives gets the hostile
 * treatment; every later one, on any connection, is answered {@code 200} with the body {@link
 * #MINE}, so a test can tell from what a second client reads whether the proxy kept a connection it
 * should have given up. Bytes an upstream sends unasked always look like a complete response with
 * the body {@link #LEAKED}: a client that reads them got another exchange's bytes.
 */
public final class HostileUpstream {
  /** The body of every answer to a request that came after the hostile first one. */
  public static final String MINE = "mine";

  /** The body of the response hidden in unsolicited bytes. */
  public static final String LEAKED = "LEAKED";

  /** Bytes that form a whole response of their own, sent where none was asked for. */
  public static final String UNSOLICITED =
      "HTTP/1.1 200 OK\r\nContent-Length: " + LEAKED.length() + "\r\n\r\n" + LEAKED;

  private HostileUpstream() {}

  /** What the upstream writes in answer to the first request of a connection. */
  @FunctionalInterface
  public interface FirstAnswer {
    void answer(RawUpstream.Conn conn, RawHttp.Head request) throws Exception;
  }

  /**
   * Answers the upstream's first request with {@code first}, then every later request with {@link
   * #MINE}; closes a connection when it has been idle for {@code idleClose} (as Node.js, uvicorn
   * and Apache do after about 5 s), if not null.
   */
  public static RawUpstream start(FirstAnswer first, Duration idleClose) throws IOException {
    AtomicBoolean firstDone = new AtomicBoolean();
    return RawUpstream.start(
        conn -> {
          if (idleClose != null) {
            conn.socket().setSoTimeout((int) idleClose.toMillis());
          }
          while (true) {
            RawHttp.Head head;
            try {
              head = conn.readHead();
            } catch (SocketTimeoutException idleTooLong) {
              return; // RawUpstream closes the socket: a FIN, no bytes, like a real server
            }
            if (head == null) {
              return;
            }
            if (firstDone.compareAndSet(false, true)) {
              first.answer(conn, head);
            } else {
              RawHttp.drainBody(conn.in(), head);
              conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + MINE.length() + "\r\n\r\n" + MINE);
            }
          }
        });
  }

  /** An upstream that closes idle keep-alive connections after {@code idleClose}. */
  public static RawUpstream closingIdleAfter(Duration idleClose) throws IOException {
    return start(
        (conn, head) -> {
          RawHttp.drainBody(conn.in(), head);
          conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        },
        idleClose);
  }

  /**
   * Writes {@code answer}, then, once {@code delay} has passed, {@link #UNSOLICITED}; counts {@code
   * lateSent} down when the late bytes are out, so the test sends its next request after them.
   */
  public static FirstAnswer thenLateBytes(String answer, Duration delay, CountDownLatch lateSent) {
    return (conn, head) -> {
      RawHttp.drainBody(conn.in(), head);
      conn.write(answer);
      Thread.sleep(delay.toMillis());
      conn.write(UNSOLICITED);
      lateSent.countDown();
    };
  }

  /** Writes {@code answer} alone (a bad status line, a 101, a flood of interim answers...). */
  public static FirstAnswer just(String answer) {
    return (conn, head) -> {
      RawHttp.drainBody(conn.in(), head);
      conn.write(answer);
    };
  }

  /**
   * Sends {@code count} copies of the interim head {@code interim}, {@code gap} apart, then a final
   * {@code 200 ok}.
   */
  public static FirstAnswer interims(String interim, int count, Duration gap) {
    return (conn, head) -> {
      RawHttp.drainBody(conn.in(), head);
      for (int i = 0; i < count; i++) {
        conn.write(interim);
        Thread.sleep(gap.toMillis());
      }
      conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    };
  }

  /**
   * Answers as soon as the request head is in, without reading its body, then waits for the proxy
   * to give the connection up (at most 30 s).
   */
  public static FirstAnswer beforeTheBody(String answer) {
    return (conn, head) -> {
      conn.write(answer);
      conn.socket().setSoTimeout(30_000);
      conn.awaitPeerClose();
    };
  }

  /** Waits for a latch the upstream counts down, failing the test after {@code seconds}. */
  public static void await(CountDownLatch latch, int seconds) throws InterruptedException {
    if (!latch.await(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("the upstream did not get there within " + seconds + " s");
    }
  }
}
