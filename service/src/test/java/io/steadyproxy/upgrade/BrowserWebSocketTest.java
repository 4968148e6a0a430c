package io.steadyproxy.upgrade;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.steadyproxy.SteadyProxy;
import io.steadyproxy.testing.TestProxies;
import io.steadyproxy.testing.WebSocketUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket pass-through as a browser does it: headless Chromium loads a page through the proxy
 * whose script opens {@code new WebSocket("ws://127.0.0.1:<proxy>/ws/echo")}, exchanges messages
 * with a real RFC 6455 upstream ({@link WebSocketUpstream}) behind the proxy, closes, and writes
 * what came back into the page. Chromium's {@code --dump-dom} prints the page, and the test reads
 * the echoed text there. The JDK's client ({@link UpgradeTest}) already covers the protocol; this
 * covers what only a browser brings: its own handshake fields (Origin, Sec-WebSocket-Extensions
 * with permessage-deflate, which the upstream declines), its framing and its close handshake.
 *
 * <p>Synchronisation without sleeps: {@code --dump-dom} prints the page once its load event fires,
 * and the page holds that event back with an image, {@code /page/hold}, that the page server
 * answers only once the script has posted its result to {@code /page/report} (or after {@link
 * #HOLD_SECONDS}, so a broken relay shows as a page without the echoes, not as a hang). Both go
 * through the proxy too.
 *
 * <p>Skipped, with a message, where {@code /usr/bin/chromium} is missing; {@code make test}
 * installs it from Debian's {@code chromium} package ({@code scripts/test-tools}).
 */
class BrowserWebSocketTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  /** Longest the page's load event is held back for the script's report. */
  private static final long HOLD_SECONDS = 30;

  /** Longest Chromium may run in all: start, the page, the exchange, the dump. */
  private static final long BROWSER_SECONDS = 90;

  /** The size of the large text message: several relay buffers, and frames of 64-bit length. */
  private static final int BIG = 256 * 1024;

  @TempDir Path dir;

  @Test
  void chromiumEchoesThroughTheProxyAndClosesCleanly() throws Exception {
    assumeTrue(
        Files.isExecutable(CHROMIUM),
        "headless Chromium is not installed at "
            + CHROMIUM
            + " (apt-get install chromium; make test installs it): browser WebSocket test skipped");
    try (WebSocketUpstream upstream = WebSocketUpstream.start();
        PageServer pages = PageServer.start();
        SteadyProxy proxy =
            TestProxies.start(
                "--upstream", upstream.url().toString(), "--route", "/page=" + pages.url())) {
      String origin = "http://127.0.0.1:" + proxy.port();
      pages.page(page("ws://127.0.0.1:" + proxy.port() + "/ws/echo"));

      String dom = Chromium.dumpDom(URI.create(origin + "/page/index.html"), dir);

      String report = pages.report().getNow("(the page reported nothing)");
      assertThat(
          "the page's result, as Chromium dumped it (the script's own report: " + report + ")",
          result(dom),
          is(
              String.join(
                  "\n",
                  "opened",
                  "echo: hello from chromium",
                  "big: " + BIG + " characters intact",
                  "binary: 1024 bytes intact",
                  "push: pushed 1,pushed 2,pushed 3",
                  "close: 1000 clean")));

      // The handshake the upstream read was the browser's, relayed with its Upgrade fields.
      var handshake = upstream.lastHandshake();
      assertThat(handshake.line(), is("GET /ws/echo HTTP/1.1"));
      assertThat(handshake.header("Upgrade"), is("websocket"));
      assertThat(handshake.header("Origin"), is(origin));
      assertThat(handshake.header("User-Agent"), containsString("Chrome"));
      // offered by the browser, declined by the upstream (its 101 names no extension): the
      // frames above were then uncompressed, as both ends agreed through the proxy
      assertThat(
          handshake.header("Sec-WebSocket-Extensions"), containsString("permessage-deflate"));
      assertThat(proxy.upgraded().total(), is(1L));
    }
  }

  /** The text of {@code <pre id="result">} in the dumped page, or the whole page if it has none. */
  private static String result(String dom) {
    String open = "<pre id=\"result\">";
    int start = dom.indexOf(open);
    int end = start < 0 ? -1 : dom.indexOf("</pre>", start);
    return end < 0 ? dom : dom.substring(start + open.length(), end);
  }

  /**
   * The page: a WebSocket conversation in steps (a greeting, a large text message, a binary
   * message, three messages the server pushes on command, a close), each result written into {@code
   * <pre id="result">} and then posted to {@code /page/report}.
   */
  private static String page(String wsUrl) {
    return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>SteadyProxy WebSocket</title>
        <link rel="icon" href="data:,"></head>
        <body>
        <pre id="result"></pre>
        <script>
        const out = document.getElementById("result");
        const lines = [];
        const note = (line) => { lines.push(line); out.textContent = lines.join("\\n"); };
        let reported = false;
        const report = () => {
          if (reported) return;
          reported = true;
          fetch("/page/report", {method: "POST", body: lines.join("\\n")});
        };
        const big = Array.from({length: %d}, (_, i) => String.fromCharCode(97 + (i * 7) %% 26))
            .join("");
        const binary = new Uint8Array(1024).map((_, i) => (i * 31) & 255);
        const pushed = [];
        let step = 0;
        const ws = new WebSocket("%s");
        ws.binaryType = "arraybuffer";
        ws.onopen = () => { note("opened"); ws.send("hello from chromium"); };
        ws.onmessage = (e) => {
          if (step === 0) {
            note("echo: " + e.data);
            step = 1;
            ws.send(big);
          } else if (step === 1) {
            note(e.data === big ? "big: " + big.length + " characters intact"
                : "big: mismatch, " + String(e.data).length + " characters");
            step = 2;
            ws.send(binary.buffer);
          } else if (step === 2) {
            const got = new Uint8Array(e.data);
            const same = got.length === binary.length && got.every((b, i) => b === binary[i]);
            note(same ? "binary: " + got.length + " bytes intact" : "binary: mismatch");
            step = 3;
            ws.send("push 3");
          } else if (step === 3) {
            pushed.push(e.data);
            if (pushed.length === 3) {
              note("push: " + pushed.join(","));
              step = 4;
              ws.close(1000, "done");
            }
          }
        };
        ws.onerror = () => note("error");
        ws.onclose = (e) => {
          note("close: " + e.code + (e.wasClean ? " clean" : " unclean"));
          report();
        };
        </script>
        <img id="hold" src="/page/hold" alt="">
        </body></html>
        """
        .formatted(BIG, wsUrl);
  }

  /**
   * The origin of the page, behind the proxy's {@code /page} route: the page itself, the report the
   * script posts, and the image that holds the page's load event until that report came.
   */
  private static final class PageServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final CompletableFuture<String> report = new CompletableFuture<>();
    private volatile String page = "";

    private PageServer() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      server.setExecutor(executor);
      server.createContext("/", e -> send(e, 404, "text/plain", "not found"));
      server.createContext("/page/index.html", e -> send(e, 200, "text/html", page));
      server.createContext(
          "/page/report",
          e -> {
            report.complete(new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            send(e, 204, null, "");
          });
      server.createContext(
          "/page/hold",
          e -> {
            try {
              report.get(HOLD_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException timedOut) {
              // let the page load anyway: the dump then shows how far the script got
            } catch (InterruptedException interrupted) {
              Thread.currentThread().interrupt();
            }
            send(e, 204, null, "");
          });
      server.start();
    }

    static PageServer start() throws IOException {
      return new PageServer();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void page(String html) {
      page = html;
    }

    CompletableFuture<String> report() {
      return report;
    }

    private static void send(HttpExchange e, int status, String type, String body)
        throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (type != null) {
        e.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
      }
      e.getResponseHeaders().set("Cache-Control", "no-store");
      e.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = e.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      report.complete("(closed)");
      server.stop(0);
      executor.shutdownNow();
    }
  }

  /** Runs headless Chromium once and returns the page it dumped. */
  private static final class Chromium {
    private Chromium() {}

    static String dumpDom(URI url, Path dir) throws Exception {
      Path profile = Files.createDirectory(dir.resolve("chromium-profile"));
      Path stdout = dir.resolve("chromium.out");
      Path stderr = dir.resolve("chromium.err");
      List<String> command =
          new ArrayList<>(
              List.of(
                  CHROMIUM.toString(),
                  "--headless",
                  // the test may run as root (containers, CI), where the sandbox can't start
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-dev-shm-usage",
                  "--disable-quic",
                  "--no-first-run",
                  "--no-default-browser-check",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--disable-extensions",
                  "--disable-crash-reporter",
                  "--no-proxy-server",
                  "--user-data-dir=" + profile,
                  "--dump-dom",
                  url.toString()));
      Process chromium =
          new ProcessBuilder(command)
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      // Chromium forks zygote, renderer, GPU and network processes. Once the browser process has
      // exited they are no longer its descendants, so the tree is noted while it runs, to end
      // every one of them below whatever happens.
      Set<ProcessHandle> tree = new HashSet<>();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BROWSER_SECONDS);
        while (!chromium.waitFor(100, TimeUnit.MILLISECONDS)) {
          chromium.descendants().forEach(tree::add);
          if (System.nanoTime() > deadline) {
            throw new AssertionError(
                "Chromium did not finish within "
                    + BROWSER_SECONDS
                    + " s; its log:\n"
                    + tail(stderr));
          }
        }
        String dom = Files.readString(stdout);
        if (chromium.exitValue() != 0 || dom.isBlank()) {
          throw new AssertionError(
              "Chromium exited with "
                  + chromium.exitValue()
                  + " and dumped "
                  + dom.length()
                  + " characters; its log:\n"
                  + tail(stderr));
        }
        return dom;
      } finally {
        chromium.descendants().forEach(tree::add);
        // children first; a ProcessHandle knows its process's start time, so a reused PID is safe
        tree.forEach(ProcessHandle::destroyForcibly);
        chromium.destroyForcibly();
        chromium.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : tree) {
          child.onExit().get(10, TimeUnit.SECONDS);
        }
      }
    }

    private static String tail(Path log) throws IOException {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
  }
}
