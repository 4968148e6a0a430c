/**
 * TLS on the client-facing listener: the PEM files read into Helidon's {@code Tls}, with protocol
 * and cipher defaults; the watcher that serves rotated files to new connections; the SSL context
 * wrapper that makes Helidon 4.5.0's blocking-socket path apply them.
 */
package io.steadyproxy.tls;
