package io.steadyproxy.operator.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operator's {@code -Xlog:gc} output: heap occupancy before and after each collection. */
record GcLog(long peakUsedKb, long capacityKb, int collections) {
  private static final Pattern PAUSE =
      Pattern.compile("Pause .*? (\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  static GcLog parse(Path file) {
    long peak = 0;
    long capacity = 0;
    int collections = 0;
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Matcher m = PAUSE.matcher(line);
        if (m.find()) {
          collections++;
          peak = Math.max(peak, kb(m.group(1), m.group(2)));
          capacity = Math.max(capacity, kb(m.group(5), m.group(6)));
        }
      }
    } catch (IOException e) {
      System.err.println("no GC log at " + file + ": " + e.getMessage());
    }
    return new GcLog(peak, capacity, collections);
  }

  private static long kb(String value, String unit) {
    long n = Long.parseLong(value);
    return switch (unit) {
      case "G" -> n * 1024 * 1024;
      case "M" -> n * 1024;
      default -> n;
    };
  }
}
