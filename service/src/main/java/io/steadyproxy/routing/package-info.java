/**
 * The value types of routing: where a request goes ({@link io.steadyproxy.routing.Route}) and whose
 * forwarding headers are believed ({@link io.steadyproxy.routing.Cidr}). The {@code config} package
 * reads them and the {@code proxy} package acts on them; keeping them here lets neither of those
 * import the other.
 */
package io.steadyproxy.routing;
