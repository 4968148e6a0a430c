package io.steadyproxy.operator.watchdog;

/**
 * A proxy pod as the watchdog sees it.
 *
 * @param name the pod's name
 * @param uid the pod's uid: a re-created pod with the same name starts with a clean record
 * @param ip the pod IP, or null before one is assigned
 * @param ready whether its Ready condition is True
 * @param terminating whether it is being deleted
 */
public record ProxyPod(String name, String uid, String ip, boolean ready, boolean terminating) {

  /** Ready, not going away, and addressable: the only pods worth checking. */
  public boolean checkable() {
    return ready && !terminating && ip != null && !ip.isBlank();
  }
}
