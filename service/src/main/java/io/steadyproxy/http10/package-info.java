/**
 * HTTP/1.0 clients on Helidon 4.5.0's HTTP/1.1 server, served as nginx serves them: an adapter
 * between the socket and Helidon's HTTP/1.1 connection that rewrites each HTTP/1.0 request head
 * into the HTTP/1.1 one Helidon understands, and each answer back into what an HTTP/1.0 client
 * reads (no chunked framing, no 1xx, keep-alive only when asked). HTTP/1.1 connections pass
 * straight to Helidon untouched. See {@link io.steadyproxy.http10.Http10AwareSelector}.
 */
package io.steadyproxy.http10;
