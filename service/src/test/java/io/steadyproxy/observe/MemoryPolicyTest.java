package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadyproxy.proxy.PoolStats;
import io.steadyproxy.testing.FakeMemory;
import java.time.InstantSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** The thresholds at their boundaries: just below, at and just above each. */
class MemoryPolicyTest {
  private static final long MB = 1024 * 1024;
  private final MemoryPolicy policy = new MemoryPolicy(400, 500, 90);

  /** A reading of {@code rssMb} RSS with {@code heapPercent} of a 1000 MB heap in use. */
  private static MemorySample at(double rssMb, double heapPercent) {
    return new MemorySample(
        Math.round(rssMb * MB), Math.round(heapPercent * 10 * MB), 1000 * MB, 1000 * MB);
  }

  /** A reading with the heap at 50 %. */
  private static MemorySample rss(double rssMb) {
    return at(rssMb, 50);
  }

  @Test
  void actionsAtEachRssBoundary() {
    assertThat(policy.actionFor(rss(399.9)), is(MemoryPolicy.Action.NONE));
    assertThat(policy.actionFor(rss(400.0)), is(MemoryPolicy.Action.NONE));
    assertThat(policy.actionFor(rss(400.1)), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(rss(499.9)), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(rss(500.0)), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(rss(500.1)), is(MemoryPolicy.Action.FULL));
  }

  @Test
  void aFullHeapAsksForAFullCleanupWhateverTheRss() {
    assertThat(policy.actionFor(at(100, 90.0)), is(MemoryPolicy.Action.NONE));
    assertThat(policy.actionFor(at(100, 90.1)), is(MemoryPolicy.Action.FULL));
    assertThat(policy.actionFor(at(450, 90.1)), is(MemoryPolicy.Action.FULL));
    assertThat(
        "100 turns the heap check off",
        new MemoryPolicy(400, 500, 100).actionFor(at(100, 100)),
        is(MemoryPolicy.Action.NONE));
  }

  @Test
  void rssSheddingHasHysteresis() {
    assertThat(policy.shedAfter(rss(500.0), false, false), is(false));
    assertThat(policy.shedAfter(rss(500.1), false, false), is(true));
    assertThat(policy.shedAfter(rss(450), true, false), is(true));
    assertThat(policy.shedAfter(rss(400.0), true, false), is(true));
    assertThat(policy.shedAfter(rss(399.9), true, false), is(false));
    assertThat(policy.shedAfter(rss(450), false, false), is(false));
    // nothing in flight: what is left is the process's own footprint; shedding cannot lower it
    assertThat(policy.shedAfter(rss(450), true, true), is(false));
    assertThat(policy.shedAfter(rss(500.1), true, true), is(true));
  }

  @Test
  void heapSheddingHasHysteresisOfTenPoints() {
    assertThat(policy.shedAfter(at(100, 90.0), false, false), is(false));
    assertThat(policy.shedAfter(at(100, 90.1), false, false), is(true));
    assertThat(policy.shedAfter(at(100, 85), true, false), is(true));
    assertThat(policy.shedAfter(at(100, 80.0), true, false), is(true));
    assertThat(policy.shedAfter(at(100, 79.9), true, false), is(false));
    assertThat(policy.shedAfter(at(100, 85), false, false), is(false));
    assertThat("idle, below the maximum", policy.shedAfter(at(100, 85), true, true), is(false));
    assertThat("either measure keeps it on", policy.shedAfter(at(450, 50), true, false), is(true));
  }

  @Test
  void thresholdsOutOfOrderAreRefused() {
    Assertions.assertThrows(IllegalArgumentException.class, () -> new MemoryPolicy(500, 500, 90));
    Assertions.assertThrows(IllegalArgumentException.class, () -> new MemoryPolicy(400, 500, 10));
    Assertions.assertThrows(IllegalArgumentException.class, () -> new MemoryPolicy(400, 500, 101));
  }

  @Test
  void theMonitorRunsTheRightCleanupAndCountsIt() {
    FakeMemory memory = new FakeMemory();
    int[] closed = new int[2]; // [light, full]
    int[] gcs = new int[1];
    MemoryMonitor.Cleaners cleaners =
        new MemoryMonitor.Cleaners() {
          @Override
          public int closeIdle(boolean all) {
            closed[all ? 1 : 0]++;
            return 3;
          }

          @Override
          public void gc() {
            gcs[0]++;
          }
        };
    try (ProxyMetrics metrics =
            new ProxyMetrics(
                new SimpleMeterRegistry(), () -> new PoolStats(0, 0, 0, 0, 1), memory);
        MemoryMonitor monitor =
            new MemoryMonitor(
                memory, InstantSource.system(), cleaners, metrics, policy, () -> false)) {
      memory.rssMb(400);
      monitor.check();
      assertThat(closed[0] + closed[1], is(0));
      assertThat(monitor.lastCleanup().isPresent(), is(false));
      memory.rssMb(401);
      monitor.check();
      assertThat(closed[0], is(1));
      assertThat(monitor.lastCleanup().get().kind(), is("light"));
      assertThat(monitor.lastCleanup().get().connectionsClosed(), is(3));
      memory.rssMb(501);
      monitor.check();
      assertThat(closed[1], is(1));
      assertThat(monitor.lastCleanup().get().kind(), is("full"));
      assertThat(gcs[0], is(2));
      assertThat(monitor.shedding(), is(true));

      memory.rssMb(300);
      monitor.check();
      assertThat(monitor.shedding(), is(false));
      // RSS is fine, but the heap is nearly full: a full collection, and shedding if it stays full
      memory.heapUsedMb(95);
      monitor.check();
      assertThat(closed[1], is(2));
      assertThat(monitor.lastCleanup().get().kind(), is("full"));
      assertThat(monitor.shedding(), is(true));
      memory.heapUsedMb(82); // under the maximum, above its lower mark: still shedding
      monitor.check();
      assertThat(monitor.shedding(), is(true));
      memory.heapUsedMb(60);
      monitor.check();
      assertThat(monitor.shedding(), is(false));
    }
  }
}
