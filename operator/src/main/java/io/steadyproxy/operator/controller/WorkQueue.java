package io.steadyproxy.operator.controller;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A keyed, deduplicated work queue, with the semantics of client-go's workqueue:
 *
 * <ul>
 *   <li>a key waits in the queue at most once, however many events name it;
 *   <li>a key is handed to one worker at a time; a key added while a worker holds it is queued
 *       again when that worker calls {@link #done(String)}, so no event is lost and no two workers
 *       reconcile the same object at once;
 *   <li>failed keys come back after an exponential {@link Backoff}; {@link #forget(String)} resets
 *       it after a success.
 * </ul>
 */
public final class WorkQueue {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Deque<String> queue = new ArrayDeque<>();
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final ScheduledExecutorService delayer;
  private final Backoff backoff;
  private boolean shutDown;

  /**
   * @param delayer runs the delayed adds of {@link #addAfter} and {@link #addRateLimited}
   * @param backoff the retry delays
   */
  public WorkQueue(ScheduledExecutorService delayer, Backoff backoff) {
    this.delayer = delayer;
    this.backoff = backoff;
  }

  /** Queues {@code key} unless it is already waiting. */
  public void add(String key) {
    lock.lock();
    try {
      if (shutDown || !dirty.add(key)) {
        return;
      }
      if (!processing.contains(key)) {
        queue.addLast(key);
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Queues {@code key} after {@code delay}. */
  public void addAfter(String key, Duration delay) {
    if (delay.isZero() || delay.isNegative()) {
      add(key);
      return;
    }
    lock.lock();
    try {
      if (shutDown) {
        return;
      }
    } finally {
      lock.unlock();
    }
    try {
      delayer.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      // The controller is stopping; the key would be dropped by shutDown() anyway.
    }
  }

  /** Queues {@code key} after its next backoff delay; returns that delay. */
  public Duration addRateLimited(String key) {
    int count;
    lock.lock();
    try {
      count = failures.merge(key, 1, Integer::sum);
    } finally {
      lock.unlock();
    }
    Duration delay = backoff.delay(count);
    addAfter(key, delay);
    return delay;
  }

  /** Resets {@code key}'s backoff. */
  public void forget(String key) {
    lock.lock();
    try {
      failures.remove(key);
    } finally {
      lock.unlock();
    }
  }

  /** How many retries {@code key} has had since it last succeeded. */
  public int failures(String key) {
    lock.lock();
    try {
      return failures.getOrDefault(key, 0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next key, waiting up to {@code timeout}; empty on timeout or shutdown. The caller owns the
   * key until it calls {@link #done(String)}.
   */
  public Optional<String> take(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (shutDown || nanos <= 0) {
          return Optional.empty();
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
      String key = queue.pollFirst();
      dirty.remove(key);
      processing.add(key);
      return Optional.of(key);
    } finally {
      lock.unlock();
    }
  }

  /** Marks {@code key} as processed; queues it again if it was added meanwhile. */
  public void done(String key) {
    lock.lock();
    try {
      processing.remove(key);
      if (dirty.contains(key) && !shutDown) {
        queue.addLast(key);
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Keys waiting to be processed (the queue-depth metric). */
  public int depth() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting keys and wakes every waiting worker. */
  public void shutDown() {
    lock.lock();
    try {
      shutDown = true;
      queue.clear();
      dirty.clear();
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
