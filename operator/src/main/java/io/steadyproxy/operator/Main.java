package io.steadyproxy.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.steadyproxy.operator.logging.OperatorLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the SteadyProxy operator: {@code java -jar steadyproxy-operator.jar [--flags]}. See {@link
 * OperatorConfig} for the flags and environment variables; {@code --help}, {@code --version} and
 * {@code --check} (validate the settings, print them, exit 0 or 2) work anywhere on the line.
 *
 * <p>Exit status: 2 for a configuration mistake, 1 when leadership is lost (the pod restarts as a
 * clean candidate), 143 after SIGTERM (once the Lease is released and the workers stopped).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> settings = new ArrayList<>();
    boolean help = false;
    boolean version = false;
    boolean check = false;
    for (String arg : args) {
      switch (arg) {
        case "--help", "-h" -> help = true;
        case "--version" -> version = true;
        case "--check" -> check = true;
        default -> settings.add(arg);
      }
    }
    if (help) {
      System.out.print(Usage.text());
      return;
    }
    if (version) {
      System.out.println(
          "steadyproxy-operator "
              + (OperatorConfig.VERSION == null ? "unknown" : OperatorConfig.VERSION)
              + " (Java "
              + Runtime.version()
              + ")");
      return;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.parse(settings.toArray(String[]::new), System.getenv());
    } catch (OperatorConfig.InvalidConfigException e) {
      System.err.println("steadyproxy-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (check) {
      System.out.println("steadyproxy-operator: configuration OK (environment and flags)");
      System.out.println("  " + config);
      return;
    }
    OperatorLog.install(config.logFormat());
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
