package io.steadyproxy;

import io.steadyproxy.config.ProxySettings;
import io.steadyproxy.routing.Route;

/**
 * What {@code --check} prints after the settings passed (as {@code nginx -t} does): that they are
 * valid, and the few values one most often wants to confirm — where it listens, where requests go,
 * which admin token is in force, where the log goes.
 */
final class CheckReport {
  private CheckReport() {}

  static String text(ProxySettings s) {
    StringBuilder sb = new StringBuilder();
    sb.append("steadyproxy: configuration OK (")
        .append(s.configFile().map(p -> "config file " + p).orElse("no config file"))
        .append(", environment and flags)\n");
    sb.append("  listen   ").append(s.server().host()).append(':').append(s.server().port());
    s.admin().port().ifPresent(p -> sb.append(", admin port ").append(p));
    sb.append('\n');
    // what a client must speak: the first thing to confirm after adding a certificate
    sb.append("  protocol ")
        .append(
            s.protocols()
                .tlsFiles()
                .map(
                    t ->
                        "TLS 1.2/1.3 with "
                            + t.cert()
                            + t.clientCa().map(ca -> ", client certificates from " + ca).orElse("")
                            + (s.protocols().http2() ? "; HTTP/1.1 and h2 (ALPN)" : "; HTTP/1.1"))
                .orElse(s.protocols().http2() ? "plain HTTP/1.1 and h2c" : "plain HTTP/1.1"))
        .append(
            s.admin().port().isPresent() && s.protocols().tls() ? "; admin port plain HTTP" : "")
        .append('\n');
    if (s.routing().routes().isEmpty()) {
      sb.append("  route    / -> the built-in demo upstream (no upstream_url set)\n");
    }
    for (Route r : s.routing().routes()) {
      sb.append("  route    ")
          .append(r.prefix())
          .append(" -> ")
          .append(r.upstream())
          .append(r.stripPrefix() ? " (prefix stripped)" : "")
          .append('\n');
    }
    // Which admin token is in force is the first question when the operator's cleanups get 401.
    sb.append("  admin    ")
        .append(
            s.admin()
                .tokenFile()
                .map(f -> "bearer token from " + f + ", read again at each admin request")
                .or(() -> s.admin().token().map(t -> "bearer token (admin_token)"))
                .orElse("no token: loopback clients only"))
        .append('\n');
    sb.append("  log      stdout")
        .append(s.logging().file().map(p -> " and " + p).orElse(""))
        .append(", ")
        .append(s.logging().format().key())
        .append(", level ")
        .append(s.logging().level())
        .append(s.logging().accessLog() ? ", access log on" : ", access log off")
        .append('\n');
    return sb.toString();
  }
}
