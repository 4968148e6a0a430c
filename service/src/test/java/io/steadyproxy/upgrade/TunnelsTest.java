package io.steadyproxy.upgrade;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The limit's bookkeeping, without sockets. */
class TunnelsTest {
  @Test
  void placesAreTakenUpToTheLimitAndGivenBack() {
    try (Tunnels tunnels = new Tunnels(new Tunnels.Limits(2, Duration.ofSeconds(60)))) {
      assertThat(tunnels.tryAcquire(), is(true));
      assertThat(tunnels.tryAcquire(), is(true));
      assertThat(tunnels.tryAcquire(), is(false));
      assertThat(
          tunnels.refusal(),
          is("max_upgraded_connections (2) upgraded connections are open already"));
      tunnels.release();
      assertThat(tunnels.tryAcquire(), is(true));
      assertThat(tunnels.stats(), is(new Tunnels.Stats(2, 2, 0, 1)));
    }
  }

  @Test
  void aLowerLimitRefusesUntilEnoughHaveEnded() {
    try (Tunnels tunnels = new Tunnels(new Tunnels.Limits(3, Duration.ofSeconds(60)))) {
      tunnels.tryAcquire();
      tunnels.tryAcquire();
      tunnels.limits(new Tunnels.Limits(1, Duration.ofSeconds(60)));
      assertThat(tunnels.tryAcquire(), is(false));
      tunnels.release();
      assertThat(tunnels.tryAcquire(), is(false)); // one still open: at the new limit
      tunnels.release();
      assertThat(tunnels.tryAcquire(), is(true));
    }
  }

  @Test
  void afterShutdownEveryUpgradeIsRefusedAndSaysWhy() {
    try (Tunnels tunnels = new Tunnels(new Tunnels.Limits(10, Duration.ofSeconds(60)))) {
      tunnels.closeAll();
      assertThat(tunnels.tryAcquire(), is(false));
      assertThat(tunnels.refusal(), is("the proxy is shutting down"));
    }
  }
}
