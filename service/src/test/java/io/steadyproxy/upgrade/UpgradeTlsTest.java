package io.steadyproxy.upgrade;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.TestCerts;
import io.steadyproxy.testing.TestProxies;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgraded connection to an https upstream: the tunnel reads and writes the TLS socket from its
 * two threads at once, and a client's half-close reaches the upstream as the end of its stream.
 */
class UpgradeTlsTest {
  @TempDir Path dir;

  @Test
  void bytesFlowBothWaysThroughATlsUpstreamAndTheClientsHalfCloseArrives() throws Exception {
    // the same in-process CA as the listener's TLS tests (keytool took seconds a run)
    TestCerts ca = TestCerts.authority(dir, "upstream-ca");
    SSLContext tls = ca.presenting(ca.issue("localhost", false));
    Path pem = ca.caCert();

    try (SSLServerSocket server =
        (SSLServerSocket) tls.getServerSocketFactory().createServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread upstream =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (SSLSocket s = (SSLSocket) server.accept()) {
                      InputStream in = s.getInputStream();
                      OutputStream out = s.getOutputStream();
                      RawHttp.readHead(in);
                      out.write(
                          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\n"
                              .getBytes(StandardCharsets.ISO_8859_1));
                      out.flush();
                      byte[] buf = new byte[8192];
                      long total = 0;
                      int n;
                      while ((n = in.read(buf)) >= 0) { // echo until the client's end arrives
                        out.write(buf, 0, n);
                        out.flush();
                        total += n;
                      }
                      out.write(("end after " + total).getBytes(StandardCharsets.ISO_8859_1));
                      out.flush();
                    } catch (Exception ignored) {
                      // the test's assertions tell
                    }
                  });
      String url = "https://localhost:" + server.getLocalPort();
      try (SteadyProxy proxy =
              TestProxies.start("--upstream", url, "--upstream-ca-file", pem.toString());
          Socket client = new Socket("127.0.0.1", proxy.port())) {
        client.setSoTimeout(30_000);
        client
            .getOutputStream()
            .write(
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = client.getInputStream();
        assertThat(RawHttp.readHead(in).status(), is(101));
        byte[] block = new byte[100_000];
        for (int i = 0; i < block.length; i++) {
          block[i] = (byte) (i % 251);
        }
        client.getOutputStream().write(block);
        byte[] echoed = in.readNBytes(block.length);
        assertThat(java.util.Arrays.equals(echoed, block), is(true));
        client.shutdownOutput();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        in.transferTo(rest);
        // TLS 1.3 carries a half-close (close_notify one way); the upstream saw the end and
        // answered
        assertThat(rest.toString(StandardCharsets.ISO_8859_1), is("end after 100000"));
        eventually("the upgraded connection is counted out", () -> proxy.upgraded().active() == 0);
      }
      upstream.join(TimeUnit.SECONDS.toMillis(15));
    }
  }
}
