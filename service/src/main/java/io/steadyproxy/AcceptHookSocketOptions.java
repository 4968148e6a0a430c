package io.steadyproxy;

import io.helidon.common.socket.SocketOptions;
import java.net.Socket;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The listener's socket options with a hook on every accepted socket. Helidon 4.5.0's {@code
 * ServerListener} calls {@code configureSocket(SocketChannel)} on its listener thread right after
 * accepting, before it creates the connection's handler, buffers and virtual thread; if the call
 * throws, it closes the socket and returns its {@code max_client_connections} permit. It is the one
 * public place to act on a connection from its first moment: connection admission refuses there,
 * and the client deadlines start watching there.
 */
final class AcceptHookSocketOptions implements SocketOptions {
  private final SocketOptions base;
  private final Consumer<SocketChannel> hook;

  /**
   * @param base the options every accepted socket gets
   * @param hook runs first for each accepted socket; throws to refuse it
   */
  AcceptHookSocketOptions(SocketOptions base, Consumer<SocketChannel> hook) {
    this.base = base;
    this.hook = hook;
  }

  @Override
  public void configureSocket(SocketChannel socket) {
    hook.accept(socket);
    base.configureSocket(socket);
  }

  @Override
  public void configureSocket(Socket socket) {
    base.configureSocket(socket);
  }

  @Override
  public Map<SocketOption<?>, Object> socketOptions() {
    return base.socketOptions();
  }

  @Override
  public Duration connectTimeout() {
    return base.connectTimeout();
  }

  @Override
  public Duration readTimeout() {
    return base.readTimeout();
  }

  @Override
  public Optional<Integer> socketReceiveBufferSize() {
    return base.socketReceiveBufferSize();
  }

  @Override
  public Optional<Integer> socketSendBufferSize() {
    return base.socketSendBufferSize();
  }

  @Override
  public boolean socketReuseAddress() {
    return base.socketReuseAddress();
  }

  @Override
  public boolean socketKeepAlive() {
    return base.socketKeepAlive();
  }

  @Override
  public boolean tcpNoDelay() {
    return base.tcpNoDelay();
  }
}
