package io.steadyproxy.observe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.testing.FakeMemory;
import org.junit.jupiter.api.Test;

/** The thresholds at their boundaries: just below, at and just above each. */
class MemoryPolicyTest {
  private final MemoryPolicy policy = new MemoryPolicy(400, 500);

  @Test
  void actionsAtEachBoundary() {
    assertThat(policy.actionFor(399.9), is(MemoryPolicy.Action.NONE));
    assertThat(policy.actionFor(400.0), is(MemoryPolicy.Action.NONE));
    assertThat(policy.actionFor(400.1), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(499.9), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(500.0), is(MemoryPolicy.Action.LIGHT));
    assertThat(policy.actionFor(500.1), is(MemoryPolicy.Action.FULL));
  }

  @Test
  void sheddingHasHysteresis() {
    assertThat(policy.shedAfter(500.0, false, false), is(false));
    assertThat(policy.shedAfter(500.1, false, false), is(true));
    assertThat(policy.shedAfter(450, true, false), is(true));
    assertThat(policy.shedAfter(400.0, true, false), is(true));
    assertThat(policy.shedAfter(399.9, true, false), is(false));
    assertThat(policy.shedAfter(450, false, false), is(false));
    // nothing in flight: what is left is the process's own footprint; shedding cannot lower it
    assertThat(policy.shedAfter(450, true, true), is(false));
    assertThat(policy.shedAfter(500.1, true, true), is(true));
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
                io.helidon.metrics.api.MeterRegistry.create(),
                () -> new io.steadyproxy.proxy.PoolStats(0, 0, 0, 0, 1),
                memory);
        MemoryMonitor monitor =
            new MemoryMonitor(
                memory, java.time.InstantSource.system(), cleaners, metrics, policy, () -> false)) {
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
    }
  }
}
