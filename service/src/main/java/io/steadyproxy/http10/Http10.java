package io.steadyproxy.http10;

/** What the rest of the service may ask about HTTP/1.0 clients. */
public final class Http10 {
  private Http10() {}

  /**
   * Whether the request handled on the calling thread came from an HTTP/1.0 client (Helidon's
   * prologue says HTTP/1.1 for it, the version it was translated to).
   */
  public static boolean servingHttp10() {
    return SniffingConnection.servingHttp10();
  }
}
