package io.steadyproxy.observe;

import io.steadyproxy.proxy.ErrorClass;
import io.steadyproxy.proxy.ErrorResponses;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * {@link ConnectionAdmission} at the listener's accept hook: the seam where Helidon 4.5.0 lets us
 * act on an accepted socket before it costs anything. {@code ServerListener.listen()} takes a
 * permit of {@code max_client_connections}, accepts, then calls {@code
 * connectionOptions.configureSocket(channel)} on its single listener thread, before it creates the
 * connection's handler, buffers and virtual thread; if that call throws, it closes the socket and
 * returns the permit. So while admission is stopped this call holds the listener (the next
 * connections wait in the kernel's backlog), and a connection that is still not admitted gets a
 * short 503 and is closed, before Helidon allocates anything for it.
 */
public final class AdmissionGate {
  // written before the request is read: "Connection: close" and a length, so the client can tell
  // it got the whole answer; Retry-After as for the other memory 503s
  private static final byte[] REFUSAL = refusal();

  private final ConnectionAdmission admission;
  private final boolean plainText;

  /** How long a refused connection's request may take to arrive before it is closed unanswered. */
  static final Duration REQUEST_WAIT = Duration.ofMillis(250);

  // one listener thread calls configureSocket, so one small buffer serves every refusal; a request
  // head larger than this is cut short by the close (a reset), which is rare and still a refusal
  private final byte[] drain = new byte[8192];

  /**
   * @param admission decides whether a socket is served
   */
  public AdmissionGate(ConnectionAdmission admission) {
    this(admission, true);
  }

  /**
   * @param admission decides whether a socket is served
   * @param plainText false on a TLS listener: a refused connection is closed without the 503, which
   *     cannot be written before a handshake
   */
  public AdmissionGate(ConnectionAdmission admission, boolean plainText) {
    this.admission = admission;
    this.plainText = plainText;
  }

  /** Thrown so that Helidon closes a refused socket and returns its connection permit. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused() {
      super("connection refused: memory above the admission mark", null, false, false);
    }
  }

  /**
   * Lets an accepted socket through, or refuses it: throws {@link Refused} after the short answer,
   * so that Helidon closes the socket and returns its connection permit.
   */
  public void admit(SocketChannel socket) {
    if (!admission.admit()) {
      refuse(socket);
      throw new Refused();
    }
  }

  /**
   * Answers 503 where a request can be read: the listener waits up to {@link #REQUEST_WAIT} for the
   * client's first bytes and reads (and drops) them first, so that closing the socket sends a FIN
   * after our answer, not a reset that could destroy the answer in the client's buffer. A client
   * that sends nothing in that time just sees the connection close. Meanwhile the next connections
   * wait in the backlog, which is what admission wants.
   */
  private void refuse(SocketChannel socket) {
    if (!plainText) {
      return; // the close is the answer
    }
    try {
      Socket s = socket.socket();
      s.setSoTimeout((int) REQUEST_WAIT.toMillis());
      if (s.getInputStream().read(drain) > 0) {
        socket.write(ByteBuffer.wrap(REFUSAL));
        socket.shutdownOutput();
      }
    } catch (IOException e) {
      // the client is gone, or sent nothing in time: closing is all that is left
    }
  }

  private static byte[] refusal() {
    return ErrorResponses.raw(
        ErrorClass.OVERLOADED,
        "memory above the connection admission mark; retry later",
        "Retry-After: 1\r\n");
  }
}
