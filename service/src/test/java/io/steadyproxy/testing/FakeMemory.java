package io.steadyproxy.testing;

import io.steadyproxy.observe.MemoryReader;
import io.steadyproxy.observe.MemorySample;
import java.util.concurrent.atomic.AtomicLong;

/** A memory reader that returns whatever RSS the test sets, in MB. */
public final class FakeMemory implements MemoryReader {
  private static final long MB = 1024 * 1024;
  private final AtomicLong rssMb = new AtomicLong(100);

  /** Sets the RSS the next readings report. */
  public void rssMb(long mb) {
    rssMb.set(mb);
  }

  @Override
  public MemorySample read() {
    return new MemorySample(rssMb.get() * MB, 50 * MB, 64 * MB, 128 * MB);
  }
}
