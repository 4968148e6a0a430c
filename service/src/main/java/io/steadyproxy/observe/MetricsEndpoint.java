package io.steadyproxy.observe;

import io.helidon.common.HelidonServiceLoader;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.MeterRegistryFormatter;
import io.helidon.metrics.api.MetricsConfig;
import io.helidon.metrics.api.MetricsFactory;
import io.helidon.metrics.spi.MeterRegistryFormatterProvider;
import io.helidon.service.registry.Services;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * {@code /observe/metrics}: the meter registry in Prometheus text (or OpenMetrics when asked), by
 * Helidon's own formatter.
 *
 * <p>Not Helidon's {@code MetricsObserver}: registering it puts a filter in front of every route of
 * its socket (its "key performance indicator" request counters, a context entry and a post-request
 * task list per request), a second metrics layer on every proxied request next to {@link
 * ProxyMetrics}. Measured with JFR on small responses at 64 connections (the proxy pinned to one
 * core): that filter's frames were on the stack of 65 % of the samples and its own work took about
 * 3 % of them; the proxy counts every request itself already.
 */
public final class MetricsEndpoint implements HttpService {
  private final MeterRegistry registry;
  private final MetricsConfig config;
  private final List<MeterRegistryFormatterProvider> formatters;

  /** Serves {@code Services.get(MeterRegistry.class)} with the process's metrics config. */
  public MetricsEndpoint() {
    this.registry = Services.get(MeterRegistry.class);
    this.config = Services.get(MetricsFactory.class).metricsConfig();
    // a Java service-loader contract, not one of the service registry's: Services.all finds none
    this.formatters =
        HelidonServiceLoader.create(ServiceLoader.load(MeterRegistryFormatterProvider.class))
            .asList();
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
    Optional<Object> text = type == null ? Optional.empty() : format(type);
    if (text.isEmpty()) {
      res.status(Status.NOT_ACCEPTABLE_406).send();
      return;
    }
    res.headers().contentType(type);
    res.send(text.get());
  }

  private Optional<Object> format(MediaType type) {
    for (MeterRegistryFormatterProvider provider : formatters) {
      Optional<MeterRegistryFormatter> formatter =
          provider.formatter(
              type, config, registry, config.scoping().tagName(), List.of(), List.of());
      if (formatter.isPresent()) {
        return formatter.get().format();
      }
    }
    return Optional.empty();
  }
}
