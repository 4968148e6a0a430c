package io.steadyproxy.http10;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;

/**
 * The connection as Helidon's HTTP/1.1 connection sees it when the client speaks HTTP/1.0: the same
 * socket, peers and listener, read and written through the translators.
 */
final class Http10Context implements ConnectionContext {
  private final ConnectionContext socket;
  private final DataReader reader;
  private final ResponseTranslator writer;
  private final RequestTranslator requests;

  Http10Context(ConnectionContext socket, int maxPrologue, int maxHeaders) {
    this.socket = socket;
    // requests are read on the connection's thread (or an upload thread), answers written on the
    // handler's: the queue between them is concurrent
    Queue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
    this.writer = new ResponseTranslator(socket.dataWriter(), exchanges);
    this.requests =
        new RequestTranslator(
            socket.dataReader(),
            exchanges,
            writer,
            authority(socket.localPeer()),
            maxPrologue,
            maxHeaders);
    writer.requests(requests);
    this.reader = DataReader.create(requests);
  }

  /** Whether the request read last on this connection said HTTP/1.0. */
  boolean currentIsHttp10() {
    return requests.currentIsHttp10();
  }

  private static String authority(PeerInfo local) {
    if (local.address() instanceof InetSocketAddress isa && isa.getAddress() != null) {
      String host = isa.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + isa.getPort();
    }
    return local.host() + ":" + local.port();
  }

  @Override
  public DataReader dataReader() {
    return reader;
  }

  @Override
  public DataWriter dataWriter() {
    return writer;
  }

  @Override
  public ListenerContext listenerContext() {
    return socket.listenerContext();
  }

  @Override
  public ExecutorService executor() {
    return socket.executor();
  }

  @Override
  public Router router() {
    return socket.router();
  }

  @Override
  public Optional<ProxyProtocolData> proxyProtocolData() {
    return socket.proxyProtocolData();
  }

  @Override
  public HelidonSocket serverSocket() {
    return socket.serverSocket();
  }

  @Override
  public PeerInfo remotePeer() {
    return socket.remotePeer();
  }

  @Override
  public PeerInfo localPeer() {
    return socket.localPeer();
  }

  @Override
  public boolean isSecure() {
    return socket.isSecure();
  }

  @Override
  public String socketId() {
    return socket.socketId();
  }

  @Override
  public String childSocketId() {
    return socket.childSocketId();
  }
}
