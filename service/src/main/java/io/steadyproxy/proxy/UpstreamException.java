package io.steadyproxy.proxy;

/**
 * A typed failure while talking to an upstream. The {@link Kind} alone decides the status the
 * client sees ({@link ErrorResponses}), so every path through the proxy maps failures the same way.
 */
public final class UpstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, each with the status a client gets while the status can still change. */
  public enum Kind {
    /** The upstream refused the TCP connection. */
    CONNECT_REFUSED(502, "connect_refused"),
    /** The upstream host name does not resolve. */
    UNKNOWN_HOST(502, "unknown_host"),
    /** TCP or TLS connect took longer than {@code connect_timeout}. */
    CONNECT_TIMEOUT(504, "connect_timeout"),
    /** The TLS handshake failed. */
    TLS_FAILURE(502, "tls_failure"),
    /** No byte from the upstream for {@code read_timeout}. */
    READ_TIMEOUT(504, "read_timeout"),
    /** A write to the upstream made no progress for {@code write_timeout}. */
    WRITE_TIMEOUT(504, "write_timeout"),
    /** The upstream closed or reset the connection. */
    RESET(502, "upstream_reset"),
    /** The upstream answered with something that is not valid HTTP/1.1. */
    PROTOCOL(502, "bad_upstream_response"),
    /** No upstream connection became free within {@code pool_timeout}. */
    POOL_EXHAUSTED(503, "pool_exhausted");

    private final int status;
    private final String code;

    Kind(int status, String code) {
      this.status = status;
      this.code = code;
    }

    /** HTTP status for the client. */
    public int status() {
      return status;
    }

    /** Stable machine-readable name, used in JSON bodies, logs and metric tags. */
    public String code() {
      return code;
    }
  }

  private final Kind kind;
  private final String upstream;

  UpstreamException(Kind kind, String upstream, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.kind = kind;
    this.upstream = upstream;
  }

  UpstreamException(Kind kind, String upstream, String detail) {
    this(kind, upstream, detail, null);
  }

  /** The failure class. */
  public Kind kind() {
    return kind;
  }

  /** The upstream involved, as {@code scheme://host:port}. */
  public String upstream() {
    return upstream;
  }
}
