package io.steadyproxy.operator.bench;

import static io.steadyproxy.operator.bench.ScaleBenchmark.DEFAULT_JVM_OPTS;
import static io.steadyproxy.operator.bench.ScaleBenchmark.words;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The command line. */
record Options(
    List<Integer> counts,
    int namespaces,
    Duration timeout,
    Path operatorJar,
    String jvmOpts,
    List<String> operatorArgs,
    boolean write,
    boolean nmt,
    Path doc,
    Path workDir) {

  static Options parse(String[] args) {
    List<Integer> counts = List.of(500);
    int namespaces = 5;
    int timeoutSeconds = 300;
    Path jar = Path.of("target", "steadyproxy-operator.jar");
    String jvmOpts = DEFAULT_JVM_OPTS;
    List<String> operatorArgs = List.of();
    boolean write = false;
    boolean nmt = false;
    Path doc = Path.of("..", "src-docs", "performance.md");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--write")) {
        write = true;
        continue;
      }
      if (arg.equals("--nmt")) {
        nmt = true;
        continue;
      }
      if (!arg.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "'; see the class Javadoc for the flags");
      }
      String value = args[++i];
      switch (arg) {
        case "--counts", "--count" ->
            counts =
                Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
        case "--namespaces" -> namespaces = Integer.parseInt(value);
        case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(value);
        case "--operator-jar" -> jar = Path.of(value);
        case "--jvm-opts" -> jvmOpts = value;
        case "--operator-args" -> operatorArgs = words(value);
        case "--doc" -> doc = Path.of(value);
        default -> throw new IllegalArgumentException("unknown flag " + arg);
      }
    }
    if (counts.isEmpty()
        || counts.stream().anyMatch(n -> n < 1)
        || namespaces < 1
        || timeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "--counts, --namespaces and --timeout-seconds must be positive");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          jar.toAbsolutePath()
              + " is missing: build the operator first (make bench-operator does)");
    }
    return new Options(
        counts,
        namespaces,
        Duration.ofSeconds(timeoutSeconds),
        jar,
        jvmOpts,
        operatorArgs,
        write,
        nmt,
        doc,
        jar.toAbsolutePath().getParent().resolve("bench"));
  }
}
