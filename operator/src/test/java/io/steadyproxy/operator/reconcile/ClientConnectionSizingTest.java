package io.steadyproxy.operator.reconcile;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.steadyproxy.observe.ConnectionCapacity;
import io.steadyproxy.operator.Samples;
import io.steadyproxy.operator.crd.ProxyConfigSpec;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The operator sizes {@code max_client_connections} from the spec's memory settings the way it
 * sizes the heap, with the proxy's own rule ({@link ConnectionCapacity}), so that a pod neither
 * warns at start nor promises connections its heap cannot hold. (Envoy's overload manager has no
 * such sizing; nginx's {@code worker_connections} and HAProxy's {@code maxconn} are set by hand.)
 */
class ClientConnectionSizingTest {
  private static final long MIB = 1024 * 1024;

  private static long rendered(ProxyConfigSpec spec) {
    return MemoryBudget.of(spec)
        .clientConnections(spec.getMaxHeapPercent(), spec.getMaxConnections());
  }

  @Test
  void theDefaultSpecGetsWhatItsHeapHoldsUnderTheProxysRule() {
    ProxyConfigSpec spec = Samples.goldenSpec();
    MemoryBudget budget = MemoryBudget.of(spec);
    assertThat(budget.heapMib(), is(250L));
    long cap = rendered(spec);
    // the heap the JVM reports (a little under the one it is given), as the proxy checks it
    ConnectionCapacity proxy = new ConnectionCapacity(250 * MIB / 100 * 95, 90, 100);
    assertThat(cap, is(proxy.connections()));
    assertThat("the pod does not warn at start", proxy.warning((int) cap), is(Optional.empty()));
    assertThat(
        "more than the proxy's own default of 1000: the heap holds them", cap, greaterThan(1000L));
    assertThat(
        ProxyConfigFile.render(spec),
        org.hamcrest.Matchers.containsString("\"max_client_connections\":" + cap));
  }

  @Test
  void moreMemoryMoreConnectionsMoreRequestsInFlightFewer() {
    ProxyConfigSpec base = Samples.goldenSpec();
    ProxyConfigSpec bigger = Samples.goldenSpec();
    bigger.setMaxMemoryUsageMb(1000);
    bigger.setCleanupThresholdMb(800);
    assertThat(rendered(bigger), greaterThan(rendered(base)));
    ProxyConfigSpec busier = Samples.goldenSpec();
    busier.setMaxConnections(1000);
    busier.setMaxKeepaliveConnections(20);
    assertThat(rendered(busier), lessThan(rendered(base)));
  }

  @Test
  void theSmallestHeapTheValidatorAllowsStillHoldsConnections() {
    // ThresholdsTooLow refuses heaps under 64 MiB; at 64 MiB the rule must still give some
    MemoryBudget smallest = new MemoryBudget(256, false, MemoryBudget.MIN_HEAP_MIB, 25.0);
    assertThat(smallest.clientConnections(90, 100), greaterThan(500L));
    assertThat(
        "never 0, even when the rule finds no room", smallest.clientConnections(90, 5000), is(1L));
  }
}
