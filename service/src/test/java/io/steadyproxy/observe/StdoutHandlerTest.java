package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.steadyproxy.logging.LogFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Lines reach stdout whole, in order, and in few large writes (one per batch the writer flushes).
 */
class StdoutHandlerTest {
  /** Counts the write calls it gets, as each would be a write system call on fd 1. */
  private static final class CountingStream extends ByteArrayOutputStream {
    int writes;

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      writes++;
      super.write(b, off, len);
    }

    @Override
    public synchronized void write(int b) {
      writes++;
      super.write(b);
    }
  }

  @Test
  void aBatchOfLinesIsOneWriteWhenFlushed() {
    CountingStream stdout = new CountingStream();
    StdoutHandler handler = new StdoutHandler(stdout, LogFormatter.of(LogFormat.TEXT));
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 200; i++) { // about 200 access lines: 20 ms of a busy proxy
      LogRecord r = new LogRecord(Level.INFO, "line " + i + " é");
      r.setLoggerName("steadyproxy.test");
      handler.publish(r);
      expected.append(LogFormatter.of(LogFormat.TEXT).format(r));
    }
    assertThat("nothing written before the batch is flushed", stdout.writes, is(0));
    handler.flush();
    assertThat(stdout.toString(StandardCharsets.UTF_8), is(expected.toString()));
    assertThat(stdout.writes, lessThanOrEqualTo(1));
    handler.close();
  }
}
