#!/usr/bin/env python3
"""SteadyProxy soak and memory benchmarks (`make soak`, not part of `make test`).

Three bounded runs, each against a fresh proxy, each printing a table and writing it into
src-docs/performance.md between the `<!-- soak:begin -->` and `<!-- soak:end -->` markers:

1. soak     -- at least --requests requests (default 1,000,000) through the proxy, mixing small,
               large (1-8 MiB), streamed (chunked and SSE) and aborted requests; RSS and heap after
               a forced GC are sampled over time and their growth from the first to the last quarter
               is reported (target < 5 %);
2. storm    -- --connections idle keep-alive client connections plus --sse open SSE streams at once;
               RSS and memory per connection (target: under 512 MB in total);
3. pressure -- the proxy under a --limit-mb memory limit (a cgroup when the kernel lets us, JVM limits
               otherwise) with its thresholds just under it, fed large concurrent uploads and
               downloads; shows zero OOM kills, load shed with 503 and every accepted request whole.

Set-up, as bench/bench.py: the proxy is pinned to core 0; this driver, wrk and the upstreams (an nginx
with static files and a chunked endpoint, and the proxy's own demo upstream in a separate JVM for /sse,
/echo and /big) share core 1. Everything listens on 127.0.0.1. Every run is bounded in time; only the
processes this script started are stopped, by PID. The proxy runs from a private copy of the launcher
and jar, so a rebuild by someone else in the tree cannot pull classes from under it.
"""
import argparse
import asyncio
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from loopback import free_port, rss_mb, wait_port

ROOT = Path(__file__).resolve().parent.parent
PROXY_CORE, LOAD_CORE = "0", "1"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"
MiB = 2**20
WORK = None  # the run's scratch directory, set in main()


# ---------------------------------------------------------------------------------------------------
# small helpers

def log(msg):
    """One progress line on stdout, with the wall-clock time."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fetch(port, method, path, timeout=30):
    """One request on a fresh connection; returns (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def health(port):
    """The proxy's /health document."""
    return json.loads(fetch(port, "GET", "/health")[1])


def cleanup(port):
    """POST /admin/cleanup: a full cleanup with System.gc(); returns its JSON (heap_after_mb, after_mb...)."""
    return json.loads(fetch(port, "POST", "/admin/cleanup", timeout=60)[1])


def metrics(port):
    """The Prometheus text at /observe/metrics."""
    return fetch(port, "GET", "/observe/metrics")[1].decode()


def metric_values(text, name):
    """{labels string: value} of every sample of one metric; a counter is matched by its name without _total."""
    out = {}
    for line in text.splitlines():
        m = re.match(rf"^{re.escape(name)}(?:_total)?(\{{[^}}]*\}})?\s+([-+0-9.eE]+|NaN)", line)
        if m:
            out[m.group(1) or ""] = out.get(m.group(1) or "", 0.0) + float(m.group(2))
    return out


def wait_pool_idle(port, timeout):
    """Polls /health until pool.in_use is 0; returns (in_use, seconds waited)."""
    start = time.time()
    in_use = -1
    while time.time() - start < timeout:
        try:
            in_use = health(port)["pool"]["in_use"]
        except (OSError, ValueError, KeyError):
            in_use = -1
        if in_use == 0:
            break
        time.sleep(0.5)
    return in_use, time.time() - start


def growth(samples):
    """Mean of the last quarter over the mean of the first quarter, in percent."""
    q = max(1, len(samples) // 4)
    first, last = statistics.mean(samples[:q]), statistics.mean(samples[-q:])
    return first, last, (last - first) / first * 100 if first else float("nan")


def raise_nofile(n):
    """Raises this process's open-file limit (children inherit it); root may raise the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if os.geteuid() == 0 else min(n, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------------------------------------------
# processes

class Procs:
    """Processes this script started; stopped by PID only (never by name)."""

    def __init__(self):
        self.procs = []

    def start(self, name, cmd, core, env=None, prefix=()):
        """Starts cmd pinned to a core, logging to WORK/<name>.log; prefix runs before taskset."""
        logf = open(WORK / f"{name}.log", "w")
        p = subprocess.Popen(list(prefix) + ["taskset", "-c", core] + cmd, stdout=logf,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env=dict(os.environ, **(env or {})))
        self.procs.append((name, p))
        return p

    def stop(self, p, timeout=20):
        """SIGTERM to one of our processes, SIGKILL if it will not go."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = [(n, q) for n, q in self.procs if q is not p]

    def stop_all(self):
        for _, p in list(self.procs):
            self.stop(p)


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def private_launcher():
    """Copies bin/start-proxy, scripts/find-jdk and the jar with its libs into WORK; returns the launcher."""
    jar = ROOT / "service" / "target" / "steadyproxy-service.jar"
    if not jar.exists():
        raise SystemExit("soak: build the service first (make soak does)")
    for rel in ("bin/start-proxy", "scripts/find-jdk"):
        (WORK / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, WORK / rel)
    target = WORK / "service" / "target"
    target.mkdir(parents=True)
    shutil.copy2(jar, target / jar.name)
    if (jar.parent / "libs").is_dir():
        shutil.copytree(jar.parent / "libs", target / "libs")
    return WORK / "bin" / "start-proxy"


def launcher_heap():
    """The launcher's heap flags, as the tables name them (e.g. `-Xms112m -Xmx112m`)."""
    return " ".join(o for o in launcher_java_opts().split() if o.startswith(("-Xms", "-Xmx")))


def launcher_java_opts(heap_mb=None, extra=""):
    """The launcher's default JVM flags (read from bin/start-proxy), with -Xmx replaced when heap_mb is given."""
    m = re.search(r'default_opts="([^"]+)"', (ROOT / "bin" / "start-proxy").read_text())
    opts = m.group(1) if m else "-Xmx112m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
    if heap_mb:
        opts = re.sub(r"-Xmx\S+", f"-Xmx{heap_mb}m", opts)
    return (opts + " " + extra).strip()


def start_proxy(procs, name, port, upstream, extra=(), env=None, prefix=()):
    """Starts SteadyProxy (the launcher's JVM defaults unless env sets PROXY_JAVA_OPTS) on core 0."""
    cmd = [str(WORK / "bin" / "start-proxy"), "--host", "127.0.0.1", "--port", str(port), "--log-file", "",
           "--access-log", "false"]
    if upstream:
        cmd += ["--upstream", upstream]
    p = procs.start(name, cmd + list(extra), PROXY_CORE, env=env, prefix=prefix)
    wait_port(port, who="soak")
    return p


class Upstreams:
    """nginx (static /small, /files/{1,4,8}m.bin, chunked /chunked.txt) and the demo upstream JVM."""

    def __init__(self, procs):
        self.nginx_port = free_port()
        www = WORK / "www"
        (www / "files").mkdir(parents=True)
        for mb in (1, 4, 8):
            with open(www / "files" / f"{mb}m.bin", "wb") as f:
                f.write(os.urandom(MiB) * mb)
        (www / "chunked.txt").write_text(("steadyproxy chunked line\n" * 2700)[:64 * 1024])
        for path in [www] + list(www.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        (WORK / "upstream.conf").write_text(f"""
worker_processes 1; daemon off; pid {WORK}/upstream.pid; error_log stderr error;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  client_body_temp_path {WORK}/up_body; proxy_temp_path {WORK}/up_proxy; fastcgi_temp_path {WORK}/up_fcgi;
  uwsgi_temp_path {WORK}/up_uwsgi; scgi_temp_path {WORK}/up_scgi;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{self.nginx_port} backlog=4096;
    root {www};
    location = /small {{ default_type text/plain; return 200 "{'x' * 100}"; }}
    # sub_filter drops Content-Length, so this 64 KiB file goes out chunked
    location = /chunked.txt {{ default_type text/plain; sub_filter_types *; sub_filter 'never-there' 'x'; }}
  }}
}}
""")
        WORK.chmod(0o755)  # nginx workers run unprivileged and must read the files
        procs.start("upstream-nginx", [nginx_bin(), "-c", str(WORK / "upstream.conf"), "-p", str(WORK)], LOAD_CORE)
        # The demo upstream lives in a proxy JVM of its own (started without --upstream), on core 1,
        # so its memory never counts against the proxy under test.
        front = free_port()
        procs.start("upstream-demo", [str(WORK / "bin" / "start-proxy"), "--host", "127.0.0.1", "--port", str(front),
                                      "--log-file", "", "--access-log", "false"], LOAD_CORE)
        wait_port(self.nginx_port, who="soak")
        wait_port(front, who="soak")
        deadline = time.time() + 30
        self.demo_url = None
        while time.time() < deadline and not self.demo_url:
            m = re.search(r"demo upstream at (http://127\.0\.0\.1:\d+)", (WORK / "upstream-demo.log").read_text())
            self.demo_url = m.group(1) if m else None
            time.sleep(0.2)
        if not self.demo_url:
            raise SystemExit("soak: the demo upstream did not say where it listens (see upstream-demo.log)")
        self.nginx_url = f"http://127.0.0.1:{self.nginx_port}"


# ---------------------------------------------------------------------------------------------------
# 1. soak

MIX_LUA = r"""
-- SteadyProxy soak mix: one request picked at random per call, weights per 1000.
local mix = {
  {880, "GET",  "/small"},
  {4,   "GET",  "/files/1m.bin"},
  {3,   "GET",  "/files/4m.bin"},
  {2,   "GET",  "/files/8m.bin"},
  {51,  "GET",  "/chunked.txt"},
  {30,  "GET",  "/demo/sse?count=4&interval_ms=1"},
  {30,  "POST", "/demo/echo"},
}
local reqs = {}
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  statuses = {}
  local body = string.rep("e", 16384)
  for _, m in ipairs(mix) do
    local r
    if m[2] == "POST" then
      r = wrk.format("POST", m[3], {["Content-Type"] = "application/octet-stream"}, body)
    else
      r = wrk.format("GET", m[3])
    end
    for i = 1, m[1] do reqs[#reqs + 1] = r end
  end
end

function request() return reqs[math.random(#reqs)] end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("STATUS %d %d\n", k, v)) end
end
"""


def run_wrk(port, conns, seconds, script):
    """One bounded wrk run with the mix script on core 1; returns counts parsed from its output."""
    out = subprocess.run(["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency",
                          "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"(\d+) requests in", out)
    res = {"requests": int(m.group(1)) if m else 0, "statuses": {}, "socket_errors": {}}
    for code, n in re.findall(r"STATUS (\d+) (\d+)", out):
        res["statuses"][int(code)] = int(n)
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if se:
        res["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, se.groups())))
    for p in ("50", "99"):
        lm = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        res[f"p{p}"] = float(lm.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[lm.group(2)] if lm else float("nan")
    return res


class Aborter(threading.Thread):
    """Clients that walk away mid-exchange: mid-download, mid-SSE, mid-upload, before the answer.

    Half of the closes are abortive (SO_LINGER 0, so the proxy sees a reset), half orderly."""

    KINDS = ("download", "sse", "upload", "before_head")

    def __init__(self, port, stop, seed):
        super().__init__(daemon=True)
        self.port, self.stop_event, self.rng = port, stop, random.Random(seed)
        self.done = {k: 0 for k in self.KINDS}
        self.failed = 0

    def run(self):
        while not self.stop_event.is_set():
            kind = self.rng.choice(self.KINDS)
            try:
                self.one(kind)
                self.done[kind] += 1
            except OSError:
                self.failed += 1
            time.sleep(0.005)

    def one(self, kind):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            if kind == "download":
                s.sendall(b"GET /files/8m.bin HTTP/1.1\r\nHost: soak\r\n\r\n")
                self.read_some(s, self.rng.randint(16 * 1024, 2 * MiB))
            elif kind == "sse":
                s.sendall(b"GET /demo/sse?count=50&interval_ms=20 HTTP/1.1\r\nHost: soak\r\n\r\n")
                self.read_some(s, self.rng.randint(200, 600))
            elif kind == "upload":
                s.sendall(b"POST /demo/echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 4194304\r\n\r\n")
                s.sendall(b"u" * self.rng.randint(1024, MiB))
            else:
                s.sendall(b"GET /demo/slow?delay_ms=200 HTTP/1.1\r\nHost: soak\r\n\r\n")
                time.sleep(0.02)
            if self.rng.random() < 0.5:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            s.close()

    @staticmethod
    def read_some(s, n):
        got = 0
        while got < n:
            b = s.recv(min(65536, n - got))
            if not b:
                return
            got += len(b)


def run_soak(procs, ups, args):
    """Run 1: the soak. Returns the markdown table."""
    port = free_port()
    demo_route = f"/demo={ups.demo_url};strip"
    proxy = start_proxy(procs, "soak-proxy", port, ups.nginx_url, ["--route", demo_route])
    script = WORK / "mix.lua"
    script.write_text(MIX_LUA)
    # Sanity: each kind of request answers through the proxy before we load it.
    for path in ("/small", "/files/1m.bin", "/chunked.txt", "/demo/sse?count=2&interval_ms=1"):
        status, body = fetch(port, "GET", path)
        if status != 200:
            raise SystemExit(f"soak: GET {path} through the proxy answered {status}: {body[:200]!r}")

    log(f"soak: warming up the JIT for {args.warmup}s (not counted) ...")
    run_wrk(port, args.wrk_connections, args.warmup, script)
    base = cleanup(port)
    log(f"soak: after warm-up rss {rss_mb(proxy.pid):.0f} MB, heap after GC {base['heap_after_mb']:.1f} MB")

    samples = []  # (t, rss before the GC, heap after GC, rss after GC)
    stop = threading.Event()

    def sampler():
        t0 = time.time()
        while not stop.wait(args.sample_interval):
            rss = rss_mb(proxy.pid)
            try:
                c = cleanup(port)
                samples.append((time.time() - t0, rss, c["heap_after_mb"], c["after_mb"]))
            except (OSError, ValueError, KeyError):
                pass

    aborters = [Aborter(port, stop, seed) for seed in range(args.aborters)]
    threads = [threading.Thread(target=sampler, daemon=True)] + aborters
    for t in threads:
        t.start()
    t0 = time.time()
    total, statuses, sock_err, chunks = 0, {}, {}, []
    log(f"soak: {args.requests:,} requests or {args.seconds}s, whichever comes first; "
        f"wrk {args.wrk_connections} connections + {args.aborters} aborting clients")
    while total < args.requests and time.time() - t0 < args.seconds:
        left = args.seconds - (time.time() - t0)
        chunk = int(max(5, min(args.chunk, left)))
        r = run_wrk(port, args.wrk_connections, chunk, script)
        total += r["requests"]
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in r["socket_errors"].items():
            sock_err[k] = sock_err.get(k, 0) + v
        chunks.append(r)
        aborted_so_far = sum(sum(a.done.values()) for a in aborters)
        log(f"soak: {total:>9,} wrk requests + {aborted_so_far:,} aborted, {time.time() - t0:5.0f}s, "
            f"rss {rss_mb(proxy.pid):.0f} MB, chunk p50 {r['p50']:.2f} ms p99 {r['p99']:.1f} ms")
    elapsed = time.time() - t0
    stop.set()
    for t in threads:
        t.join(timeout=30)
    aborted = {k: sum(a.done[k] for a in aborters) for k in Aborter.KINDS}
    abort_failed = sum(a.failed for a in aborters)

    in_use, waited = wait_pool_idle(port, 30)
    h = health(port)
    m = metrics(port)
    upstream_errors = {re.sub(r'.*class="([^"]*)".*', r"\1", k): int(v)
                       for k, v in metric_values(m, "steadyproxy_errors").items() if v}
    alive = proxy.poll() is None
    procs.stop(proxy)

    rss = [s[1] for s in samples]
    heap = [s[2] for s in samples]
    rss_gc = [s[3] for s in samples]
    if len(samples) < 4:
        raise SystemExit("soak: too few memory samples; raise --seconds or lower --sample-interval")
    r0, r1, rg = growth(rss)
    h0, h1, hg = growth(heap)
    g0, g1, gg = growth(rss_gc)
    errors = {k: v for k, v in sorted(statuses.items()) if not 200 <= k < 400}
    done_total = total + sum(aborted.values())
    lines = [
        f"**Soak.** Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} shared cores "
        f"(proxy on core 0; wrk, the upstreams and the aborting clients on core 1), launcher defaults "
        f"(`{launcher_heap()}`, Serial GC), seed pool (100/20). After {args.warmup}s of JIT warm-up, wrk "
        f"({args.wrk_connections} connections) sent a mix of 88 % 100 B responses, 0.9 % 1/4/8 MiB files, "
        f"5.1 % 64 KiB chunked responses, 3 % short SSE streams and 3 % 16 KiB echo uploads, while "
        f"{args.aborters} clients aborted downloads, SSE streams, uploads and waits mid-way (half with a "
        f"reset). Every {args.sample_interval}s: RSS, then `POST /admin/cleanup` (a full GC) for the heap "
        f"after GC. Growth = mean of the last quarter of samples over the first quarter.", "",
        "| measure | value | target |", "|---|---:|---|",
        f"| requests completed by wrk | {total:,} | |",
        f"| requests aborted by clients ({', '.join(f'{k} {v:,}' for k, v in aborted.items())}) "
        f"| {sum(aborted.values()):,} | |",
        f"| requests in all | {done_total:,} | ≥ {args.requests:,} {'✅' if done_total >= args.requests else '❌'} |",
        f"| duration, rate | {elapsed:.0f} s, {total / elapsed:,.0f} req/s | |",
        f"| non-2xx/3xx answers by status | {', '.join(f'{k}: {v:,}' for k, v in errors.items()) or 'none'} | |",
        f"| wrk socket errors | {', '.join(f'{k} {v}' for k, v in sock_err.items() if v) or 'none'} | |",
        f"| proxy's upstream error classes | {', '.join(f'{k} {v:,}' for k, v in sorted(upstream_errors.items())) or 'none'} | |",
        f"| memory samples | {len(samples)} every {args.sample_interval}s | |",
        f"| RSS, first → last quarter | {r0:.1f} → {r1:.1f} MB ({rg:+.1f} %) | < 5 % {'✅' if rg < 5 else '❌'} |",
        f"| heap after GC, first → last quarter | {h0:.1f} → {h1:.1f} MB ({hg:+.1f} %) | < 5 % {'✅' if hg < 5 else '❌'} |",
        f"| RSS after GC, first → last quarter | {g0:.1f} → {g1:.1f} MB ({gg:+.1f} %) | |",
        f"| RSS min / max over the run | {min(rss):.0f} / {max(rss):.0f} MB | |",
        f"| `/health` pool after the run | in_use {in_use} (after {waited:.1f} s), open {h['pool']['open']}, "
        f"idle {h['pool']['idle']}, waiting {h['pool']['waiting']} | in_use 0 {'✅' if in_use == 0 else '❌'} |",
        f"| proxy alive at the end | {'yes' if alive else 'NO'} | |",
    ]
    if abort_failed:
        lines.append(f"| aborting clients that could not connect | {abort_failed} | |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# 2. connection storm

async def read_response(reader):
    """Reads one HTTP/1.1 response with a Content-Length; returns (status, body length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    n = int(m.group(1)) if m else 0
    await reader.readexactly(n)
    return status, n


async def probe(port):
    """One `GET /small` on a new connection: its status, or the error's name (refused, reset, timeout)."""
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        try:
            w.write(b"GET /small HTTP/1.1\r\nHost: storm\r\nConnection: close\r\n\r\n")
            status, _ = await asyncio.wait_for(read_response(r), 10)
            return str(status)
        finally:
            w.close()
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
        return type(e).__name__


async def storm_client(port, args, on_open, on_idle_open=None):
    """Opens --connections idle keep-alive connections and --sse SSE streams, holds them, closes them.

    `on_idle_open()` is called (in a thread) once the idle connections are open, before the SSE
    streams; `on_open()` once everything is open and returns after the hold; the function returns
    counts of what opened, what stayed usable, how many events arrived and what a new connection got
    during the storm and after it."""
    sem = asyncio.Semaphore(args.open_concurrency)
    idle, streams = [], []
    events = {"after_first": 0}
    failures = {"idle": 0, "sse": 0}

    async def open_idle():
        async with sem:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                w.write(b"GET /small HTTP/1.1\r\nHost: storm\r\n\r\n")
                status, _ = await asyncio.wait_for(read_response(r), 30)
                if status != 200:
                    raise OSError(f"status {status}")
                idle.append((r, w))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                failures["idle"] += 1

    async def open_sse():
        async with sem:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                w.write(f"GET /demo/sse?count=100000&interval_ms={args.sse_interval_ms} HTTP/1.1\r\n"
                        f"Host: storm\r\n\r\n".encode())
                head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
                if b" 200 " not in head.split(b"\r\n", 1)[0] + b" ":
                    raise OSError(head.split(b"\r\n", 1)[0].decode())
                await asyncio.wait_for(r.readuntil(b"\n\n"), 30)  # event 1 comes at once
                streams.append((r, w))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError):
                failures["sse"] += 1

    async def drain(r):
        try:
            while True:
                chunk = await r.read(4096)
                if not chunk:
                    return
                events["after_first"] += chunk.count(b"data: event")
        except (OSError, asyncio.CancelledError):
            return

    t0 = time.time()
    await asyncio.gather(*(open_idle() for _ in range(args.connections)))
    t_idle = time.time() - t0
    if on_idle_open:
        await asyncio.get_running_loop().run_in_executor(None, on_idle_open, len(idle))
    await asyncio.gather(*(open_sse() for _ in range(args.sse)))
    t_all = time.time() - t0
    drains = [asyncio.ensure_future(drain(r)) for r, _ in streams]
    probe_during = await probe(port)
    await asyncio.get_running_loop().run_in_executor(None, on_open)
    # Are the idle connections still usable after the hold? Reuse a sample of them.
    reused_ok, reuse_errors = 0, {}
    sample = random.Random(1).sample(idle, min(len(idle), 500))
    for r, w in sample:
        try:
            w.write(b"GET /small HTTP/1.1\r\nHost: storm\r\n\r\n")
            status, _ = await asyncio.wait_for(read_response(r), 10)
            reused_ok += status == 200
            if status != 200:
                reuse_errors[str(status)] = reuse_errors.get(str(status), 0) + 1
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            reuse_errors[type(e).__name__] = reuse_errors.get(type(e).__name__, 0) + 1
    for d in drains:
        d.cancel()
    for _, w in idle + streams:
        w.close()
    t_closed = time.time()
    await asyncio.sleep(1)
    # After the storm a new connection must be served again: admission resumes at a GC once the memory
    # the connections held is garbage. An SSE stream's handler only sees its client gone at its next
    # event, so that can take up to one event interval; wait that long, and 20 s more, for a 200.
    probe_after = "-"
    while time.time() - t_closed < args.sse_interval_ms / 1000 + 20:
        probe_after = await probe(port)
        if probe_after == "200":
            break
        await asyncio.sleep(0.5)
    served_after_s = time.time() - t_closed
    return {"probe_during": probe_during, "probe_after": probe_after, "served_after_s": served_after_s,
            "idle": len(idle), "sse": len(streams), "failures": failures, "open_idle_s": t_idle,
            "open_all_s": t_all, "reused_ok": reused_ok, "reuse_errors": reuse_errors, "reused": len(sample), "events": events["after_first"]}


def storm_attempt(procs, ups, args, heap_mb):
    """One storm against a fresh proxy; heap_mb None keeps the launcher's JVM flags. Returns the measures."""
    port = free_port()
    admin = free_port()  # /health and /admin/cleanup on the admin socket: admission gates only the main one
    opts = launcher_java_opts(heap_mb) if heap_mb else None
    name = f"storm-proxy-{heap_mb or 'default'}"
    extra = ["--route", f"/demo={ups.demo_url};strip", "--max-connections", str(args.sse + 100),
             "--admin-port", str(admin),
             # the storm measures connections: lift the client-connection cap above what it opens, and
             # the keep-alive timeout (75 s) above the storm's length, or on a busy machine, where opening
             # them all takes longer, the first ones are closed before they are counted and reused
             "--max-client-connections", str(args.connections + args.sse + 1000),
             "--client-keepalive-timeout", "900"]
    if heap_mb:
        # With a big heap RSS passes the default 500 MB maximum and the proxy would shed our reuse checks;
        # this attempt measures connections, so its thresholds sit above what the heap allows.
        extra += ["--max-memory-usage", str(heap_mb + 1024), "--cleanup-threshold", str(heap_mb + 768)]
    proxy = start_proxy(procs, name, port, ups.nginx_url, extra, env={"PROXY_JAVA_OPTS": opts} if opts else None)
    script = WORK / "storm-warm.lua"
    script.write_text(MIX_LUA.replace('{4,   "GET",  "/files/1m.bin"}', '{0, "GET", "/small"}')
                      .replace('{3,   "GET",  "/files/4m.bin"}', '{0, "GET", "/small"}')
                      .replace('{2,   "GET",  "/files/8m.bin"}', '{0, "GET", "/small"}'))
    run_wrk(port, 64, args.storm_warmup, script)
    base = cleanup(admin)
    time.sleep(1)
    out = {"heap": f"-Xmx{heap_mb}m" if heap_mb else f"launcher defaults ({launcher_heap()})", "base_rss": rss_mb(proxy.pid),
           "base_heap": base["heap_after_mb"], "peak": 0.0, "died": False}
    log(f"storm [{out['heap']}]: baseline rss {out['base_rss']:.0f} MB, heap after GC {out['base_heap']:.1f} MB; "
        f"opening {args.connections:,} idle + {args.sse:,} SSE connections ...")
    stop = threading.Event()

    def peak_sampler():
        """Peak RSS over the whole storm, opening included (the proxy may die before the hold)."""
        while not stop.wait(0.5) and proxy.poll() is None:
            out["peak"] = max(out["peak"], rss_mb(proxy.pid))

    sampler = threading.Thread(target=peak_sampler, daemon=True)
    sampler.start()

    def hold():
        """Runs in a thread while every connection is open: samples memory for --hold seconds."""
        t0 = time.time()
        try:
            h = health(admin)
            out["pool"], out["shedding"] = h["pool"], h["shedding"]
            while time.time() - t0 < args.hold and proxy.poll() is None:
                out["peak"] = max(out["peak"], rss_mb(proxy.pid))
                time.sleep(1)
            out["threads"] = len(os.listdir(f"/proc/{proxy.pid}/task"))
            out["fds"] = len(os.listdir(f"/proc/{proxy.pid}/fd"))
            out["heap_after_gc"] = cleanup(admin)["heap_after_mb"]
            time.sleep(0.5)
            out["rss_after_gc"] = rss_mb(proxy.pid)
            out["admission"] = health(admin).get("admission")
        except (OSError, ValueError, KeyError):
            out["died"] = proxy.poll() is not None
        log(f"storm [{out['heap']}]: held {time.time() - t0:.0f}s: rss peak {out['peak']:.0f} MB, "
            f"pool {out.get('pool')}, proxy {'DIED' if proxy.poll() is not None else 'alive'}")

    def idle_open(n):
        """Runs in a thread once the idle connections are open: their live heap, before any SSE stream."""
        try:
            out["idle_heap"] = cleanup(admin)["heap_after_mb"]
            out["idle_rss"] = rss_mb(proxy.pid)
            out["idle_held"] = n
        except (OSError, ValueError, KeyError):
            pass

    out.update(asyncio.run(storm_client(port, args, hold, idle_open)))
    stop.set()
    sampler.join()
    if proxy.poll() is None:
        out["in_use"], out["waited"] = wait_pool_idle(admin, args.sse_interval_ms / 1000 + 20)
        try:
            out["admission_end"] = health(admin).get("admission")
        except (OSError, ValueError, KeyError):
            pass
    out["died"] = proxy.poll() is not None
    if out["died"]:
        text = (WORK / f"{name}.log").read_text()
        m = re.search(r"(?m)^.*(OutOfMemoryError.*)$", text)
        out["death"] = m.group(1).strip() if m else f"exit status {proxy.returncode}"
    procs.stop(proxy)
    n = out["idle"] + out["sse"]
    if n and not out["died"]:
        out["per_conn"] = (out["peak"] - out["base_rss"]) * 1024 / n
        out["per_conn_heap"] = (out["heap_after_gc"] - out["base_heap"]) * 1024 / n
    if out.get("idle_held"):
        out["per_idle_heap"] = (out["idle_heap"] - out["base_heap"]) * 1024 / out["idle_held"]
        out["per_idle_rss"] = (out["idle_rss"] - out["base_rss"]) * 1024 / out["idle_held"]
    return out


def run_storm(procs, ups, args):
    """Run 2: the connection storm, with the launcher's JVM flags and, if that proxy dies or --storm-heap-mb
    asks for it, again with a bigger heap. Returns the markdown table."""
    attempts = [storm_attempt(procs, ups, args, None)]
    if attempts[0]["died"] and args.storm_heap_mb:
        log(f"storm: the proxy died ({attempts[0]['death']}); again with -Xmx{args.storm_heap_mb}m")
        attempts.append(storm_attempt(procs, ups, args, args.storm_heap_mb))

    def row(label, fn, target=""):
        cells = []
        for a in attempts:
            try:
                cells.append(fn(a))
            except (KeyError, TypeError, ValueError):
                cells.append("-")
        return f"| {label} | " + " | ".join(cells) + f" | {target} |"

    def ok(a):
        return not a["died"] and a["peak"] < 256

    def admission(a, key):
        """Admission counts from /health after the storm (the proxy's own, since its start)."""
        adm = a.get("admission_end") or a.get("admission") or {}
        return f"{adm[key]:,}"

    lines = [
        f"**Connection storm.** Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: a fresh proxy with "
        f"`--max-connections {args.sse + 100}`, the client-connection cap lifted (`--max-client-connections "
        f"{args.connections + args.sse + 1000}`) and `--client-keepalive-timeout 900`, on core 0, warmed up {args.storm_warmup} s then GC'd for the "
        f"baseline; a Python asyncio client on core 1 opened {args.connections:,} keep-alive connections (one "
        f"`GET /small` each, then idle) and {args.sse:,} SSE streams to the demo upstream (one event every "
        f"{args.sse_interval_ms / 1000:.0f} s), {args.open_concurrency} connects at a time, held them "
        f"{args.hold} s, reused up to 500 of the idle ones, then closed everything. Per-connection figures "
        f"divide by all connections (idle + SSE). Load average at the end: {os.getloadavg()[0]:.1f} (2 cores, "
        f"shared).", "",
        "| measure | " + " | ".join(a["heap"] for a in attempts) + " | target |",
        "|---|" + "---:|" * len(attempts) + "---|",
        row("idle keep-alive connections open (failed)", lambda a: f"{a['idle']:,} ({a['failures']['idle']:,})"),
        row("SSE streams open (failed)", lambda a: f"{a['sse']:,} ({a['failures']['sse']:,})"),
        row("time to open them all", lambda a: f"{a['open_all_s']:.1f} s"),
        row("proxy survived", lambda a: "yes" if not a["died"] else f"**no**: {a['death']}"),
        row("thresholds (`--max-memory-usage` / `--cleanup-threshold`)",
            lambda a: "500 / 400 MB (defaults)" if a["heap"].startswith("launcher") else
            f"{int(a['heap'][4:-1]) + 1024} / {int(a['heap'][4:-1]) + 768} MB"),
        row("upstream pool while held (in_use / open)", lambda a: f"{a['pool']['in_use']} / {a['pool']['open']}"),
        row("shedding while held", lambda a: "yes" if a["shedding"] else "no"),
        row("proxy threads / file descriptors while held", lambda a: f"{a['threads']} / {a['fds']:,}"),
        row("SSE events received after the first", lambda a: f"{a['events']:,}"),
        row("connection admission: stops / deferred / refused (503)",
            lambda a: f"{admission(a, 'stops')} / {admission(a, 'deferred')} / {admission(a, 'refused')}"),
        row("a new connection's `GET /small` during the hold / after closing everything",
            lambda a: f"{a['probe_during']} / {a['probe_after']} ({a['served_after_s']:.1f} s after closing)",
            "200 or 503 / 200"),
        row("idle connections still usable after the hold", lambda a: f"{a['reused_ok']} of {a['reused']}"
            + (f" ({', '.join(f'{k} {v}' for k, v in a['reuse_errors'].items())})" if a["reuse_errors"] else "")),
        row("RSS before (warm, after GC)", lambda a: f"{a['base_rss']:.0f} MB"),
        row("RSS peak with all connections open", lambda a: f"{a['peak']:.0f} MB" if not a["died"] else
            f"{a['peak']:.0f} MB before dying", "< 256 MB " + " ".join("✅" if ok(a) else "❌" for a in attempts)),
        row("RSS after a GC, all connections open", lambda a: f"{a['rss_after_gc']:.0f} MB"),
        row("RSS per connection (peak delta / connections)", lambda a: f"{a['per_conn']:.1f} KiB"),
        row("live heap per connection (heap after GC, delta)", lambda a: f"{a['per_conn_heap']:.1f} KiB"),
        row("idle connections only, before the SSE streams: live heap / RSS per connection",
            lambda a: f"{a['per_idle_heap']:.1f} / {a['per_idle_rss']:.1f} KiB ({a['idle_held']:,} held)"),
        row("`/health` pool in_use after closing", lambda a: f"{a['in_use']} (after {a['waited']:.1f} s)", "0"),
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# 3. memory pressure

class MemoryLimit:
    """A memory limit around the proxy: cgroup v2, else cgroup v1, else none (JVM limits only)."""

    def __init__(self, limit_mb):
        self.limit_mb = limit_mb
        self.kind, self.path, self.note = "jvm", None, ""
        candidates = [(Path("/sys/fs/cgroup"), "v2"), (Path("/sys/fs/cgroup/unified"), "v2"),
                      (Path("/sys/fs/cgroup/memory"), "v1")]
        errors = []
        for root, kind in candidates:
            if kind == "v2":
                ctl = root / "cgroup.controllers"
                if not ctl.exists() or "memory" not in ctl.read_text().split():
                    continue
            elif not (root / "memory.limit_in_bytes").exists():
                continue
            path = root / f"steadyproxy-soak-{os.getpid()}"
            try:
                path.mkdir()
                if kind == "v2":
                    (path / "memory.max").write_text(str(limit_mb * MiB))
                    (path / "memory.swap.max").exists() and (path / "memory.swap.max").write_text("0")
                else:
                    (path / "memory.limit_in_bytes").write_text(str(limit_mb * MiB))
                    swap = path / "memory.memsw.limit_in_bytes"
                    if swap.exists():
                        try:
                            swap.write_text(str(limit_mb * MiB))
                        except OSError:
                            pass
                self.kind, self.path = f"cgroup {kind}", path
                return
            except OSError as e:
                errors.append(f"{path}: {e}")
                try:
                    path.rmdir()
                except OSError:
                    pass
        self.note = "; ".join(errors) or "no writable memory cgroup"

    def prefix(self):
        """A command prefix that moves the process into the cgroup before it execs (so every page is charged)."""
        if not self.path:
            return ()
        return ("sh", "-c", f'echo $$ > "{self.path}/cgroup.procs" && exec "$@"', "sh")

    def usage_mb(self):
        if not self.path:
            return float("nan")
        f = "memory.current" if self.kind.endswith("v2") else "memory.usage_in_bytes"
        return int((self.path / f).read_text()) / MiB

    def peak_mb(self):
        if not self.path:
            return float("nan")
        f = "memory.peak" if self.kind.endswith("v2") else "memory.max_usage_in_bytes"
        p = self.path / f
        return int(p.read_text()) / MiB if p.exists() else float("nan")

    def oom_kills(self):
        """OOM kills inside the cgroup (memory.events or memory.oom_control), None without a cgroup."""
        if not self.path:
            return None
        f = "memory.events" if self.kind.endswith("v2") else "memory.oom_control"
        for line in (self.path / f).read_text().splitlines():
            k, _, v = line.partition(" ")
            if k == "oom_kill":
                return int(v)
        return None

    def hits(self):
        """How often usage hit the limit (v2: memory.events max; v1: memory.failcnt)."""
        if not self.path:
            return None
        if self.kind.endswith("v2"):
            for line in (self.path / "memory.events").read_text().splitlines():
                if line.startswith("max "):
                    return int(line.split()[1])
            return None
        return int((self.path / "memory.failcnt").read_text())

    def remove(self):
        if self.path:
            for _ in range(20):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.5)


async def pressure_client(port, args, deadline, stats):
    """--parallel workers, each in a loop until the deadline: an upload of --upload-mb MiB to /echo or a
    download of --body-mb MiB from /big, on a new connection each.

    Every answer is checked: a 200 must carry the full body; a 503 `overloaded` is a shed request;
    anything else is counted by status and error class (the JSON `error` field)."""
    block = b"p" * (256 * 1024)

    def count(key):
        stats[key] = stats.get(key, 0) + 1

    async def exchange(upload):
        size = (args.upload_mb if upload else args.body_mb) * MiB
        kind = "upload" if upload else "download"
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        sender = None
        try:
            if upload:
                w.write(f"POST /echo HTTP/1.1\r\nHost: pressure\r\nContent-Length: {size}\r\n"
                        f"Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n".encode())
            else:
                w.write(f"GET /big?size={size} HTTP/1.1\r\nHost: pressure\r\nConnection: close\r\n\r\n".encode())

            async def send_body():
                try:
                    left = size
                    while left > 0:
                        w.write(block[:min(len(block), left)])
                        left -= min(len(block), left)
                        await w.drain()
                except (OSError, asyncio.CancelledError):
                    pass  # reported by the reader: a reset before the answer shows as a client error

            if upload:
                # Sent at once, as most clients do, even though a shed answer may come first: the proxy
                # reads the rest off before it closes, so the 503 must still arrive (none may be lost).
                sender = asyncio.ensure_future(send_body())
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 60)
            status = int(head.split(b" ", 2)[1])
            m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            want = int(m.group(1)) if m else None
            got, body = 0, b""
            while want is None or got < want:
                chunk = await asyncio.wait_for(r.read(256 * 1024), 60)
                if not chunk:
                    break
                got += len(chunk)
                if status != 200 and len(body) < 4096:
                    body += chunk
            if status == 503 and b'"overloaded"' in body:
                count("shed_503_overloaded")
                await asyncio.sleep(args.backoff)  # a polite client backs off (the proxy says Retry-After: 5)
            elif status == 200 and got == size and want == size:
                count(f"{kind}_complete")
            elif status == 200:
                count(f"{kind}_truncated")
            else:
                err = re.search(rb'"error":"([a-z_]+)"', body)
                err = err.group(1).decode() if err else "no_error_field"
                # a 503 pool_exhausted is a refusal with Retry-After, as a shed request is: nothing was taken
                count(f"refused_{kind}_{status}_{err}" if status == 503 else f"{kind}_{status}_{err}")
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError, IndexError) as e:
            count(f"{kind}_client_error_{type(e).__name__}")
            await asyncio.sleep(0.1)
        finally:
            if sender:
                sender.cancel()
            w.close()

    async def worker(i):
        rng = random.Random(i)
        while time.time() < deadline:
            try:
                await exchange(rng.random() < 0.5)
            except (OSError, asyncio.TimeoutError) as e:  # the connect itself failed
                count(f"connect_error_{type(e).__name__}")
                await asyncio.sleep(0.1)

    held = []

    async def idler():
        """Opens --pressure-idle keep-alive connections over the first half of the run (one `GET /echo`
        each, then idle): each holds live heap in the proxy that no GC can free, which is what fills
        its heap (large bodies stream through fixed buffers and do not). The proxy's connection cap is
        raised above what its heap holds, so the heap check, not the cap, must stop them."""
        if not args.pressure_idle:
            return
        step = max(1, args.pressure_idle // 50)
        pause = (deadline - time.time()) / 2 / 50
        async def open_one():
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
                w.write(b"GET /echo HTTP/1.1\r\nHost: pressure\r\n\r\n")
                head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
                m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                body = await asyncio.wait_for(r.readexactly(int(m.group(1)) if m else 0), 10)
                status = int(head.split(b" ", 2)[1])
                err = re.search(rb'"error":"([a-z_]+)"', body)
                err = err.group(1).decode() if err else "no_error_field"
                count("idle_complete" if status == 200 else
                      "shed_503_overloaded" if status == 503 and err == "overloaded" else
                      f"refused_idle_{status}_{err}" if status == 503 else f"idle_{status}_{err}")
                if status == 200:
                    held.append(w)  # a shed answer closes the connection
                else:
                    w.close()
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
                count(f"idle_client_error_{type(e).__name__}")

        while len(held) < args.pressure_idle and time.time() < deadline:
            await asyncio.gather(*(open_one() for _ in range(min(step, args.pressure_idle - len(held)))))
            await asyncio.sleep(pause)

    await asyncio.gather(idler(), *(worker(i) for i in range(args.parallel)))
    stats["idle_held"] = len(held)
    for w in held:
        w.close()


def run_pressure(procs, ups, args):
    """Run 3: memory pressure under a container-style limit. Returns the markdown table."""
    limit = MemoryLimit(args.limit_mb)
    max_mb = args.max_mb or args.limit_mb - 32
    cleanup_mb = args.cleanup_mb or max_mb - 16
    java_opts = None
    if limit.kind == "jvm":
        # No cgroup: cap what the JVM may reserve instead (the launcher's defaults plus MaxRAM).
        java_opts = launcher_java_opts(extra=f"-XX:MaxRAM={args.limit_mb}m")
        log(f"pressure: no memory cgroup ({limit.note}); falling back to JVM limits: {java_opts}")
    else:
        log(f"pressure: {limit.kind} {limit.path} with a {args.limit_mb} MB limit")
    port = free_port()
    proxy = None
    stats, series = {}, []
    try:
        proxy = start_proxy(procs, "pressure-proxy", port, ups.demo_url,
                            ["--max-memory-usage", str(max_mb), "--cleanup-threshold", str(cleanup_mb),
                             "--memory-check-interval", "1",
                             "--max-client-connections", str(args.pressure_idle + args.parallel + 100)],
                            env={"PROXY_JAVA_OPTS": java_opts} if java_opts else None, prefix=limit.prefix())
        start_rss = rss_mb(proxy.pid)
        log(f"pressure: proxy rss {start_rss:.0f} MB, thresholds cleanup {cleanup_mb} / max {max_mb} MB; "
            f"{args.parallel} clients: {args.upload_mb} MiB uploads to /echo, {args.body_mb} MiB downloads of "
            f"/big, for {args.pressure_seconds}s ...")
        stop = threading.Event()

        def sampler():
            t0 = time.time()
            while not stop.wait(1):
                try:
                    shedding = health(port)["shedding"]
                except (OSError, ValueError, KeyError):
                    shedding = None
                series.append((time.time() - t0, rss_mb(proxy.pid), limit.usage_mb(), shedding))

        st = threading.Thread(target=sampler, daemon=True)
        st.start()
        t0 = time.time()
        asyncio.run(pressure_client(port, args, time.time() + args.pressure_seconds, stats))
        elapsed = time.time() - t0
        load_samples = len(series)
        # After the load: does the proxy recover (shedding off, a request served)? Stop waiting early once
        # shedding is off and a few more samples are in.
        settle_start = time.time()
        while time.time() - settle_start < args.settle:
            if len(series) > load_samples + 3 and series[-1][3] is False:
                break
            time.sleep(1)
        stop.set()
        st.join()
        alive = proxy.poll() is None
        after = {"shedding": None, "rss": rss_mb(proxy.pid), "probe": None}
        if alive:
            h = health(port)
            after["shedding"], after["rss_health"] = h["shedding"], h["memory_usage_mb"]
            after["probe"] = fetch(port, "GET", "/big?size=1024")[0]
        m = metrics(port) if alive else ""
        shed = sum(metric_values(m, "steadyproxy_shed_requests").values())
        transitions = sum(metric_values(m, "steadyproxy_shedding_transitions").values())
        # connection admission acts before request shedding (10 points under it): it holds connections back
        held_back = {k: sum(metric_values(m, f"steadyproxy_connections_{k}").values()) for k in ("deferred", "refused")}
        checks = {re.sub(r'.*action="([^"]*)".*', r"\1", k): int(v)
                  for k, v in metric_values(m, "steadyproxy_memory_checks").items()}
        in_use, waited = wait_pool_idle(port, 30) if alive else (-1, 0)
        oom, hits, peak = limit.oom_kills(), limit.hits(), limit.peak_mb()
    finally:
        if proxy:
            procs.stop(proxy)
        limit.remove()

    idle_held = stats.pop("idle_held", 0)
    shed_seen = stats.get("shed_503_overloaded", 0)
    no_answer = sum(v for k, v in stats.items() if "client_error" in k or k.startswith("connect_error"))
    refused = sum(v for k, v in stats.items() if k.startswith("refused_"))
    accepted = sum(stats.values()) - shed_seen - no_answer - refused
    uploads, downloads = stats.get("upload_complete", 0), stats.get("download_complete", 0)
    others = {k: v for k, v in sorted(stats.items())
              if not k.endswith("_complete") and k != "shed_503_overloaded"}
    rss_series = [s[1] for s in series if s[1] == s[1]]
    shed_secs = sum(1 for s in series[:load_samples] if s[3])
    off_at = next((s[0] - series[load_samples - 1][0] for s in series[load_samples:] if s[3] is False), None) \
        if 0 < load_samples < len(series) else None
    recovery = (f"shedding off {off_at:.0f} s after the load" if off_at is not None else
                f"**still shedding {args.settle} s after the load**")
    enforced = (f"{limit.kind} `memory.{'max' if limit.kind.endswith('v2') else 'limit_in_bytes'}` = "
                f"{args.limit_mb} MB (the proxy's shell joins the cgroup before it execs the JVM)"
                if limit.path else f"no writable memory cgroup ({limit.note}): JVM limits only (`{java_opts}`)")
    oom_ok = (oom == 0) if oom is not None else alive
    lost = (f" ({shed - shed_seen:.0f} answers lost on the way)" if shed > shed_seen else " (none lost)")
    lines = [
        f"**Memory pressure.** Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: limit enforced by "
        f"{enforced}; launcher JVM defaults (`{launcher_heap()}`); `--max-memory-usage {max_mb} --cleanup-threshold "
        f"{cleanup_mb} --memory-check-interval 1 --max-client-connections {args.pressure_idle + args.parallel + 100}` "
        f"(the heap check at its default, 90 %; the connection cap lifted above what the heap holds); upstream: the demo upstream in its own JVM on core 1. "
        f"{args.parallel} asyncio clients for {args.pressure_seconds} s, each in a loop on a new connection (and {args.backoff} s of back-off after a 503): "
        f"a {args.upload_mb} MiB upload to `/echo` or a {args.body_mb} MiB download of `/big`; meanwhile "
        f"{args.pressure_idle:,} keep-alive connections opened over the first half (one `GET /echo` each, then "
        f"idle) for live memory. Every answer checked; then up to {args.settle} s without load.", "",
        "| measure | value | target |", "|---|---:|---|",
        f"| OOM kills (cgroup `oom_kill`) | {oom if oom is not None else 'n/a'}; proxy alive at the end: "
        f"{'yes' if alive else 'NO'} | 0 {'✅' if oom_ok and alive else '❌'} |",
        f"| times usage hit the limit (cgroup `failcnt` / `max` events) | {hits if hits is not None else 'n/a'} | |",
        f"| proxy RSS at start / peak; cgroup usage peak | {start_rss:.0f} / "
        f"{max(rss_series) if rss_series else float('nan'):.0f} MB; {peak:.0f} MB (limit {args.limit_mb}) | |",
        f"| memory checks by action | {', '.join(f'{k} {v}' for k, v in sorted(checks.items())) or 'n/a'} | |",
        f"| shed: `steadyproxy_shed_requests_total` / 503 `overloaded` seen by clients | "
        f"{shed:.0f} / {shed_seen:,}{lost} (the clients' count includes admission's 503s) | |",
        f"| connection admission: connections deferred / refused with 503 | {held_back['deferred']:.0f} / "
        f"{held_back['refused']:.0f} | |",
        f"| memory protection acted (requests shed, or connections held back) | "
        f"{'yes' if shed > 0 or held_back['deferred'] > 0 else 'no'} | yes "
        f"{'✅' if (shed > 0 and shed_seen > 0) or held_back['deferred'] > 0 else '❌'} |",
        f"| shedding transitions; seconds of load with shedding on | {transitions:.0f}; {shed_secs} of "
        f"{load_samples} | |",
        f"| accepted (answered, not shed or refused with 503 pool_exhausted) | {accepted:,} | |",
        f"| ... complete and full length (uploads / downloads / idle-connection GETs) | {uploads:,} / {downloads:,} / "
        f"{stats.get('idle_complete', 0):,} | all {'✅' if uploads + downloads + stats.get('idle_complete', 0) == accepted else '❌'} |",
        f"| idle keep-alive connections held at the end | {idle_held:,} of {args.pressure_idle:,} | |",
        f"| ... anything else, and exchanges with no answer | "
        f"{', '.join(f'{k} {v}' for k, v in others.items()) or 'none'} | |",
        f"| body bytes through the proxy | {(uploads * args.upload_mb * 2 + downloads * args.body_mb) / 1024:.1f} GiB "
        f"in {elapsed:.0f} s | |",
        f"| after the load (up to {args.settle} s): recovery; RSS; `GET /big?size=1024` | {recovery}; "
        f"{after['rss']:.0f} MB; {after['probe']} | |",
        f"| `/health` pool after the run | in_use {in_use} (after {waited:.1f} s) | 0 {'✅' if in_use == 0 else '❌'} |",
        f"| RSS MB / shedding, every {max(1, len(series) // 10)} samples (about a second each) | "
        + ", ".join(f"{s[0]:.0f}s {s[1]:.0f}{' shed' if s[3] else ''}" for s in series[::max(1, len(series) // 10)])
        + " | |",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------

def write_doc(path, sections):
    """Replaces the text between the soak markers (adding a section with them at the end if missing)."""
    text = path.read_text()
    if BEGIN not in text:
        text = text.rstrip("\n") + "\n\n## Soak and memory\n\n" + BEGIN + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(head + BEGIN + "\n" + "\n\n".join(sections) + "\n" + END + tail)
    log(f"soak: tables written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="soak,storm,pressure", help="which runs, comma-separated")
    ap.add_argument("--requests", type=int, default=1_000_000, help="soak: requests to complete (wrk + aborted)")
    ap.add_argument("--seconds", type=int, default=420, help="soak: time bound after warm-up")
    ap.add_argument("--warmup", type=int, default=60, help="soak: seconds of JIT warm-up, not counted")
    ap.add_argument("--chunk", type=int, default=30, help="soak: seconds per wrk run")
    ap.add_argument("--wrk-connections", type=int, default=64, help="soak: wrk connections")
    ap.add_argument("--aborters", type=int, default=2, help="soak: aborting client threads")
    ap.add_argument("--sample-interval", type=float, default=5, help="soak: seconds between memory samples")
    ap.add_argument("--connections", type=int, default=10_000, help="storm: idle keep-alive connections")
    ap.add_argument("--sse", type=int, default=2_000, help="storm: concurrent SSE streams")
    ap.add_argument("--sse-interval-ms", type=int, default=15_000, help="storm: ms between SSE events")
    ap.add_argument("--hold", type=int, default=30, help="storm: seconds to hold every connection open")
    ap.add_argument("--storm-heap-mb", type=int, default=448,
                    help="storm: if the proxy dies with the launcher's heap, run again with this -Xmx (0: don't)")
    ap.add_argument("--storm-warmup", type=int, default=10, help="storm: seconds of warm-up before the baseline")
    ap.add_argument("--open-concurrency", type=int, default=200, help="storm: connects in flight at once")
    ap.add_argument("--limit-mb", type=int, default=288,
                    help="pressure: memory limit for the proxy (MB); the launcher's JVM rests at about 225")
    ap.add_argument("--max-mb", type=int, default=0, help="pressure: --max-memory-usage (default: limit - 32)")
    ap.add_argument("--cleanup-mb", type=int, default=0, help="pressure: --cleanup-threshold (default: max - 16)")
    ap.add_argument("--parallel", type=int, default=64, help="pressure: concurrent clients")
    ap.add_argument("--body-mb", type=int, default=32, help="pressure: MiB per download of /big")
    ap.add_argument("--upload-mb", type=int, default=4,
                    help="pressure: MiB per upload to /echo (16 and more stall: see src-docs/performance.md)")
    ap.add_argument("--pressure-idle", type=int, default=6000,
                    help="pressure: idle keep-alive connections opened alongside the bodies (live memory)")
    ap.add_argument("--backoff", type=float, default=0.5, help="pressure: seconds a client waits after a 503")
    ap.add_argument("--settle", type=int, default=30,
                    help="pressure: at most this many seconds without load at the end, waiting for shedding to stop")
    ap.add_argument("--pressure-seconds", type=int, default=90, help="pressure: duration")
    ap.add_argument("--output", default=str(ROOT / "src-docs" / "performance.md"))
    ap.add_argument("--no-write", action="store_true", help="print the tables only")
    args = ap.parse_args()
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]

    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="steadyproxy-soak-"))
    nofile = raise_nofile(65536)
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # this driver's clients share core 1 with wrk and the upstreams
    if nofile < args.connections + 2 * args.sse + 1000 and "storm" in runs:
        log(f"soak: warning: open-file limit {nofile} is low for the storm (the hard limit could not be raised)")
    private_launcher()
    procs = Procs()
    started = time.time()
    sections = []
    try:
        ups = Upstreams(procs)
        log(f"soak: upstreams nginx {ups.nginx_url}, demo {ups.demo_url}; work dir {WORK}")
        for name, fn in (("soak", run_soak), ("storm", run_storm), ("pressure", run_pressure)):
            if name in runs:
                t = time.time()
                table = fn(procs, ups, args)
                print("\n" + table + "\n", flush=True)
                log(f"{name}: took {time.time() - t:.0f}s")
                sections.append(table)
        note = (f"_`make soak` took {(time.time() - started) / 60:.1f} min. The 2 cores are shared with other "
                f"work, so rates and latencies are noisy; memory figures are the point._")
        sections.append(note)
        if args.no_write:
            pass
        elif set(runs) >= {"soak", "storm", "pressure"}:
            write_doc(Path(args.output), sections)
        else:
            log("soak: not all three runs ran, so src-docs/performance.md is left as it is")
    finally:
        procs.stop_all()
        if os.environ.get("SOAK_KEEP"):
            print(f"soak: logs kept in {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
