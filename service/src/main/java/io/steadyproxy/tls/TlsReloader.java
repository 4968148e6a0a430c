package io.steadyproxy.tls;

import io.helidon.common.tls.Tls;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves rotated certificate files to new connections. cert-manager renews a certificate by
 * rewriting its Secret, and the kubelet swaps the mounted files (an atomic symlink change) a minute
 * or so later; a file watch misses such swaps, so the files' bytes are compared at a fixed period.
 * A changed set is loaded and checked whole ({@link ListenerTls#load}) before Helidon's listener
 * gets it ({@code WebServer.reloadTls}): a half-written or mismatched pair is logged and counted,
 * the old certificate goes on serving, and the files are tried again when they next change.
 * Connections already open keep the certificate they shook hands with.
 */
public final class TlsReloader implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("steadyproxy.tls");

  /** What a check found, for the log's companions (metrics). */
  public interface Events {
    /** A new certificate is served. */
    void reloaded(X509Certificate leaf);

    /** Changed files could not be loaded; the old certificate is still served. */
    void failed(TlsFiles.Part file, String problem);
  }

  private final TlsFiles files;
  private final Consumer<Tls> apply;
  private final Events events;
  private final ScheduledExecutorService timer;
  private TlsFiles.Contents seen;
  private String lastProblem; // a problem that persists (a missing file) is reported once

  /**
   * @param files the files to watch
   * @param current what the listener serves now
   * @param apply hands a new TLS to the listener ({@code server::reloadTls})
   * @param events told of each reload and each failure
   */
  public TlsReloader(
      TlsFiles files, ListenerTls.Loaded current, Consumer<Tls> apply, Events events) {
    this.files = files;
    this.apply = apply;
    this.events = events;
    this.seen = current.contents();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("tls-reloader").daemon().factory());
  }

  /** Checks the files every {@code period}. */
  public void start(Duration period) {
    long ms = period.toMillis();
    timer.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Compares the files with what was last seen, and serves them if they changed and load. */
  synchronized void check() {
    TlsFiles.Contents now;
    ListenerTls.Loaded next;
    try {
      now = files.read();
      if (now.sameAs(seen)) {
        return;
      }
      seen = now;
      next = ListenerTls.load(files, now);
      apply.accept(next.tls());
    } catch (ListenerTls.FileException e) {
      fail(e.file(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      fail(TlsFiles.Part.CERT, "the listener refused the new certificate: " + e.getMessage());
      return;
    }
    lastProblem = null;
    LOG.log(
        System.Logger.Level.INFO,
        "TLS certificate reloaded from "
            + files.cert()
            + ": now serving "
            + next.leaf().getSubjectX500Principal().getName()
            + ", valid until "
            + next.leaf().getNotAfter().toInstant());
    events.reloaded(next.leaf());
  }

  private void fail(TlsFiles.Part file, String problem) {
    if (problem.equals(lastProblem)) {
      return;
    }
    lastProblem = problem;
    LOG.log(
        System.Logger.Level.WARNING,
        "TLS files changed but cannot be served, keeping the previous certificate: " + problem);
    events.failed(file, problem);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
