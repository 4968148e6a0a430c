package io.steadyproxy.proxy;

/**
 * A typed failure while talking to an upstream. Its {@link ErrorClass} alone decides the status the
 * client sees ({@link ErrorResponses}), so every path through the proxy maps failures the same way.
 */
public final class UpstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorClass kind;
  private final String upstream;

  UpstreamException(ErrorClass kind, String upstream, String detail, Throwable cause) {
    super(detail, cause, false, false);
    this.kind = kind;
    this.upstream = upstream;
  }

  UpstreamException(ErrorClass kind, String upstream, String detail) {
    this(kind, upstream, detail, null);
  }

  /** The failure class. */
  public ErrorClass kind() {
    return kind;
  }

  /** The upstream involved, as {@code scheme://host:port}. */
  public String upstream() {
    return upstream;
  }
}
