package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.reconcile.ProxyConfigFile;
import java.net.URI;

/**
 * Where a pod's admin port is reached. In a cluster that is the pod IP; tests point it at servers
 * on 127.0.0.1.
 */
@FunctionalInterface
public interface AdminEndpoints {

  /** The base URI of the pod's admin server, for example {@code http://10.1.2.3:9090}. */
  URI adminBase(ProxyPod pod);

  /** The pod IP and the proxy's admin port: how the operator reaches pods in a cluster. */
  static AdminEndpoints podIp() {
    return pod -> URI.create("http://" + hostLiteral(pod.ip()) + ":" + ProxyConfigFile.ADMIN_PORT);
  }

  private static String hostLiteral(String ip) {
    return ip.contains(":") ? "[" + ip + "]" : ip;
  }
}
