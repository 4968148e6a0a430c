package io.steadyproxy.http10;

/**
 * What the answer to one request on an HTTP/1.0 connection must respect, handed from the request
 * side to the response side in request order (HTTP/1.x answers in the order it was asked).
 *
 * @param head whether the request was a HEAD (its answer has no body, whatever its framing says)
 * @param http10 whether the request said HTTP/1.0 (a client may switch to 1.1 on a kept connection)
 * @param keepAlive whether the client asked to keep the connection ({@code Connection: keep-alive})
 */
record Exchange(boolean head, boolean http10, boolean keepAlive) {}
