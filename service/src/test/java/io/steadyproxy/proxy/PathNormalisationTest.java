package io.steadyproxy.proxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.RawHttp;
import io.steadyproxy.testing.RawUpstream;
import io.steadyproxy.testing.TestProxies;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * Path forms that make the route the proxy picks and the path the upstream resolves disagree are
 * refused with 400 bad_path, as nginx (dot-segments and {@code %00} are refused or resolved before
 * location matching, {@code merge_slashes on}) and Envoy ({@code normalize_path}, {@code
 * merge_slashes}, {@code %00} refused) do. Each hostile form is tried against each of the proxy's
 * own endpoints and against a route prefix; none may reach an own endpoint or a route it does not
 * name.
 */
class PathNormalisationTest {

  /** Ways to write {@code /x/../TARGET} (or {@code /TARGET}) that tools resolve differently. */
  private static List<String> hostileForms(String target) {
    String t = target.substring(1); // without the leading slash
    List<String> forms = new ArrayList<>();
    if (t.contains("/")) {
      forms.add("/" + t.replace("/", "%2f")); // Helidon routes on the decoded path
      forms.add("/" + t.replace("/", "%2F"));
    }
    forms.addAll(
        List.of(
            "/x/..;/" + t, // Tomcat and Helidon drop ";..." before resolving: /x/.. -> /
            "/x/..;a=b/" + t,
            "/x/.;/../" + t,
            "/x/%2e%2e/" + t,
            "/x/%2E%2e/" + t,
            "/x/.%2e/" + t,
            "/x/%2e./" + t,
            "/x/..%2f" + t,
            "/x/..%5c" + t, // IIS, and Java servers on Windows, read %5c as a separator
            "/x/..%5C" + t,
            "/x\\..\\" + t,
            "/x/..\\" + t,
            "//" + t,
            "/%2f" + t,
            "/x//../" + t,
            "/./" + t,
            "/x/%00/../" + t,
            "/" + t + "%00",
            "/;/" + t,
            "/.;/" + t,
            "/" + t + ";x=1",
            "/" + t + "/%2e",
            String.format("/%%%02x", (int) t.charAt(0)) + t.substring(1))); // encoded first letter
    return forms;
  }

  private static final List<String> OWN = List.of("/health", "/admin/cleanup", "/observe/metrics");

  /** An upstream that records each request-target and answers 200 "upstream". */
  private static RawUpstream recording(Queue<String> targets) throws Exception {
    return RawUpstream.start(
        conn -> {
          RawHttp.Head h;
          while ((h = conn.readHead()) != null) {
            RawHttp.drainBody(conn.in(), h);
            targets.add(h.target());
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nupstream");
          }
        });
  }

  private static List<String> failures(
      int port, String method, List<String> paths, Queue<String> seen) throws Exception {
    List<String> failures = new ArrayList<>();
    for (String path : paths) {
      seen.clear();
      RawHttp.Response res =
          RawHttp.exchange(
              port,
              method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      if (res.status() != 400 || !res.text().contains("\"bad_path\"") || !seen.isEmpty()) {
        String text = res.text().strip();
        failures.add(
            path
                + " -> "
                + res.status()
                + " "
                + text.substring(0, Math.min(120, text.length()))
                + " upstream "
                + seen);
      }
    }
    return failures;
  }

  @Test
  void noPathFormReachesTheProxysOwnEndpointsOnTheSharedPort() throws Exception {
    Queue<String> seen = new ConcurrentLinkedQueue<>();
    try (RawUpstream upstream = recording(seen);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString())) {
      List<String> failures = new ArrayList<>();
      for (String own : OWN) {
        failures.addAll(
            failures(
                proxy.port(), own.startsWith("/admin") ? "POST" : "GET", hostileForms(own), seen));
      }
      assertThat(String.join("\n", failures), failures.isEmpty(), is(true));

      // the plain forms still reach their endpoints, and ordinary paths the upstream
      assertThat(
          RawHttp.exchange(proxy.port(), "GET /observe/metrics HTTP/1.1\r\nHost: x\r\n\r\n").text(),
          containsString("steadyproxy_pool_open"));
      for (String ok :
          List.of("/a%2Fb/c;v=1/%7Euser", "/files/a%5cb", "/x/...", "/x/.hidden", "/api/")) {
        seen.clear();
        RawHttp.Response res =
            RawHttp.exchange(proxy.port(), "GET " + ok + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(ok, res.text(), is("upstream"));
        assertThat(ok, seen.peek(), is(ok));
      }
    }
  }

  @Test
  void noPathFormEscapesItsRoutePrefixOrReachesAdminEndpointsOnTheirOwnPort() throws Exception {
    Queue<String> seenA = new ConcurrentLinkedQueue<>();
    Queue<String> seenB = new ConcurrentLinkedQueue<>();
    try (RawUpstream a = recording(seenA);
        RawUpstream b = recording(seenB);
        SteadyProxy proxy =
            TestProxies.start(
                "--route",
                "/public=" + a.url(),
                "--route",
                "/api=" + b.url(),
                "--admin-port",
                "0")) {
      List<String> failures = new ArrayList<>();
      // /public/../api/secret: routed to "public" by its prefix, resolved to /api/secret upstream
      for (String form : hostileForms("/api/secret")) {
        if (!form.startsWith("/x")) {
          continue; // the forms that climb out of a first segment
        }
        String path = "/public" + form.substring(2);
        failures.addAll(failures(proxy.port(), "GET", List.of(path), seenA));
        assertThat(path, seenB.isEmpty(), is(true));
      }
      for (String own : OWN) {
        failures.addAll(
            failures(
                proxy.adminPort(),
                own.startsWith("/admin") ? "POST" : "GET",
                hostileForms(own),
                new ConcurrentLinkedQueue<>()));
      }
      assertThat(String.join("\n", failures), failures.isEmpty(), is(true));
    }
  }

  // RFC 9112 9.6: a client that sent Connection: close gets the connection closed after the
  // answer, the refusal of a hostile path included (nginx closes after its 400 too); the answer
  // says "Connection: close", so a connection left open would also be answering against its word.
  @Test
  void aRefusedPathClosesTheConnectionTheClientAskedToClose() throws Exception {
    Queue<String> seen = new ConcurrentLinkedQueue<>();
    try (RawUpstream upstream = recording(seen);
        SteadyProxy proxy = TestProxies.start("--upstream", upstream.url().toString());
        Socket socket = new Socket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout(10_000); // a bound, not a wait: EOF comes at once when the proxy closes
      socket
          .getOutputStream()
          .write(
              "GET /x/../health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String answer;
      try {
        answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the connection was still open after the 400", e);
      }
      assertThat(answer, containsString("HTTP/1.1 400 "));
      assertThat(answer, containsString("\"bad_path\""));
      assertThat(seen.isEmpty(), is(true));
    }
  }
}
