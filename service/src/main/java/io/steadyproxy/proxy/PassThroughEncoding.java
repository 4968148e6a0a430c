package io.steadyproxy.proxy;

import io.helidon.http.Headers;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.http.encoding.ContentEncodingContextConfig;

/**
 * The server's content-encoding context for a proxy: every request {@code Content-Encoding} is
 * "supported" and decoded by the identity decoder, and responses are never encoded.
 *
 * <p>Why not Helidon's own switches: in 4.5.0 {@code Http1Connection} refuses a request with 400
 * when its Content-Encoding has no decoder ({@code "Unsupported content encoding"}), and when
 * decoding is off altogether it still refuses any Content-Encoding while request-header validation
 * is on ({@code "Content-Encoding header present when content encoding is disabled"}); turning that
 * validation off would also drop the Host and header-name checks. A context that claims to decode
 * everything with {@link ContentDecoder#NO_OP} lets the bytes through as sent, which is what nginx,
 * HAProxy and Envoy do with a proxied body. On the response side {@code contentEncodingEnabled()}
 * false keeps Helidon from gzipping an upstream's plain answer because the client sent
 * Accept-Encoding (it would when helidon-http-encoding-gzip is on the classpath).
 */
public final class PassThroughEncoding implements ContentEncodingContext {
  private static final ContentEncodingContextConfig NO_CODECS =
      ContentEncodingContextConfig.builder().buildPrototype();

  @Override
  public boolean contentEncodingEnabled() {
    return false;
  }

  @Override
  public boolean contentDecodingEnabled() {
    return true;
  }

  @Override
  public boolean contentEncodingSupported(String encodingId) {
    return false;
  }

  @Override
  public boolean contentDecodingSupported(String encodingId) {
    return true;
  }

  @Override
  public ContentEncoder encoder(String encodingId) {
    return ContentEncoder.NO_OP;
  }

  @Override
  public ContentDecoder decoder(String encodingId) {
    return ContentDecoder.NO_OP;
  }

  @Override
  public ContentEncoder encoder(Headers headers) {
    return ContentEncoder.NO_OP;
  }

  @Override
  public ContentEncodingContextConfig prototype() {
    return NO_CODECS;
  }
}
