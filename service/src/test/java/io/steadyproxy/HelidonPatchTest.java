package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.helidon.common.socket.PlainSocket;
import io.steadyproxy.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The service carries a patched copy of Helidon 4.5.0's {@code PlainSocket} (see its Javadoc): an
 * idle connection waits for its next request with a 256-byte buffer (up to 1 KiB for a client with
 * longer request heads) instead of the released class's fixed 8 KiB one. These tests pin what the
 * patch relies on (it is the class loaded, and Helidon is still the version it was made from) and
 * what it must keep (every byte, in order; full 8 KiB reads while a body streams in).
 */
class HelidonPatchTest {
  private static final String CLASS_FILE = "io/helidon/common/socket/PlainSocket.class";

  @Test
  void thePatchedPlainSocketIsTheOneLoaded() {
    assertThat(
        "the service's classes must come before helidon-common-socket on the class path",
        PlainSocket.class.getProtectionDomain().getCodeSource().getLocation(),
        is(SteadyProxy.class.getProtectionDomain().getCodeSource().getLocation()));
  }

  @Test
  void thePatchWasMadeForTheHelidonOnTheClassPath() throws IOException {
    List<URL> copies = Collections.list(getClass().getClassLoader().getResources(CLASS_FILE));
    String helidon = null;
    for (URL copy : copies) {
      String url = copy.toString();
      if (url.startsWith("jar:") && url.contains("helidon-common-socket")) {
        Properties pom = new Properties();
        String jar = url.substring(0, url.indexOf("!/") + 2);
        try (InputStream in =
            java.net
                .URI
                .create(
                    jar + "META-INF/maven/io.helidon.common/helidon-common-socket/pom.properties")
                .toURL()
                .openStream()) {
          pom.load(in);
        }
        helidon = pom.getProperty("version");
      }
    }
    assertThat(
        "Helidon's own PlainSocket is on the class path: " + copies, helidon, notNullValue());
    assertThat(
        "service/src/main/java/io/helidon/common/socket/PlainSocket.java is a patched copy of"
            + " Helidon 4.5.0's class: make the same change to the new version's class (or drop the"
            + " copy if Helidon no longer holds a fixed read buffer per socket), then update this"
            + " test",
        helidon,
        is("4.5.0"));
  }

  @Test
  void aReadThatWaitsUsesASmallBufferAndAStreamingBodyFullOnes() throws Exception {
    try (Pair pair = new Pair()) {
      pair.send(100);
      assertThat("what arrived, in one read", pair.socket.get().length, is(100));

      // the socket was emptied, so the next read probably waits for the client: a small buffer
      pair.send(20_000);
      assertThat(pair.socket.get().length, is(256));
      // it came back full, so more is waiting: full-size reads, as Helidon's own
      assertThat(pair.socket.get().length, is(8192));
      assertThat(pair.socket.get().length, is(8192));
      assertThat("the rest", pair.socket.get().length, is(20_000 - 256 - 2 * 8192));

      pair.send(100);
      assertThat("after a short read, a small buffer again", pair.socket.get().length, is(100));
    }
  }

  @Test
  void aClientWithLongerHeadsGetsAWaitingBufferOfUpTo1KiB() throws Exception {
    try (Pair pair = new Pair()) {
      // a 700-byte head: each waiting read that comes back full doubles the next one
      pair.send(700);
      assertThat(pair.socket.get().length, is(256));
      assertThat(pair.socket.get().length, is(700 - 256));
      pair.send(700);
      assertThat(pair.socket.get().length, is(512));
      assertThat(pair.socket.get().length, is(700 - 512));
      pair.send(700);
      assertThat("in one read again", pair.socket.get().length, is(700));
      // never more than 1 KiB while waiting
      pair.send(3000);
      assertThat(pair.socket.get().length, is(1024));
      assertThat(pair.socket.get().length, is(3000 - 1024));
      pair.send(3000);
      assertThat(pair.socket.get().length, is(1024));
    }
  }

  @Test
  void everyByteArrivesInOrderWhateverTheWriteSizes() throws Exception {
    Random random = new Random(16);
    byte[] sent = new byte[300_000];
    random.nextBytes(sent);
    try (Pair pair = new Pair()) {
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int at = 0; at < sent.length; ) {
                        int n = Math.min(sent.length - at, 1 + random.nextInt(20_000));
                        pair.out.write(sent, at, n);
                        pair.out.flush();
                        at += n;
                      }
                      pair.client.shutdownOutput();
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  });
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] chunk;
      while ((chunk = pair.socket.get()) != null) {
        received.write(chunk);
      }
      writer.join();
      assertThat(received.toByteArray(), is(sent));
      assertThat("end of stream stays the end", pair.socket.get(), nullValue());
    }
  }

  /** A loopback connection with the patched socket on its accepted end. */
  private static final class Pair implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    final Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    final Socket accepted = server.accept();
    final OutputStream out = client.getOutputStream();
    final PlainSocket socket = PlainSocket.server(accepted, "test", "test");
    private final List<Socket> sockets = new ArrayList<>(List.of(client, accepted));

    Pair() throws IOException {}

    /** Sends n bytes and waits until all of them can be read on the accepted end. */
    void send(int n) throws IOException, InterruptedException {
      out.write(new byte[n]);
      out.flush();
      InputStream in = accepted.getInputStream();
      Eventually.eventually(
          n + " bytes arrived",
          () -> {
            try {
              return in.available() >= n;
            } catch (IOException e) {
              return false;
            }
          });
    }

    @Override
    public void close() throws IOException {
      for (Socket s : sockets) {
        s.close();
      }
      server.close();
    }
  }
}
