package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bodies stream both ways without being held whole, and events arrive as they are sent. */
class StreamingTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long SAMPLE_EVERY = 128L * 1024 * 1024;
  private static final long MAX_HEAP_GROWTH = 32L * 1024 * 1024;

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Sends {@code "<method> <path>"} with a body of {@code size} bytes on its own thread, as a
   * client that does not wait for the answer does; {@code sent} is set once all of it went out.
   */
  private static Thread upload(OutputStream out, String request, long size, AtomicBoolean sent) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                out.write(
                    (request + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] block = new byte[64 * 1024];
                for (long n = 0; n < size; n += block.length) {
                  out.write(block);
                }
                out.flush();
                sent.set(true);
              } catch (IOException e) {
                // the caller's assertions report (sent stays false)
              }
            });
  }

  @Test
  void gibibyteDownloadStreamsWithAFlatHeap() throws Exception {
    byte[] block = new byte[64 * 1024];
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + GIB + "\r\n\r\n");
                  OutputStream out = conn.out();
                  for (long left = GIB; left > 0; left -= block.length) {
                    out.write(block, 0, (int) Math.min(block.length, left));
                  }
                  out.flush();
                  conn.readHead();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(60_000);
      client
          .getOutputStream()
          .write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.contentLength(), is(GIB));
      long baseline = heapAfterGc();
      long maxGrowth = 0;
      long total = 0;
      long nextSample = SAMPLE_EVERY;
      byte[] buf = new byte[64 * 1024];
      int n;
      while (total < GIB && (n = in.read(buf)) > 0) {
        total += n;
        if (total >= nextSample) {
          maxGrowth = Math.max(maxGrowth, heapAfterGc() - baseline);
          nextSample += SAMPLE_EVERY;
        }
      }
      assertThat(total, is(GIB));
      assertThat("heap growth while streaming 1 GiB down", maxGrowth, lessThan(MAX_HEAP_GROWTH));
    }
  }

  @Test
  void gibibyteUploadStreamsWithAFlatHeap() throws Exception {
    AtomicLong received = new AtomicLong();
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head = conn.readHead();
                  received.set(RawHttp.drainBody(conn.in(), head));
                  String body = Long.toString(received.get());
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                  conn.readHead();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(60_000);
      OutputStream out = client.getOutputStream();
      out.write(
          ("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + GIB + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      long baseline = heapAfterGc();
      long maxGrowth = 0;
      byte[] block = new byte[64 * 1024];
      for (long sent = 0; sent < GIB; sent += block.length) {
        out.write(block);
        if ((sent + block.length) % SAMPLE_EVERY == 0) {
          maxGrowth = Math.max(maxGrowth, heapAfterGc() - baseline);
        }
      }
      out.flush();
      RawHttp.Response res = RawHttp.readResponse(client.getInputStream(), false);
      assertThat(res.status(), is(200));
      assertThat(res.text(), is(Long.toString(GIB)));
      assertThat(received.get(), is(GIB));
      assertThat("heap growth while streaming 1 GiB up", maxGrowth, lessThan(MAX_HEAP_GROWTH));
    }
  }

  @Test
  void anUpstreamThatEchoesWhileReadingDoesNotDeadlockALargeUpload() throws Exception {
    long size = 64L * 1024 * 1024;
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head = conn.readHead();
                  conn.write(
                      "HTTP/1.1 200 OK\r\nContent-Length: " + head.contentLength() + "\r\n\r\n");
                  // echo each piece as it arrives, as a streaming /echo does
                  RawHttp.copyBody(conn.in(), head, conn.out());
                  conn.out().flush();
                  conn.readHead();
                });
        SteadyProxy proxy =
            TestProxies.start("--upstream", upstream.url().toString(), "--write-timeout", "5");
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(60_000);
      OutputStream out = client.getOutputStream();
      Thread sender = upload(out, "PUT /echo", size, new AtomicBoolean());
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.status(), is(200));
      long echoed = RawHttp.drainBody(in, head);
      sender.join();
      assertThat(echoed, is(size));
    }
  }

  @Test
  void anUpstreamThatAnswersBeforeTakingTheUploadStillHasItsAnswerRead() throws Exception {
    long size = 16L * 1024 * 1024; // more than the socket buffers hold: the upload cannot finish
    CountDownLatch testDone = new CountDownLatch(1);
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  RawHttp.Head head;
                  while ((head = conn.readHead()) != null) {
                    if (head.target().equals("/upload")) {
                      // refuse at once, as an upstream's size or auth check does, then stop
                      // reading (without a reset, which could destroy the answer on its way)
                      conn.write(
                          "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n"
                              + "Connection: close\r\n\r\ntoo big!");
                      conn.socket().shutdownOutput();
                      testDone.await(60, TimeUnit.SECONDS);
                      return;
                    }
                    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                  }
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      OutputStream out = client.getOutputStream();
      AtomicBoolean sent = new AtomicBoolean();
      Thread sender =
          upload(out, "POST /upload", size, sent); // a failure to send is asserted below
      InputStream in = client.getInputStream();
      RawHttp.Response refused = RawHttp.readResponse(in, false);
      assertThat(refused.status(), is(413));
      assertThat(refused.text(), is("too big!"));
      sender.join();
      assertThat("the whole body was taken (and dropped), no reset", sent.get(), is(true));
      out.write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      RawHttp.Response next = RawHttp.readResponse(in, false);
      assertThat("the client's connection is still good", next.text(), is("ok"));
    } finally {
      testDone.countDown();
    }
  }

  @Test
  void serverSentEventsArriveOneByOne() throws Exception {
    String head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    assertTheFirstEventArrivesAlone(
        List.of(head, chunk("data: one\n\n")), List.of(chunk("data: two\n\n"), "0\r\n\r\n"));
  }

  // The size line of the next chunk may come with an event, its data later: the event must not wait
  // for it (the relay gathers only what can be read without waiting for the upstream). The same for
  // the last chunk's line without the empty line that ends the body.
  @Test
  void anEventIsNotHeldBackByTheNextChunksSizeLine() throws Exception {
    String head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    assertTheFirstEventArrivesAlone(
        List.of(head + chunk("data: one\n\n") + "b\r\n"),
        List.of("data: two\n\n\r\n0\r\n", "\r\n"));
  }

  /**
   * The upstream writes {@code before}, waits until the client has seen "data: one", then writes
   * {@code after} (which holds "data: two"): a proxy that holds the first event back fails.
   */
  private static void assertTheFirstEventArrivesAlone(List<String> before, List<String> after)
      throws Exception {
    CountDownLatch firstSeenByClient = new CountDownLatch(1);
    AtomicBoolean secondSentBeforeFirstSeen = new AtomicBoolean();
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  for (String piece : before) {
                    conn.write(piece);
                  }
                  if (!firstSeenByClient.await(20, TimeUnit.SECONDS)) {
                    secondSentBeforeFirstSeen.set(true);
                  }
                  for (String piece : after) {
                    conn.write(piece);
                  }
                  conn.readHead();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket client = new Socket("127.0.0.1", proxy.port())) {
      client.setSoTimeout(30_000);
      client
          .getOutputStream()
          .write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      RawHttp.Head head = RawHttp.readHead(in);
      assertThat(head.status(), is(200));
      assertThat(head.header("Content-Type"), is("text/event-stream"));
      StringBuilder seen = new StringBuilder();
      readUntil(in, seen, "data: one");
      firstSeenByClient.countDown();
      readUntil(in, seen, "data: two");
      assertThat(
          "the first event must reach the client before the upstream sends the rest",
          secondSentBeforeFirstSeen.get(),
          is(false));
    }
  }

  // A chunked answer whose chunks and end arrived together is relayed in one write (each write to
  // the client wakes it; nginx writes what one read took in). A body written whole is one that
  // Helidon sends with its Content-Length: that is how the test sees the single write.
  @Test
  void aChunkedAnswerThatArrivedWholeGoesToTheClientInOneWrite() throws Exception {
    try (RawUpstream upstream =
            RawUpstream.start(
                conn -> {
                  conn.readHead();
                  conn.write(
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + chunk("hello")
                          + chunk(" chunked")
                          + chunk(" world")
                          + "0\r\n\r\n");
                  conn.readHead();
                });
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET /whole HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(r.status(), is(200));
      assertThat(r.text(), is("hello chunked world"));
      assertThat(r.head().header("Content-Length"), is("19"));
    }
  }

  /** Reads the stream into {@code seen} until it holds {@code text}; fails if the stream ends. */
  private static void readUntil(InputStream in, StringBuilder seen, String text)
      throws IOException {
    while (!seen.toString().contains(text)) {
      int b = in.read();
      assertThat("stream ended before \"" + text + "\"", b >= 0, is(true));
      seen.append((char) b);
    }
  }

  private static String chunk(String data) {
    return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
  }
}
