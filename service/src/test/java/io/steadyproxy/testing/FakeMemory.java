package io.steadyproxy.testing;

import io.steadyproxy.observe.GcFeed;
import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.MemorySample;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory reader that returns whatever RSS and heap use the test sets, in MB (heap max 100 MB).
 * Its collections are fake too: nothing is notified until the test calls {@link #collected()}, and
 * a requested collection ({@link #collect()}) is counted and notified like a real one.
 */
public final class FakeMemory implements MemoryReader {
  private static final long MB = 1024 * 1024;
  private final AtomicLong rssMb = new AtomicLong(100);
  private final AtomicLong heapUsedMb = new AtomicLong(50);
  private final AtomicInteger collections = new AtomicInteger();
  private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();

  /** Notifies subscribers that a collection ended, as the JVM's notification thread does. */
  public void collected() {
    subscribers.forEach(Runnable::run);
  }

  /** How many collections the code under test asked for. */
  public int collectionsRequested() {
    return collections.get();
  }

  @Override
  public GcFeed gcFeed() {
    return new GcFeed() {
      private Runnable subscribed;

      @Override
      public void subscribe(Runnable afterGc) {
        subscribed = afterGc;
        subscribers.add(afterGc);
      }

      @Override
      public void close() {
        subscribers.remove(subscribed);
      }
    };
  }

  @Override
  public void collect() {
    collections.incrementAndGet();
    collected();
  }

  /** Sets the RSS the next readings report. */
  public void rssMb(long mb) {
    rssMb.set(mb);
  }

  /** Sets the heap in use the next readings report; the heap's limit is 100 MB, so this is %. */
  public void heapUsedMb(long mb) {
    heapUsedMb.set(mb);
  }

  @Override
  public MemorySample read() {
    return new MemorySample(rssMb.get() * MB, heapUsedMb.get() * MB, 100 * MB, 100 * MB);
  }
}
