package io.steadyproxy.proxy;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.steadyproxy.upgrade.Tunnel;
import io.steadyproxy.upgrade.Tunnels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The upstream half of a protocol upgrade (WebSocket, or any {@code Upgrade}): the handshake on a
 * connection of its own, outside the pool, and after a 101 the splice of that connection with the
 * client's, taken over from Helidon through the connection's {@link ConnectionContext} (its reader,
 * which may hold bytes the client sent after its head, and its writer). The policy (when to
 * upgrade, what the client sees) stays in {@link ProxyHandler}.
 */
final class UpgradeExchange {
  private UpgradeExchange() {}

  /**
   * Opens a connection for this request alone, sends the head and reads the answer's head, a 101
   * included; the read timeout bounds the handshake (enforced by the tunnels' sweeper, as the
   * pool's sweeper does for pooled connections). The response's close closes the connection.
   */
  static UpstreamResponse handshake(
      Tunnels tunnels,
      UpstreamPool pool,
      UpstreamEndpoint endpoint,
      String method,
      RequestHead head) {
    UpstreamConnection c = pool.openOutside(endpoint);
    LongPredicate stuck = now -> c.closeIfStuck(now) || c.isClosed();
    tunnels.watch(stuck);
    try {
      head.writeTo(c);
      return new UpstreamResponse(null, c, ResponseHead.read(c, true), method, null);
    } catch (Throwable e) {
      c.close();
      throw e;
    } finally {
      tunnels.unwatch(stuck);
    }
  }

  /**
   * Sends the upstream's 101 to the client and relays both ways until both sides closed.
   *
   * @param response the upstream's 101, on its own connection
   * @param client the client's connection (its context must be known)
   * @param requestId sent back as X-Request-Id, as on every answer
   * @throws UpstreamException when the 101 does not say which protocol it switched to (nothing has
   *     been sent to the client then)
   */
  static Tunnel.Result splice(
      Tunnels tunnels, UpstreamResponse response, ClientDeadlines.Conn client, String requestId) {
    ResponseHead head = response.head();
    UpstreamConnection upstream = response.connection();
    byte[] switching = switchingHead(head, upstream.endpoint().toString(), requestId);
    ConnectionContext ctx = client.context();
    DataWriter writer = ctx.dataWriter();
    try {
      writer.writeNow(BufferData.create(switching));
    } catch (RuntimeException e) {
      upstream.close();
      client.close();
      return new Tunnel.Result(0, 0, Tunnel.End.CLIENT_FAILED);
    }
    return tunnels.relay(new ClientSide(ctx.dataReader(), writer, client), upstreamSide(upstream));
  }

  /**
   * The 101 for the client: the upstream's status line and end-to-end fields (Sec-WebSocket-Accept
   * and the like), then {@code Connection: upgrade} and the upstream's {@code Upgrade}.
   */
  static byte[] switchingHead(ResponseHead head, String upstream, String requestId) {
    String protocol = null;
    List<String> connection = new java.util.ArrayList<>(2);
    for (int i = 0; i < head.names().size(); i++) {
      String lower = head.names().get(i).lowerCase();
      if (lower.equals("upgrade")) {
        protocol = protocol == null ? head.values().get(i) : protocol + ", " + head.values().get(i);
      } else if (lower.equals("connection")) {
        connection.add(head.values().get(i));
      }
    }
    if (protocol == null || protocol.isBlank()) {
      // RFC 9110 section 15.2.2: a 101 names the protocol switched to; without it the bytes that
      // follow cannot be told apart from an answer gone wrong.
      throw new UpstreamException(
          ErrorClass.PROTOCOL, upstream, "101 Switching Protocols without an Upgrade field");
    }
    Set<String> tokens = HopByHop.connectionTokens(connection);
    RequestHead out = new RequestHead(); // the same byte builder: ISO-8859-1 fields, CRLF lines
    out.append("HTTP/1.1 101 ")
        .append(head.reason().isEmpty() ? "Switching Protocols" : head.reason())
        .crlf();
    for (int i = 0; i < head.names().size(); i++) {
      String name = head.names().get(i).defaultCase();
      String lower = head.names().get(i).lowerCase();
      if (!HopByHop.isHopByHop(lower, tokens)
          && !lower.equals("content-length")
          && !lower.equals("x-request-id")) {
        out.field(name, head.values().get(i));
      }
    }
    out.field("Connection", "upgrade").field("Upgrade", protocol);
    out.field("X-Request-Id", requestId);
    return out.crlf().bytes();
  }

  private static Tunnel.Side upstreamSide(UpstreamConnection c) {
    return new Tunnel.Side() {
      @Override
      public int read(byte[] b, int off, int len) {
        return c.read(b, off, len); // bytes the upstream sent right after its 101 come first
      }

      @Override
      public void write(byte[] b, int off, int len) {
        c.write(b, off, len);
      }

      @Override
      public void shutdownOutput() {
        c.shutdownOutput();
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  /**
   * The client's side, through Helidon's reader and writer of the connection (so bytes already read
   * past the request head are not lost, and a TLS listener works the same), half-closed and closed
   * on its socket.
   */
  private static final class ClientSide implements Tunnel.Side {
    private final DataReader reader;
    private final DataWriter writer;
    private final ClientDeadlines.Conn connection;
    private BufferData pending;

    ClientSide(DataReader reader, DataWriter writer, ClientDeadlines.Conn connection) {
      this.reader = reader;
      this.writer = writer;
      this.connection = connection;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pending == null || pending.available() == 0) {
        try {
          pending = reader.readBuffer();
        } catch (DataReader.InsufficientDataAvailableException e) {
          return -1; // the client closed its side
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
      return pending.read(b, off, Math.min(len, pending.available()));
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writer.writeNow(BufferData.create(b, off, len));
    }

    @Override
    public void shutdownOutput() {
      connection.shutdownOutput();
    }

    @Override
    public void close() {
      connection.close();
    }
  }
}
