package io.steadyproxy.testing;

import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.MemorySample;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory reader that returns whatever RSS and heap use the test sets, in MB (heap max 100 MB).
 */
public final class FakeMemory implements MemoryReader {
  private static final long MB = 1024 * 1024;
  private final AtomicLong rssMb = new AtomicLong(100);
  private final AtomicLong heapUsedMb = new AtomicLong(50);

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
