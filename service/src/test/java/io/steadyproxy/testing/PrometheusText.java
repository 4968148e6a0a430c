package io.steadyproxy.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Parses Prometheus text exposition into samples, so tests assert values, not formatting. Label
 * values are read as quoted strings with the format's escapes, so a value holding a comma, a brace
 * or a quote (a memory pool named {@code CodeHeap 'non-nmethods'}) is one value.
 */
public final class PrometheusText {
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      samples.add(sample(line));
    }
    return new PrometheusText(samples, types);
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    if (brace < 0 || space < brace) {
      return new Sample(
          line.substring(0, space), Map.of(), Double.parseDouble(line.substring(space + 1)));
    }
    String name = line.substring(0, brace);
    Map<String, String> labels = new TreeMap<>();
    int i = brace + 1;
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).trim();
      if (line.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("unquoted label value in: " + line);
      }
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (; line.charAt(j) != '"'; j++) {
        char c = line.charAt(j);
        if (c == '\\') {
          char next = line.charAt(++j);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
      }
      if (labels.put(key, value.toString()) != null) {
        throw new IllegalArgumentException("label " + key + " twice in: " + line);
      }
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    String rest = line.substring(i + 1).trim();
    int end = rest.indexOf(' '); // a timestamp may follow the value
    return new Sample(name, labels, Double.parseDouble(end < 0 ? rest : rest.substring(0, end)));
  }

  /** Every sample. */
  public List<Sample> all() {
    return List.copyOf(samples);
  }

  /** Every sample with this name (one per label set: the series count). */
  public List<Sample> all(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The type a {@code # TYPE} line gave this family name, if one did. */
  public Optional<String> type(String family) {
    return Optional.ofNullable(types.get(family));
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
