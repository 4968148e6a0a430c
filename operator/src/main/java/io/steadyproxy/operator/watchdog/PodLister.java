package io.steadyproxy.operator.watchdog;

import io.steadyproxy.operator.crd.ProxyConfig;
import java.util.List;

/** The pods of a ProxyConfig, ready or not; a seam so tests need no cluster. */
@FunctionalInterface
public interface PodLister {

  /** Every pod the ProxyConfig's Deployment runs now. */
  List<ProxyPod> pods(ProxyConfig proxy);
}
