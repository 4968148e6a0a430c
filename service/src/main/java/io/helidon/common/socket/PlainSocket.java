/*
 * Copyright (c) 2022, 2025 Oracle and/or its affiliates.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 *
 * Modified for SteadyProxy, 2026: get() reads into a buffer of its own instead of a fixed 8 KiB
 * buffer per socket, and a read that will probably wait (the previous one emptied the socket)
 * waits with a small one. Everything else is Helidon 4.5.0's class as released.
 */

package io.helidon.common.socket;

import io.helidon.common.buffers.BufferData;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * Helidon socket that is based on plaintext.
 *
 * <p><b>SteadyProxy's copy of Helidon 4.5.0's class</b>, found first on the class path (the
 * service's own classes come before its libraries in the jar's manifest, in the tests and in the
 * image), so it replaces the one in {@code helidon-common-socket-4.5.0.jar}. Why: the released
 * class allocates an 8 KiB {@code readBuffer} per socket and blocks in {@code read(readBuffer)}
 * while the connection waits for its next request, so every idle client connection holds 8 KiB of
 * heap, more than half of what it costs in all, and no option of Helidon 4.5.0 sizes it (the NIO
 * socket holds an 8 KiB read and an 8 KiB write buffer instead). Here:
 *
 * <ul>
 *   <li>a read after one that did not fill its buffer (the socket was emptied, so this one will
 *       probably wait for the client) uses a {@link #WAIT_LENGTH} buffer, grown up to {@link
 *       #MAX_WAIT_LENGTH} for a client whose request heads are longer: an idle connection holds
 *       that instead of 8 KiB;
 *   <li>a read after a full one (a body streaming in) uses a {@link #BUFFER_LENGTH} buffer, as
 *       before, and hands it over without a copy when it comes back full.
 * </ul>
 *
 * Only the reads in {@link #get()} changed. {@code HelidonPatchTest} fails when the Helidon version
 * on the class path is not the one this copy was made from, or when this copy is not the one
 * loaded.
 */
public sealed class PlainSocket implements HelidonSocket permits TlsSocket {
  /** The largest single read, as in Helidon's fixed buffer. */
  static final int BUFFER_LENGTH = 8 * 1024;

  /**
   * The first buffer of a read that probably waits: what an idle connection holds while parked in
   * it. nginx waits with no buffer at all and allocates 1 KiB ({@code client_header_buffer_size})
   * once bytes arrive; a blocking read cannot wait without one, so this one starts small: curl's
   * request head (about 80 bytes) and most API clients' fit.
   */
  static final int WAIT_LENGTH = 256;

  /**
   * The largest buffer a waiting read grows to: each time one comes back full (a longer head, such
   * as a browser's with cookies, 400-900 bytes), the next waiting read of this socket gets twice
   * the buffer, so such a client's heads soon arrive in one read again, as with Helidon's 8 KiB
   * buffer.
   */
  static final int MAX_WAIT_LENGTH = 1024;

  private final Socket delegate;
  private final String childSocketId;
  private final String socketId;
  private final IdleInputStream inputStream;
  private final OutputStream outputStream;

  // Whether the last read emptied the socket (did not fill its buffer). Reads of one socket never
  // overlap (its DataReader is read by one thread at a time); a stale value only picks the other
  // buffer size, never wrong data.
  private boolean drained = true;

  // The buffer size of this socket's next waiting read (WAIT_LENGTH .. MAX_WAIT_LENGTH).
  private int waitLength = WAIT_LENGTH;

  /**
   * Plain socket.
   *
   * @param delegate delegate socket
   * @param childSocketId channel id
   * @param socketId server channel id
   */
  protected PlainSocket(Socket delegate, String childSocketId, String socketId) {
    this.delegate = delegate;
    this.childSocketId = childSocketId;
    this.socketId = socketId;
    try {
      this.inputStream =
          new IdleInputStream(delegate, delegate.getInputStream(), childSocketId, socketId);
      this.outputStream = delegate.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Create a new server socket.
   *
   * @param delegate underlying socket
   * @param channelId channel id
   * @param serverChannelId server channel id
   * @return a new plain socket
   */
  public static PlainSocket server(Socket delegate, String channelId, String serverChannelId) {
    return new PlainSocket(delegate, channelId, serverChannelId);
  }

  /**
   * Create a new client socket.
   *
   * @param delegate underlying socket
   * @param channelId channel id
   * @return a new plain socket
   */
  public static PlainSocket client(Socket delegate, String channelId) {
    return new PlainSocket(delegate, channelId, "client");
  }

  @Override
  public PeerInfo remotePeer() {
    return PeerInfoImpl.createRemote(this);
  }

  @Override
  public PeerInfo localPeer() {
    return PeerInfoImpl.createLocal(this);
  }

  @Override
  public boolean isSecure() {
    return false;
  }

  @Override
  public String socketId() {
    return socketId;
  }

  @Override
  public String childSocketId() {
    return childSocketId;
  }

  @Override
  public void close() {
    try {
      delegate.shutdownOutput();
      // according to the contract of Socket.getInputStream(), this will also close the socket
      inputStream.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void idle() {
    inputStream.idle();
  }

  @Override
  public boolean isConnected() {
    return !inputStream.isClosed();
  }

  @Override
  public int read(BufferData buffer) {
    return buffer.readFrom(inputStream);
  }

  @Override
  public void write(BufferData buffer) {
    buffer.writeTo(outputStream);
  }

  @Override
  public byte[] get() {
    try {
      boolean waiting = drained;
      byte[] buffer = new byte[waiting ? waitLength : BUFFER_LENGTH];
      int r = inputStream.read(buffer);
      if (r == -1) {
        return null; // end of data
      } else if (r == 0) {
        throw new IllegalStateException(
            "Read 0 bytes, this should never happen with blocking socket");
      }
      drained = r < buffer.length;
      if (waiting && !drained && waitLength < MAX_WAIT_LENGTH) {
        waitLength *= 2;
      }
      return drained ? Arrays.copyOf(buffer, r) : buffer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  SocketAddress localSocketAddress() {
    return delegate.getLocalSocketAddress();
  }

  SocketAddress remoteSocketAddress() {
    return delegate.getRemoteSocketAddress();
  }

  String localHost() {
    SocketAddress localSocketAddress = localSocketAddress();
    if (localSocketAddress instanceof InetSocketAddress inet) {
      return inet.getHostString();
    }
    throw new IllegalStateException("Local host is not an instance of InetSocketAddress");
  }

  String remoteHost() {
    SocketAddress remoteSocketAddress = delegate.getRemoteSocketAddress();
    if (remoteSocketAddress instanceof InetSocketAddress inet) {
      return inet.getHostString();
    }
    throw new IllegalStateException("Remote host is not an instance of InetSocketAddress");
  }

  int localPort() {
    SocketAddress localSocketAddress = localSocketAddress();
    if (localSocketAddress instanceof InetSocketAddress inet) {
      return inet.getPort();
    }
    throw new IllegalStateException("Local host is not an instance of InetSocketAddress");
  }

  int remotePort() {
    SocketAddress remoteSocketAddress = delegate.getRemoteSocketAddress();
    if (remoteSocketAddress instanceof InetSocketAddress inet) {
      return inet.getPort();
    }
    throw new IllegalStateException("Remote host is not an instance of InetSocketAddress");
  }
}
