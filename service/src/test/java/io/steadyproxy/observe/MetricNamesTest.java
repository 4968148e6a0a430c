package io.steadyproxy.observe;

import static io.steadyproxy.testing.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.FakeMemory;
import io.steadyproxy.testing.PrometheusText;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The names and labels on {@code /observe/metrics}, as a Prometheus user meets them: the JVM and
 * process families under the names every JVM dashboard and alert queries, no label the proxy did
 * not document (Helidon's {@code scope}), no camelCase, and SteadyProxy's own families exactly as
 * before the registry changed (issue 15).
 */
class MetricNamesTest {
  private static final long MB = 1024 * 1024;
  private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9_]*");

  /**
   * Every SteadyProxy sample name and its label keys after the scenario below, as Helidon's
   * registry served them before (its {@code scope} label left out): dashboards built on them keep
   * working.
   */
  private static final Set<String> STEADYPROXY_FAMILIES =
      Set.of(
          "steadyproxy_admission_accepting []",
          "steadyproxy_admission_transitions_total []",
          "steadyproxy_bytes_in_total []",
          "steadyproxy_bytes_out_total []",
          "steadyproxy_cleanups_total [kind]",
          "steadyproxy_client_body_buffer_bytes []",
          "steadyproxy_client_body_buffer_max_bytes []",
          "steadyproxy_connections_deferred_total []",
          "steadyproxy_connections_refused_total []",
          "steadyproxy_errors_total [class]",
          "steadyproxy_memory_checks_total [action]",
          "steadyproxy_memory_cleanup_threshold_bytes []",
          "steadyproxy_memory_heap_max_bytes []",
          "steadyproxy_memory_heap_used_bytes []",
          "steadyproxy_memory_max_bytes []",
          "steadyproxy_memory_rss_bytes []",
          "steadyproxy_pool_idle []",
          "steadyproxy_pool_in_use []",
          "steadyproxy_pool_max []",
          "steadyproxy_pool_open []",
          "steadyproxy_pool_stale_closed_total []",
          "steadyproxy_pool_wait_seconds_bucket [le]",
          "steadyproxy_pool_wait_seconds_count []",
          "steadyproxy_pool_wait_seconds_max []",
          "steadyproxy_pool_wait_seconds_sum []",
          "steadyproxy_pool_waiting []",
          "steadyproxy_request_duration_seconds_bucket [le, route]",
          "steadyproxy_request_duration_seconds_count [route]",
          "steadyproxy_request_duration_seconds_max [route]",
          "steadyproxy_request_duration_seconds_sum [route]",
          "steadyproxy_requests_total [method, route, status]",
          "steadyproxy_shed_requests_total []",
          "steadyproxy_shedding []",
          "steadyproxy_shedding_transitions_total []",
          "steadyproxy_upgraded_connections []",
          "steadyproxy_upgraded_connections_established_total []",
          "steadyproxy_upgraded_connections_max []",
          "steadyproxy_upgraded_connections_refused_total []",
          "steadyproxy_upstream_duration_seconds_bucket [le, route]",
          "steadyproxy_upstream_duration_seconds_count [route]",
          "steadyproxy_upstream_duration_seconds_max [route]",
          "steadyproxy_upstream_duration_seconds_sum [route]");

  /** The documented bucket bounds (operations.md), in seconds, then +Inf. */
  private static final List<Double> BUCKETS =
      List.of(
          0.0005,
          0.001,
          0.002,
          0.005,
          0.01,
          0.025,
          0.05,
          0.1,
          0.25,
          0.5,
          1.0,
          2.5,
          5.0,
          10.0,
          30.0,
          60.0,
          Double.POSITIVE_INFINITY);

  private static RawHttp.Response scrape(SteadyProxy proxy, String accept) throws Exception {
    return RawHttp.exchange(
        proxy.adminPort(),
        "GET /observe/metrics HTTP/1.1\r\nHost: x\r\nAccept: " + accept + "\r\n\r\n");
  }

  private static PrometheusText metrics(SteadyProxy proxy) throws Exception {
    RawHttp.Response res = scrape(proxy, "text/plain");
    assertThat(res.status(), is(200));
    return PrometheusText.parse(res.text());
  }

  /** A proxy that served a GET, a POST and a failed request, and ran a cleanup and a check. */
  private static SteadyProxy exercised(RawUpstream upstream, FakeMemory memory) throws Exception {
    SteadyProxy proxy =
        SteadyProxy.start(TestProxies.settings("--upstream", upstream.url().toString()), memory);
    RawHttp.exchange(proxy.port(), "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    RawHttp.exchange(proxy.port(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    assertThat(
        RawHttp.exchange(proxy.port(), "GET /broken HTTP/1.1\r\nHost: x\r\n\r\n").status(),
        is(502));
    proxy.monitor().fullCleanup();
    proxy.monitor().check();
    return proxy;
  }

  /** Answers {@code ok}, except {@code /broken}, whose connection it closes without an answer. */
  private static RawUpstream upstream() throws Exception {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head head;
          while ((head = conn.readHead()) != null) {
            if (head.target().equals("/broken")) {
              return;
            }
            RawHttp.drainBody(conn.in(), head);
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          }
        });
  }

  @Test
  void noSeriesCarriesALabelNobodyDocumented() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, new FakeMemory())) {
      List<String> scoped =
          metrics(proxy).all().stream()
              .filter(s -> s.labels().containsKey("scope") || s.labels().containsKey("app"))
              .map(s -> s.name() + s.labels())
              .toList();
      assertThat(scoped, is(empty()));
    }
  }

  @Test
  void everyNameIsSnakeCase() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, new FakeMemory())) {
      Set<String> camel =
          metrics(proxy).all().stream()
              .map(PrometheusText.Sample::name)
              .filter(n -> !SNAKE_CASE.matcher(n).matches())
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(camel, is(empty()));
    }
  }

  @Test
  void steadyProxyFamiliesAreAsBefore() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, new FakeMemory())) {
      PrometheusText samples = metrics(proxy);
      Set<String> families =
          samples.all().stream()
              .filter(s -> s.name().startsWith("steadyproxy_"))
              .map(s -> s.name() + " " + new TreeSet<>(s.labels().keySet()))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(families, is(new TreeSet<>(STEADYPROXY_FAMILIES)));
      for (String histogram :
          List.of(
              "steadyproxy_request_duration_seconds",
              "steadyproxy_upstream_duration_seconds",
              "steadyproxy_pool_wait_seconds")) {
        List<Double> bounds = new ArrayList<>();
        for (PrometheusText.Sample s : samples.all(histogram + "_bucket")) {
          String le = s.labels().get("le");
          bounds.add(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
        }
        assertThat(histogram, bounds.stream().sorted().toList(), is(BUCKETS));
        assertThat(histogram, samples.type(histogram), is(java.util.Optional.of("histogram")));
      }
      assertThat(
          samples.value("steadyproxy_request_duration_seconds_count", "route", "/"), is(3.0));
      assertThat(samples.value("steadyproxy_errors_total", "class", "upstream_reset"), is(1.0));
    }
  }

  @Test
  void jvmMetersHaveTheirConventionalNames() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, new FakeMemory())) {
      PrometheusText samples = metrics(proxy);
      Set<String> areas =
          samples.all("jvm_memory_used_bytes").stream()
              .map(s -> s.labels().get("area"))
              .collect(Collectors.toSet());
      assertThat(areas, is(Set.of("heap", "nonheap")));
      for (PrometheusText.Sample s : samples.all("jvm_memory_used_bytes")) {
        assertThat(s.toString(), s.labels().keySet(), is(Set.of("area", "id")));
      }
      assertThat(samples.value("jvm_threads_live_threads"), greaterThan(0.0));
      assertThat(samples.has("jvm_threads_states_threads"), is(true));
      assertThat(samples.has("jvm_classes_loaded_classes"), is(true));
      assertThat(samples.has("jvm_memory_max_bytes"), is(true));
      assertThat(samples.has("jvm_gc_live_data_size_bytes"), is(true));
      assertThat(samples.has("process_cpu_usage"), is(true));
      assertThat(samples.has("system_cpu_count"), is(true));
      assertThat(samples.has("process_uptime_seconds"), is(true));

      // a collection's pause arrives by a JMX notification, on the JVM's own thread
      System.gc();
      eventually(
          "the pause of the System.gc() in jvm_gc_pause_seconds",
          () ->
              metrics(proxy).all("jvm_gc_pause_seconds_count").stream()
                  .anyMatch(
                      s ->
                          s.labels().keySet().equals(Set.of("action", "cause", "gc"))
                              && s.labels().get("cause").equals("System.gc()")
                              && s.value() >= 1));
    }
  }

  @Test
  void processMetersHaveThePrometheusClientNames() throws Exception {
    FakeMemory memory = new FakeMemory();
    memory.rssMb(321);
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, memory)) {
      PrometheusText samples = metrics(proxy);
      // the resident set from the proxy's own memory reading (VmRSS), the one its thresholds use
      assertThat(samples.value("process_resident_memory_bytes"), is(321.0 * MB));
      assertThat(samples.type("process_resident_memory_bytes").orElse(""), is("gauge"));
      assertThat(samples.value("process_cpu_seconds_total"), greaterThan(0.0));
      assertThat(samples.type("process_cpu_seconds_total").orElse(""), is("counter"));
      double now = System.currentTimeMillis() / 1000.0;
      double started = samples.value("process_start_time_seconds");
      assertThat(started, lessThanOrEqualTo(now));
      assertThat(started, greaterThan(now - 24 * 3600));
      double open = samples.value("process_open_fds");
      assertThat(open, greaterThan(0.0));
      assertThat(samples.value("process_max_fds"), greaterThanOrEqualTo(open));
      assertThat(samples.value("process_virtual_memory_bytes"), greaterThan(0.0));
      // one CPU time counter, in seconds: not also Micrometer's nanosecond one
      assertThat(samples.has("process_cpu_time_ns_total"), is(false));
    }
  }

  @Test
  void eachProxyServesOnlyItsOwnMeters() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy busy = exercised(upstream, new FakeMemory());
        SteadyProxy idle =
            SteadyProxy.start(
                TestProxies.settings("--upstream", upstream.url().toString()), new FakeMemory())) {
      assertThat(metrics(busy).value("steadyproxy_bytes_in_total"), is(3.0));
      PrometheusText other = metrics(idle);
      assertThat(other.value("steadyproxy_bytes_in_total"), is(0.0));
      assertThat(other.all("steadyproxy_requests_total"), is(empty()));
      // one series per JVM meter: the busy proxy's binders are not served twice
      assertThat(other.all("jvm_threads_live_threads").size(), is(1));
    }
  }

  @Test
  void openMetricsWhenAskedAndNotAcceptableOtherwise() throws Exception {
    try (RawUpstream upstream = upstream();
        SteadyProxy proxy = exercised(upstream, new FakeMemory())) {
      RawHttp.Response text = scrape(proxy, "*/*");
      assertThat(text.status(), is(200));
      assertThat(text.head().header("Content-Type"), startsWith("text/plain"));
      assertThat(text.head().header("Content-Type"), containsString("version=0.0.4"));

      RawHttp.Response open =
          scrape(proxy, "application/openmetrics-text; version=1.0.0,text/plain;q=0.5");
      assertThat(open.status(), is(200));
      assertThat(open.head().header("Content-Type"), startsWith("application/openmetrics-text"));
      assertThat(open.text(), endsWith("# EOF\n"));
      assertThat(
          PrometheusText.parse(open.text()).all().stream()
              .map(PrometheusText.Sample::name)
              .toList(),
          hasItems("jvm_memory_used_bytes", "process_resident_memory_bytes"));

      assertThat(scrape(proxy, "application/json").status(), is(406));
    }
  }
}
