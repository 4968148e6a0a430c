package io.steadyproxy.observe;

import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/**
 * {@code /observe/metrics}: the proxy's {@link PrometheusMeters} in the Prometheus text format
 * 0.0.4, or in OpenMetrics 1.0 when the scraper prefers it (Prometheus asks for OpenMetrics first);
 * {@code 406} to an {@code Accept} that allows neither.
 *
 * <p>Not Helidon's {@code MetricsObserver}: registering it puts a filter in front of every route of
 * its socket (its "key performance indicator" request counters, a context entry and a post-request
 * task list per request), a second metrics layer on every proxied request next to {@link
 * ProxyMetrics}. Measured with JFR on small responses at 64 connections (the proxy pinned to one
 * core): that filter's frames were on the stack of 65 % of the samples and its own work took about
 * 3 % of them; the proxy counts every request itself already.
 */
public final class MetricsEndpoint implements HttpService {
  private final PrometheusMeters meters;

  /**
   * @param meters the registry to serve
   */
  public MetricsEndpoint(PrometheusMeters meters) {
    this.meters = meters;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/", this::scrape);
  }

  private void scrape(ServerRequest req, ServerResponse res) {
    MediaType type =
        req.headers()
            .bestAccepted(MediaTypes.TEXT_PLAIN, MediaTypes.APPLICATION_OPENMETRICS_TEXT)
            .orElse(null);
    res.header(HeaderValues.CACHE_NO_CACHE);
    if (type == null) {
      res.status(Status.NOT_ACCEPTABLE_406).send();
      return;
    }
    // the writers' own content types, with the format version a scraper checks
    String contentType =
        type.equals(MediaTypes.APPLICATION_OPENMETRICS_TEXT)
            ? OpenMetricsTextFormatWriter.CONTENT_TYPE
            : PrometheusTextFormatWriter.CONTENT_TYPE;
    res.header(HeaderNames.CONTENT_TYPE, contentType);
    res.send(meters.scrape(contentType));
  }
}
