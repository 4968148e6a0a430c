package io.steadyproxy.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the SteadyProxy operator: {@code java -jar steadyproxy-operator.jar [--flags]}. See {@link
 * OperatorConfig} for the flags and environment variables.
 *
 * <p>Exit status: 2 for a configuration mistake, 1 when leadership is lost (the pod restarts as a
 * clean candidate), 143 after SIGTERM (once the Lease is released and the workers stopped).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    // One line per record (time, level, logger, message), unless the user configured JUL.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format",
          "%1$tFT%1$tT.%1$tL%1$tz %4$s %3$s: %5$s%6$s%n");
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.parse(args, System.getenv());
    } catch (OperatorConfig.InvalidConfigException e) {
      System.err.println("steadyproxy-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    KubernetesClient client = new KubernetesClientBuilder().build();
    // On a lost Lease, exit from another thread: the shutdown hook below needs this one's locks.
    Runnable exitOnLostLease = () -> new Thread(() -> System.exit(1), "lost-lease-exit").start();
    Operator operator = new Operator(config, client, Clock.systemUTC(), exitOnLostLease);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM: release the Lease so a standby takes over at once, finish the running
                  // reconcile.
                  operator.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    operator.start();
    stopped.await();
  }
}
