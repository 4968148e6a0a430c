package io.steadyproxy.observe;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.steadyproxy.proxy.PoolStats;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.function.Supplier;

/**
 * The seed's {@code GET /health}: one JSON document with the state an operator (or the operator's
 * watchdog) acts on. Status is {@code ok}, or {@code shedding} while new requests are refused; the
 * endpoint itself answers 200 either way, since the process is alive and reporting.
 */
public final class HealthService implements HttpService {
  private final MemoryReader memory;
  private final Supplier<PoolStats> pool;
  private final MemoryMonitor monitor;
  private final ConnectionAdmission admission;
  private final InstantSource clock;
  private final Instant started;
  private volatile Supplier<String> bodyBuffers = () -> null;
  private volatile Supplier<String> upgraded = () -> null;

  /**
   * @param memory the memory seam
   * @param pool pool counts
   * @param monitor shedding state and the last cleanup
   * @param admission connection admission state and counts
   * @param clock the clock seam (uptime)
   */
  public HealthService(
      MemoryReader memory,
      Supplier<PoolStats> pool,
      MemoryMonitor monitor,
      ConnectionAdmission admission,
      InstantSource clock) {
    this.memory = memory;
    this.pool = pool;
    this.monitor = monitor;
    this.admission = admission;
    this.clock = clock;
    this.started = clock.instant();
  }

  /**
   * Adds the request body buffers to the answer: a JSON object such as {@code
   * {"used_bytes":0,"max_bytes":8388608}}.
   */
  public HealthService bodyBuffers(Supplier<String> json) {
    this.bodyBuffers = json;
    return this;
  }

  /**
   * Adds the upgraded connections to the answer: a JSON object such as {@code
   * {"active":2,"max":256,"total":9,"refused":0}}.
   */
  public HealthService upgraded(Supplier<String> json) {
    this.upgraded = json;
    return this;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/", this::health);
  }

  private void health(ServerRequest req, ServerResponse res) {
    MemorySample m = memory.read();
    PoolStats p = pool.get();
    boolean shedding = monitor.shedding();
    String json =
        "{\"status\":\""
            + (shedding ? "shedding" : "ok")
            + "\""
            + ",\"memory_usage_mb\":"
            + m.rssMb()
            + ",\"heap_used_mb\":"
            + m.heapUsedMb()
            + ",\"heap_max_mb\":"
            + m.heapMaxMb()
            + ",\"pool\":{\"open\":"
            + p.open()
            + ",\"idle\":"
            + p.idle()
            + ",\"in_use\":"
            + p.inUse()
            + ",\"waiting\":"
            + p.waiting()
            + ",\"max\":"
            + p.max()
            + "}"
            + bodyBuffersField()
            + upgradedField()
            + ",\"uptime_s\":"
            + Duration.between(started, clock.instant()).toSeconds()
            + ",\"shedding\":"
            + shedding
            + ",\"admission\":"
            + admission.stats().toJson()
            + ",\"last_cleanup\":"
            + monitor.lastCleanup().map(CleanupResult::toJson).orElse("null")
            + "}\n";
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(json);
  }

  private String upgradedField() {
    String json = upgraded.get();
    return json == null ? "" : ",\"upgraded\":" + json;
  }

  private String bodyBuffersField() {
    String json = bodyBuffers.get();
    return json == null ? "" : ",\"client_body_buffers\":" + json;
  }
}
