package io.steadyproxy.observe;

import io.steadyproxy.proxy.ExchangeRecord;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The access log's event for one request: the request's {@link ExchangeRecord} as it is, handed to
 * the log's writer thread, which lays it out ({@link LogFormatter}). Building the line's fields,
 * boxing its numbers and formatting them all happen there, not on the request's thread (measured by
 * bench/bench.py's log scenario, see {@link LogFormatter}).
 */
final class AccessRecord extends LogRecord {
  private static final long serialVersionUID = 1L;

  /** The logger every access line names; handlers attached to it see these records. */
  static final String LOGGER = "steadyproxy.access";

  private final transient ExchangeRecord exchange;
  private final boolean withQuery;

  AccessRecord(ExchangeRecord exchange, boolean withQuery) {
    super(Level.INFO, "");
    setLoggerName(LOGGER);
    this.exchange = exchange;
    this.withQuery = withQuery;
  }

  ExchangeRecord exchange() {
    return exchange;
  }

  /** The query as the line shows it: {@code redacted} when access_log_query is off. */
  String query() {
    return withQuery || exchange.query() == null ? exchange.query() : "redacted";
  }

  /** The line's named values, in the line's order. */
  LogFields fields() {
    ExchangeRecord r = exchange;
    LogFields fields =
        LogFields.withCapacity(16)
            .add("method", r.method())
            .add("path", r.path())
            .add("status", r.status())
            .add("duration_ms", LogFields.Millis.ofNanos(r.nanos()))
            .add("bytes_in", r.bytesIn())
            .add("bytes_out", r.bytesOut())
            .add("upstream", r.upstream())
            .add("route", r.route())
            .add("error", r.error() == null ? null : r.error().code())
            .add("client", r.client())
            .add("query", query())
            .add("proto", r.protocol())
            .add(
                "upstream_ms",
                r.upstreamNanos() < 0 ? null : LogFields.Millis.ofNanos(r.upstreamNanos()))
            .add("request_id", r.requestId())
            .add("ua", r.userAgent());
    if (r.grpcStatus() != null) {
      fields.add("grpc_status", r.grpcStatus()); // gRPC calls only: other lines keep their shape
    }
    return fields;
  }
}
