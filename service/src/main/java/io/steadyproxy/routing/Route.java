package io.steadyproxy.routing;

import java.net.URI;
import java.util.Objects;

/**
 * One routing rule: requests whose raw path starts with {@code prefix} (on a segment boundary) go
 * to {@code upstream}.
 *
 * @param prefix path prefix, always starting with {@code /}; {@code /} is the default route
 * @param upstream base URL of the upstream ({@code http} or {@code https}); a path in it is
 *     prepended
 * @param stripPrefix whether the prefix is removed from the path before forwarding
 * @param protocol how the upstream is spoken to ({@link Protocol#HTTP1} unless configured)
 */
public record Route(String prefix, URI upstream, boolean stripPrefix, Protocol protocol) {

  /** The prefix of the default route. */
  public static final String DEFAULT_PREFIX = "/";

  public Route {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(protocol, "protocol");
    if (!prefix.startsWith("/")) {
      throw new IllegalArgumentException("route prefix must start with '/': " + prefix);
    }
    // "/api/" and "/api" mean the same rule; keep one spelling so matching stays simple.
    if (prefix.length() > 1 && prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
  }

  /** An HTTP/1.1 route. */
  public Route(String prefix, URI upstream, boolean stripPrefix) {
    this(prefix, upstream, stripPrefix, Protocol.HTTP1);
  }

  /** Whether this is the catch-all route. */
  public boolean isDefault() {
    return DEFAULT_PREFIX.equals(prefix);
  }
}
