package io.steadyproxy.upgrade;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The byte pipe of one upgraded connection (a WebSocket, or any protocol a 101 switched to): what
 * the client sends goes to the upstream and back, each direction on its own virtual thread, until
 * both sides have closed. Like Netty's HexDumpProxy on blocking streams: a direction reads the next
 * piece only after the previous one was written, so neither side can make the proxy buffer more
 * than one piece per direction.
 *
 * <p>A side that ends its stream cleanly half-closes the other side's output (the other direction
 * keeps flowing, as nginx does for upgraded connections); a side that fails closes both. {@link
 * Tunnels}' sweeper closes a tunnel that moved no byte for the idle timeout, or whose write has
 * made no progress that long.
 */
public final class Tunnel {
  /** Bytes read per piece: a WebSocket frame of a chat or a ticker fits whole. */
  static final int BUFFER = 16 * 1024;

  /** Why a tunnel ended. */
  public enum End {
    /** Both sides closed their streams. */
    CLOSED,
    /** The client's connection failed (reset, or gone without closing). */
    CLIENT_FAILED,
    /** The upstream's connection failed. */
    UPSTREAM_FAILED,
    /** No byte moved for the idle timeout, or a write made no progress that long. */
    IDLE_TIMEOUT,
    /** The proxy stopped and the grace period had passed. */
    SHUTDOWN
  }

  /** One side of the tunnel: blocking reads and writes, and the closes. */
  public interface Side {
    /** Reads up to {@code len} bytes; -1 at the end of the stream. */
    int read(byte[] b, int off, int len) throws IOException;

    /** Writes all the bytes. */
    void write(byte[] b, int off, int len) throws IOException;

    /** Half-closes: no more bytes go to this side (best effort). */
    void shutdownOutput();

    /** Closes the connection; safe from any thread, any number of times. */
    void close();
  }

  /**
   * What a finished tunnel moved.
   *
   * @param clientToUpstream bytes from the client to the upstream
   * @param upstreamToClient bytes from the upstream to the client
   * @param end why it ended
   */
  public record Result(long clientToUpstream, long upstreamToClient, End end) {}

  private final Side client;
  private final Side upstream;
  private final AtomicReference<End> end = new AtomicReference<>();
  private volatile long lastMoved = System.nanoTime();
  private final Pump up = new Pump();
  private final Pump down = new Pump();

  Tunnel(Side client, Side upstream) {
    this.client = client;
    this.upstream = upstream;
  }

  /**
   * Relays until both directions ended; runs the client-to-upstream direction on the calling
   * thread, the other on a new virtual thread, and closes both sides before it returns.
   */
  Result run() {
    Thread downstream =
        Thread.ofVirtual().name("tunnel-down").start(() -> pump(upstream, client, down, false));
    pump(client, upstream, up, true);
    try {
      downstream.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(End.SHUTDOWN);
      joinQuietly(downstream);
    }
    client.close();
    upstream.close();
    End why = end.get();
    return new Result(up.bytes, down.bytes, why == null ? End.CLOSED : why);
  }

  private void pump(Side from, Side to, Pump p, boolean fromClient) {
    byte[] buf = new byte[BUFFER];
    int n;
    while (true) {
      try {
        n = from.read(buf, 0, buf.length);
      } catch (IOException | RuntimeException e) {
        close(failure(fromClient));
        return;
      }
      if (n < 0) {
        // a clean end of this direction: pass the half-close on, the other direction goes on
        to.shutdownOutput();
        return;
      }
      lastMoved = System.nanoTime();
      p.writingSince = lastMoved;
      try {
        to.write(buf, 0, n);
      } catch (IOException | RuntimeException e) {
        close(failure(!fromClient));
        return;
      } finally {
        p.writingSince = 0;
      }
      p.bytes += n;
      lastMoved = System.nanoTime();
    }
  }

  /**
   * Why a read or write of one side failed: Helidon interrupts the connection's thread when the
   * shutdown grace period is over (a blocked socket read then fails), which is the shutdown, not
   * the client's doing.
   */
  private static End failure(boolean clientSide) {
    if (Thread.currentThread().isInterrupted()) {
      return End.SHUTDOWN;
    }
    return clientSide ? End.CLIENT_FAILED : End.UPSTREAM_FAILED;
  }

  /**
   * Called by the sweeper: closes the tunnel when nothing moved for {@code idleNanos}, or a write
   * has been stuck that long (a side that takes no bytes while the other keeps sending).
   *
   * @return whether it closed the tunnel
   */
  boolean closeIfIdle(long now, long idleNanos) {
    if (idleNanos <= 0 || end.get() != null) {
      return false;
    }
    if (now - lastMoved > idleNanos
        || stuck(up.writingSince, now, idleNanos)
        || stuck(down.writingSince, now, idleNanos)) {
      close(End.IDLE_TIMEOUT);
      return true;
    }
    return false;
  }

  private static boolean stuck(long since, long now, long idleNanos) {
    return since != 0 && now - since > idleNanos;
  }

  /** Closes both sides, recording why unless an earlier reason holds; wakes both pumps. */
  void close(End why) {
    end.compareAndSet(null, why);
    client.close();
    upstream.close();
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One direction's counters, written by its pump and read by the sweeper. */
  private static final class Pump {
    private volatile long bytes;
    private volatile long writingSince;
  }
}
