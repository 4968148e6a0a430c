package io.steadyproxy.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.logging.LogFormat;
import io.steadyproxy.observe.LogFormatter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a proxy reports about itself during a test: its request-log lines, its metrics and the JVM's
 * platform threads, so fault tests can assert the logs, the counters and a return to baseline, not
 * only what the client saw.
 */
public final class Observed implements AutoCloseable {
  private final Logger access = Logger.getLogger("steadyproxy.access");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final LogFormatter text = LogFormatter.of(LogFormat.TEXT);
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          // the line as the text log writes it: the access values come as fields, not a message
          lines.add(text.format(record));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final Set<Long> platformThreadsAtStart;
  private final Set<Long> virtualThreadsAtStart;

  private Observed() {
    access.addHandler(capture);
    platformThreadsAtStart =
        requestScopedThreads().stream().map(Thread::threadId).collect(Collectors.toSet());
    virtualThreadsAtStart =
        virtualThreads().stream().map(VirtualThread::tid).collect(Collectors.toSet());
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
   * Threads the proxy (or Helidon under it) started since the start and that are still alive: new
   * platform threads, and new virtual threads running proxy or Helidon code (an upload or linger
   * thread, a connection handler). The test's own threads (clients, raw upstreams) are left out.
   * Threads that are ending (a connection handler whose client just closed) get up to 5 s to end;
   * the list is what is left then, each entry a thread's name and top proxy frame, for the message.
   * Threads the JVM manages for itself are left out: the virtual-thread scheduler's carriers (it
   * adds some under load), JIT compiler threads, and Helidon's one Date-header timer.
   */
  public List<String> newThreads() throws InterruptedException {
    List<String> found = newThreadsNow();
    for (int i = 0; i < 100 && !found.isEmpty(); i++) {
      Thread.sleep(50); // polling for threads to end, bounded at 5 s
      found = newThreadsNow();
    }
    return found;
  }

  /** How many threads {@link #newThreads()} reports. */
  public int threadGrowth() throws InterruptedException {
    return newThreads().size();
  }

  /**
   * Kept for tests written before virtual threads were counted: the same as {@link
   * #threadGrowth()}, which counts virtual threads too.
   */
  @Deprecated
  public int platformThreadGrowth() throws InterruptedException {
    return threadGrowth();
  }

  private List<String> newThreadsNow() {
    List<String> found = new ArrayList<>();
    for (Thread t : requestScopedThreads()) {
      if (!platformThreadsAtStart.contains(t.threadId())) {
        found.add("platform " + t.getName());
      }
    }
    for (VirtualThread v : virtualThreads()) {
      if (!virtualThreadsAtStart.contains(v.tid()) && v.isProxys()) {
        found.add("virtual '" + v.name() + "' at " + v.topProxyFrame());
      }
    }
    return found;
  }

  private static List<Thread> requestScopedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.isVirtual() && t.isAlive())
        .filter(
            t ->
                !t.getName().startsWith("ForkJoinPool")
                    && !t.getName().contains("CompilerThread")
                    // one per JVM, started on first use: Helidon's DateTimeHelper refreshes the
                    // cached Date header value on it
                    && !t.getName().equals("helidon-http-timer"))
        .toList();
  }

  /** One virtual thread from a thread dump. */
  private record VirtualThread(long tid, String name, List<String> frames) {
    private static final Pattern TEST_CLASS =
        Pattern.compile("io\\.steadyproxy\\.[\\w.]*Test[.$].*");

    /** Runs proxy or Helidon code and is not one of the test's own threads. */
    boolean isProxys() {
      boolean proxy = false;
      for (String f : frames) {
        if (f.startsWith("io.steadyproxy.testing.") || TEST_CLASS.matcher(f).matches()) {
          return false;
        }
        proxy |= f.startsWith("io.helidon.") || f.startsWith("io.steadyproxy.");
      }
      return proxy;
    }

    String topProxyFrame() {
      return frames.stream()
          .filter(f -> f.startsWith("io.steadyproxy.") || f.startsWith("io.helidon."))
          .findFirst()
          .orElse("?");
    }
  }

  /**
   * Virtual threads are not in {@link Thread#getAllStackTraces()}; the JDK's thread dump
   * (HotSpotDiagnosticMXBean, the one {@code jcmd Thread.dump_to_file} writes) lists them, also
   * those started with {@code Thread.ofVirtual().start()} outside any executor.
   */
  private static List<VirtualThread> virtualThreads() {
    String json;
    try {
      Path dir = Files.createTempDirectory("threads");
      Path file = dir.resolve("dump.json");
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      json = Files.readString(file);
      Files.delete(file);
      Files.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<VirtualThread> threads = new ArrayList<>();
    String[] parts = json.split("\"tid\": \"");
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      int stack = part.indexOf("\"stack\"");
      String head = stack < 0 ? part : part.substring(0, stack);
      if (!head.contains("\"virtual\": true")) {
        continue;
      }
      long tid = Long.parseLong(part.substring(0, part.indexOf('"')));
      Matcher name = NAME.matcher(head);
      List<String> frames = new ArrayList<>();
      if (stack >= 0) {
        int open = part.indexOf('[', stack);
        int close = part.indexOf(']', open);
        Matcher frame = FRAME.matcher(part.substring(open + 1, close));
        while (frame.find()) {
          String f = frame.group(1).replace("\\/", "/");
          frames.add(f.substring(f.indexOf('/') + 1)); // drop the "module/" prefix
        }
      }
      threads.add(new VirtualThread(tid, name.find() ? name.group(1) : "", frames));
    }
    return threads;
  }

  private static final Pattern NAME = Pattern.compile("\"name\": \"([^\"]*)\"");
  private static final Pattern FRAME = Pattern.compile("\"([^\"]*)\"");

  @Override
  public void close() {
    access.removeHandler(capture);
  }
}
