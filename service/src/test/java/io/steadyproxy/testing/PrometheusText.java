package io.steadyproxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Parses Prometheus text exposition into samples, so tests assert values, not formatting. */
public final class PrometheusText {
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
      Map<String, String> labels = new TreeMap<>();
      if (brace >= 0) {
        String body = line.substring(brace + 1, line.lastIndexOf('}'));
        for (String pair : body.split(",")) {
          if (pair.isBlank()) {
            continue;
          }
          int eq = pair.indexOf('=');
          labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 2, pair.length() - 1));
        }
      }
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
    }
    return new PrometheusText(samples);
  }

  /** Every sample with this name (one per label set: the series count). */
  public List<Sample> all(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  /**
   * Like {@link #value}, but 0 when no such sample exists yet: counters with labels appear at their
   * first increment.
   */
  public double valueOrZero(String name, String... labelPairs) {
    for (Sample s : samples) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        match &= labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
      }
      if (match) {
        return value(name, labelPairs);
      }
    }
    return 0;
  }

  /** The value of the one sample with this name whose labels include the given pairs. */
  public double value(String name, String... labelPairs) {
    List<Sample> found =
        samples.stream()
            .filter(s -> s.name().equals(name))
            .filter(
                s -> {
                  for (int i = 0; i < labelPairs.length; i += 2) {
                    if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                      return false;
                    }
                  }
                  return true;
                })
            .toList();
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one sample " + name + " " + List.of(labelPairs) + ", found " + found);
    }
    return found.get(0).value();
  }
}
