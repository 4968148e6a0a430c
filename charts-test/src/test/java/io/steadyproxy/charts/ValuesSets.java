package io.steadyproxy.charts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The values sets the chart is tested with, by name. */
final class ValuesSets {

  /** The chart's defaults: all namespaces, two replicas, leader election, CRD kept. */
  static final String DEFAULTS = "";

  private ValuesSets() {}

  /** Every named set: defaults, a namespace list with most knobs set, and a single replica. */
  static Map<String, String> all() {
    return Map.of(
        "defaults", DEFAULTS,
        "namespaced", namespaced(),
        "single", single());
  }

  /** {@code values-namespaced.yaml}: watches shop and payments, Lease in ops, every knob set. */
  static String namespaced() {
    return resource("values-namespaced.yaml");
  }

  /** {@code values-single.yaml}: one replica, no leader election, no CRD, no metrics Service. */
  static String single() {
    return resource("values-single.yaml");
  }

  private static String resource(String name) {
    try (InputStream in = ValuesSets.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
