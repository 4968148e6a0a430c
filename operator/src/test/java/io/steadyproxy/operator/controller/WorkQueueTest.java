package io.steadyproxy.operator.controller;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.operator.Eventually;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  private static final Duration NO_WAIT = Duration.ZERO;

  private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();
  private final WorkQueue queue =
      new WorkQueue(delayer, new Backoff(Duration.ofMillis(1), Duration.ofMillis(8)));

  @AfterEach
  void stop() {
    queue.shutDown();
    delayer.shutdownNow();
  }

  @Test
  void aKeyWaitsOnceHoweverManyEventsNameIt() throws Exception {
    queue.add("shop/edge");
    queue.add("shop/edge");
    queue.add("shop/other");
    queue.add("shop/edge");
    assertThat(queue.depth(), is(2));
    assertThat(queue.take(NO_WAIT), is(Optional.of("shop/edge")));
    assertThat(queue.take(NO_WAIT), is(Optional.of("shop/other")));
    assertThat(queue.take(NO_WAIT), is(Optional.empty()));
  }

  @Test
  void aKeyAddedWhileBeingProcessedIsHeldBackUntilDone() throws Exception {
    queue.add("shop/edge");
    String key = queue.take(NO_WAIT).orElseThrow();
    queue.add("shop/edge");
    assertThat("no second worker gets the same key", queue.take(NO_WAIT), is(Optional.empty()));
    queue.done(key);
    assertThat(queue.take(NO_WAIT), is(Optional.of("shop/edge")));
  }

  @Test
  void aFailedKeyComesBackAfterItsBackoffAndForgetResetsIt() throws Exception {
    queue.add("shop/edge");
    String key = queue.take(NO_WAIT).orElseThrow();
    queue.done(key);
    assertThat(queue.addRateLimited(key), is(Duration.ofMillis(1)));
    Eventually.await("retried key queued", () -> queue.depth() == 1);
    queue.take(NO_WAIT).orElseThrow();
    queue.done(key);
    assertThat(queue.addRateLimited(key), is(Duration.ofMillis(2)));
    assertThat(queue.failures(key), is(2));
    queue.forget(key);
    assertThat(queue.failures(key), is(0));
  }

  @Test
  void shutDownWakesWaitingWorkers() throws Exception {
    Thread waiter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    queue.take(Duration.ofMinutes(5));
                  } catch (InterruptedException ignored) {
                    // not expected
                  }
                });
    queue.shutDown();
    waiter.join(Duration.ofSeconds(30));
    assertThat(waiter.isAlive(), is(false));
  }

  @Test
  void backoffDoublesUpToItsCap() {
    Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    assertThat(backoff.delay(1), is(Duration.ofMillis(200)));
    assertThat(backoff.delay(2), is(Duration.ofMillis(400)));
    assertThat(backoff.delay(5), is(Duration.ofMillis(3200)));
    assertThat(backoff.delay(6), is(Duration.ofSeconds(5)));
    assertThat(backoff.delay(1000), is(Duration.ofSeconds(5)));
  }
}
