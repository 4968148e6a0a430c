package io.steadyproxy.admin;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.steadyproxy.observe.CleanupResult;
import io.steadyproxy.observe.MemoryMonitor;
import io.steadyproxy.proxy.ErrorClass;
import io.steadyproxy.proxy.ErrorResponses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;

/**
 * Admin routes ({@code POST /admin/cleanup}), never open to the world: with a token configured they
 * need {@code Authorization: Bearer <token>}; without one they answer loopback clients only. A full
 * cleanup runs at most once per {@link #CLEANUP_WINDOW}; sooner requests get 429 and Retry-After.
 */
public final class AdminService implements HttpService {
  /** The least time between two full cleanups asked for through {@code /admin/cleanup}. */
  static final Duration CLEANUP_WINDOW = Duration.ofSeconds(10);

  private final AdminToken token;
  private final MemoryMonitor monitor;
  private final CleanupLimiter limiter;

  /**
   * @param token the bearer token, if configured
   * @param monitor runs the cleanup
   * @param clock the clock seam for the cleanup rate limit
   */
  public AdminService(Optional<String> token, MemoryMonitor monitor, InstantSource clock) {
    this(AdminToken.fixed(token), monitor, clock);
  }

  /**
   * @param token where the bearer token comes from (a value, a re-read file, or none)
   * @param monitor runs the cleanup
   * @param clock the clock seam for the cleanup rate limit
   */
  public AdminService(AdminToken token, MemoryMonitor monitor, InstantSource clock) {
    this.token = token;
    this.monitor = monitor;
    this.limiter = new CleanupLimiter(clock, CLEANUP_WINDOW);
  }

  @Override
  public void routing(HttpRules rules) {
    rules.any(this::authorize).post("/cleanup", this::cleanup);
  }

  private void authorize(ServerRequest req, ServerResponse res) {
    InetAddress peer =
        req.remotePeer().address() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    Optional<byte[]> expected;
    try {
      expected = token.current();
    } catch (AdminToken.UnavailableException e) {
      // Never fall back to "no token": that would open admin routes to loopback clients.
      ErrorResponses.send(res, ErrorClass.ADMIN_TOKEN_UNAVAILABLE, e.getMessage());
      return;
    }
    Optional<Denial> denial = check(expected, req.headers().first(HeaderNames.AUTHORIZATION), peer);
    if (denial.isPresent()) {
      if (denial.get().error() == ErrorClass.UNAUTHORIZED) {
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"steadyproxy-admin\"");
      }
      ErrorResponses.send(res, denial.get().error(), denial.get().detail());
      return;
    }
    res.next();
  }

  /** Why an admin request is refused. */
  record Denial(ErrorClass error, String detail) {
    /** The status the client gets. */
    int status() {
      return error.status();
    }
  }

  /**
   * The admin access rule, kept pure so every case is tested without a network.
   *
   * @param token the configured token, if any
   * @param authorization the request's Authorization header, if any
   * @param peer the client address (null if unknown)
   * @return the denial, or empty to allow
   */
  static Optional<Denial> check(
      Optional<byte[]> token, Optional<String> authorization, InetAddress peer) {
    if (token.isPresent()) {
      if (authorization.isEmpty() || !authorization.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Optional.of(
            new Denial(ErrorClass.UNAUTHORIZED, "admin routes need Authorization: Bearer <token>"));
      }
      byte[] given = authorization.get().substring(7).trim().getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(
          given, token.get())) { // constant time: no timing oracle on the token
        return Optional.of(new Denial(ErrorClass.FORBIDDEN, "wrong admin token"));
      }
      return Optional.empty();
    }
    if (peer == null || !peer.isLoopbackAddress()) {
      return Optional.of(
          new Denial(
              ErrorClass.FORBIDDEN,
              "admin routes answer loopback clients only unless PROXY_ADMIN_TOKEN or"
                  + " PROXY_ADMIN_TOKEN_FILE is set"));
    }
    return Optional.empty();
  }

  private void cleanup(ServerRequest req, ServerResponse res) {
    long retryAfter = limiter.tryAcquire();
    if (retryAfter > 0) {
      res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfter));
      ErrorResponses.send(
          res,
          ErrorClass.TOO_MANY_REQUESTS,
          "a full cleanup runs at most once per "
              + CLEANUP_WINDOW.toSeconds()
              + " s; retry in "
              + retryAfter
              + " s");
      return;
    }
    CleanupResult result = monitor.fullCleanup();
    res.header(HeaderValues.CONTENT_TYPE_JSON);
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    res.send(result.toJson() + "\n");
  }
}
