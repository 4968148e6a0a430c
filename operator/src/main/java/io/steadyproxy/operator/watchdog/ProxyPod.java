package io.steadyproxy.operator.watchdog;

import java.time.Instant;

/**
 * A proxy pod as the watchdog sees it.
 *
 * @param name the pod's name
 * @param uid the pod's uid: a re-created pod with the same name starts with a clean record
 * @param ip the pod IP, or null before one is assigned
 * @param running whether its phase is Running (its containers started)
 * @param ready whether its Ready condition is True; a proxy that sheds load is running but not
 *     ready
 * @param terminating whether it is being deleted
 * @param created its creationTimestamp, or null when unknown: tells a restarted pod's replacement
 */
public record ProxyPod(
    String name,
    String uid,
    String ip,
    boolean running,
    boolean ready,
    boolean terminating,
    Instant created) {

  /**
   * Running, not going away, and addressable: worth reading, Ready or not. A pod that sheds load is
   * NotReady, and it is the one that most needs the watchdog.
   */
  public boolean checkable() {
    return running && !terminating && ip != null && !ip.isBlank();
  }

  /** The same pod, now being deleted. */
  public ProxyPod withTerminating() {
    return new ProxyPod(name, uid, ip, running, ready, true, created);
  }

  /** Still starting: scheduled or pulling its image, or running without an address yet. */
  public boolean starting() {
    return !terminating && !checkable();
  }
}
