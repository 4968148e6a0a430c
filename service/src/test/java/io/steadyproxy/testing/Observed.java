package io.steadyproxy.testing;

import io.steadyproxy.SteadyProxy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a proxy reports about itself during a test: its request-log lines, its metrics and the JVM's
 * platform threads, so fault tests can assert the logs, the counters and a return to baseline, not
 * only what the client saw.
 */
public final class Observed implements AutoCloseable {
  private final Logger access = Logger.getLogger("steadyproxy.access");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          lines.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final int platformThreadsAtStart;

  private Observed() {
    access.addHandler(capture);
    platformThreadsAtStart = ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** Starts capturing; take it after the proxy under test has started. */
  public static Observed start() {
    return new Observed();
  }

  /** Request-log lines written since the start. */
  public List<String> accessLines() {
    return List.copyOf(lines);
  }

  /** The proxy's metrics, parsed. */
  public static PrometheusText metrics(SteadyProxy proxy) throws IOException {
    return PrometheusText.parse(
        RawHttp.exchange(proxy.adminPort(), "GET /observe/metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .text());
  }

  /** Platform threads now, minus those at the start (virtual threads are not counted). */
  public int platformThreadGrowth() {
    return ManagementFactory.getThreadMXBean().getThreadCount() - platformThreadsAtStart;
  }

  @Override
  public void close() {
    access.removeHandler(capture);
  }
}
