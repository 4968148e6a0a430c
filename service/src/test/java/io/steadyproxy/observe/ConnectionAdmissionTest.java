package io.steadyproxy.observe;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadyproxy.proxy.PoolStats;
import io.steadyproxy.testing.FakeMemory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Connection admission's state machine with fake readings: where it stops and resumes (the marks
 * and their hysteresis), what a connection arriving while it is stopped gets, and the sizing rule.
 * Envoy's overload manager is the model: {@code stop_accepting_connections} fires at a heap
 * threshold and releases below it; we add a gap between the two so one GC cannot flap it.
 */
class ConnectionAdmissionTest {
  private static final long MB = 1024 * 1024;
  private final MemoryPolicy policy = new MemoryPolicy(400, 500, 90);

  /** A reading of {@code rssMb} RSS with {@code heapPercent} of a 1000 MB heap in use. */
  private static MemorySample at(double rssMb, double heapPercent) {
    return new MemorySample(
        Math.round(rssMb * MB), Math.round(heapPercent * 10 * MB), 1000 * MB, 1000 * MB);
  }

  @Test
  void acceptingStopsJustAboveTheAdmissionMarkBelowTheSheddingOne() {
    assertThat(policy.stopAcceptingHeapPercent(), is(80));
    assertThat(policy.acceptAfter(at(100, 79.9), true), is(true));
    assertThat(policy.acceptAfter(at(100, 80.0), true), is(true));
    assertThat(policy.acceptAfter(at(100, 80.1), true), is(false));
    // RSS above the maximum stops it whatever the heap says
    assertThat(policy.acceptAfter(at(500.0, 10), true), is(true));
    assertThat(policy.acceptAfter(at(500.1, 10), true), is(false));
  }

  @Test
  void acceptingResumesOnlyUnderTheLowerMarks() {
    assertThat(policy.resumeAcceptingHeapPercent(), is(70));
    assertThat(
        "between the marks: still stopped", policy.acceptAfter(at(100, 75), false), is(false));
    assertThat(policy.acceptAfter(at(100, 70.0), false), is(false));
    assertThat(policy.acceptAfter(at(100, 69.9), false), is(true));
    // RSS must come down halfway from the maximum to the cleanup threshold (450 MB)
    assertThat(policy.acceptAfter(at(460, 10), false), is(false));
    assertThat(policy.acceptAfter(at(450.0, 10), false), is(false));
    assertThat(policy.acceptAfter(at(449.9, 10), false), is(true));
  }

  @Test
  void aLowMaxHeapPercentStillLeavesAWayBackAndAHundredTurnsTheHeapCheckOff() {
    MemoryPolicy low = new MemoryPolicy(400, 500, 20);
    assertThat(low.stopAcceptingHeapPercent(), is(10));
    assertThat(low.resumeAcceptingHeapPercent(), is(5));
    assertThat(low.acceptAfter(at(100, 4.9), false), is(true));
    MemoryPolicy off = new MemoryPolicy(400, 500, 100);
    assertThat(off.acceptAfter(at(100, 99.9), true), is(true));
    assertThat("RSS still counts", off.acceptAfter(at(501, 50), true), is(false));
  }

  private static ProxyMetrics metrics(FakeMemory memory) {
    return new ProxyMetrics(new SimpleMeterRegistry(), () -> new PoolStats(0, 0, 0, 0, 1), memory);
  }

  @Test
  void aCollectionNotificationStopsAndResumesAcceptingWithoutAnyCheckTick() {
    FakeMemory memory = new FakeMemory();
    try (ProxyMetrics metrics = metrics(memory);
        ConnectionAdmission admission =
            new ConnectionAdmission(
                memory, metrics, policy, Duration.ofMillis(50), Duration.ofHours(1))) {
      memory.heapUsedMb(85);
      assertThat("no collection yet: nothing has been read", admission.accepting(), is(true));
      memory.collected();
      assertThat(admission.accepting(), is(false));
      memory.heapUsedMb(75);
      memory.collected();
      assertThat(
          "hysteresis: between the marks it stays stopped", admission.accepting(), is(false));
      memory.heapUsedMb(65);
      memory.collected();
      assertThat(admission.accepting(), is(true));
      assertThat(admission.stats().stops(), is(1L));
    }
  }

  @Test
  void aConnectionThatArrivesWhileStoppedIsLetInOnceACollectionShowsRoom() throws Exception {
    FakeMemory memory = new FakeMemory();
    try (ProxyMetrics metrics = metrics(memory);
        ConnectionAdmission admission =
            new ConnectionAdmission(
                memory, metrics, policy, Duration.ofSeconds(30), Duration.ofHours(1))) {
      memory.heapUsedMb(95);
      memory.collected();
      // the listener's collection (at once) still shows a full heap: the connection must wait
      CompletableFuture<Boolean> admitted = CompletableFuture.supplyAsync(admission::admit);
      eventually("the listener asked for a collection", () -> memory.collectionsRequested() == 1);
      assertThat(admitted.isDone(), is(false));
      memory.heapUsedMb(60);
      memory.collected(); // e.g. the requests in flight finished and a young GC ran
      assertThat(admitted.get(10, TimeUnit.SECONDS), is(true));
      assertThat(admission.stats(), is(new ConnectionAdmission.Stats(true, 1, 0, 1)));
    }
  }

  @Test
  void theListenersOwnCollectionCanReopenTheDoor() {
    FakeMemory memory = new FakeMemory();
    try (ProxyMetrics metrics = metrics(memory);
        ConnectionAdmission admission =
            new ConnectionAdmission(
                memory, metrics, policy, Duration.ofSeconds(30), Duration.ofMillis(1))) {
      memory.heapUsedMb(95);
      memory.collected();
      // a young GC's reading counted dead old-generation data; the full collection finds room
      memory.heapUsedMb(60);
      assertThat(admission.admit(), is(true));
      assertThat(memory.collectionsRequested(), is(1));
    }
  }

  @Test
  void aConnectionIsRefusedAfterTheWaitAndTheNextOnesAtOnceUntilAcceptingResumes() {
    FakeMemory memory = new FakeMemory();
    try (ProxyMetrics metrics = metrics(memory);
        ConnectionAdmission admission =
            new ConnectionAdmission(
                memory, metrics, policy, Duration.ofMillis(100), Duration.ofHours(1))) {
      memory.heapUsedMb(95);
      memory.collected();
      assertThat(admission.admit(), is(false));
      assertThat(admission.admit(), is(false));
      assertThat(admission.admit(), is(false));
      assertThat(
          "one collection per gcEvery, however many connections wait",
          memory.collectionsRequested(),
          is(1));
      assertThat(admission.stats(), is(new ConnectionAdmission.Stats(false, 3, 3, 1)));
      memory.heapUsedMb(50);
      memory.collected();
      assertThat(admission.admit(), is(true));
      assertThat(admission.stats().toJson(), containsString("\"accepting\":true"));
    }
  }

  @Test
  void theSizingRuleAtTheLaunchersHeap() {
    // -Xmx112m, max_heap_percent 90, max_connections 100:
    // (112 MiB * 80 % - 16 MiB - 100 * 96 KiB) / 12 KiB
    ConnectionCapacity launcher = new ConnectionCapacity(112 * MB, 90, 100);
    assertThat(
        launcher.connections(), is((112 * MB / 100 * 80 - 16 * MB - 100 * 96 * 1024) / 12 / 1024));
    assertThat(launcher.warning(1000), is(Optional.empty()));
    assertThat(
        launcher.warning(12_000).orElseThrow(), containsString("max_client_connections=12000"));
    assertThat(
        launcher.warning(12_000).orElseThrow(), containsString("about " + launcher.connections()));
    assertThat(launcher.impossible(), is(false));
    assertThat(
        "16 MiB cannot hold the proxy itself",
        new ConnectionCapacity(16 * MB, 90, 100).impossible(),
        is(true));
    // max_connections is a bound, not a reservation: a big one warns (about 0 fit), never refuses
    ConnectionCapacity sse = new ConnectionCapacity(112 * MB, 90, 2100);
    assertThat(sse.connections(), is(0L));
    assertThat(sse.impossible(), is(false));
    assertThat(sse.warning(1).orElseThrow(), containsString("max_connections=2100"));
  }
}
