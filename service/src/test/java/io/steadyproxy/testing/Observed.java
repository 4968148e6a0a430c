package io.steadyproxy.testing;

import io.steadyproxy.SteadyProxy;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

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
  private final Set<Long> platformThreadsAtStart;

  private Observed() {
    access.addHandler(capture);
    platformThreadsAtStart =
        requestScopedThreads().stream().map(Thread::threadId).collect(Collectors.toSet());
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

  /**
   * Platform threads alive now that were not at the start. Threads the JVM manages for itself are
   * left out: the virtual-thread scheduler's carriers (it adds some under load) and JIT compiler
   * threads (their number is dynamic).
   */
  public int platformThreadGrowth() {
    return (int)
        requestScopedThreads().stream()
            .filter(t -> !platformThreadsAtStart.contains(t.threadId()))
            .count();
  }

  private static List<Thread> requestScopedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.isVirtual() && t.isAlive())
        .filter(
            t -> !t.getName().startsWith("ForkJoinPool") && !t.getName().contains("CompilerThread"))
        .toList();
  }

  @Override
  public void close() {
    access.removeHandler(capture);
  }
}
