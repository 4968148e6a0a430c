/** HTTP/2 to clients: what Helidon's HTTP/2 server needs around it to act as a proxy's edge. */
package io.steadyproxy.http2;
