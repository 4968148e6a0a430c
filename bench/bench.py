#!/usr/bin/env python3
"""SteadyProxy benchmark: interleaved, pinned, side by side with fairly configured nginx and HAProxy.

The peers and the origin use the reference harness's configuration files (bench/conf/, copied from
../shared/bench/conf/ with only the ports changed): nginx with an upstream keep-alive pool of 512
and 64 KiB buffers, HAProxy with `http-reuse always`, one worker/thread each, no access logs.
SteadyProxy gets the same upstream pool (512 connections, all kept alive). Each proxy, and the JVM
from its first instruction, runs on core 0; load generators and the origin run on core 1 (for
`direct`, the origin moves to core 0, so it uses the same two cores as a proxied run).

Each round runs every scenario against every target in turn, so slow drifts of the machine hit all
targets alike; ratios are medians of per-round ratios. Scenarios (--scenarios):
  small64, small256  wrk GET /small (100 B) at 64 / 256 connections: req/s, p50, p99, CPU us/req
  large              bigclient.py GET /large?mb=100 over 4 connections: MB/s
  echo               wrk POST /echo with a 16 KiB body, 64 connections: req/s
  sse                time from request sent to the first server-sent event, 20 streams a round
  ws                 wsload.py: WebSocket echo of 64 B text messages over 64 connections, one message in
                     flight each, to upstream/ws_echo.py: messages/s (the req/s column), round-trip
                     p50/p99, CPU us per message; SteadyProxy (route /ws) vs nginx (location /ws with
                     proxy_http_version 1.1 and the Upgrade/Connection headers); no HAProxy, no direct.
                     The client and the origin are Python on core 1: when they saturate first, both
                     proxies show the same msgs/s, and CPU us per message is the figure to compare
  log                small64 through a second SteadyProxy with the access log on (to stdout, a file here)
                     and nginx with its access log on, against the same without (ratio on/off)
  h2c                h2load (nghttp2-client) GET /small over h2c with prior knowledge, 64 connections x
                     10 streams, against SteadyProxy's port and a second nginx with `listen ... http2`
                     (HTTP/1.1 to the origin for both): req/s; the p50 column holds h2load's mean and
                     the p99 column its max (h2load reports no percentiles)
  startup            a fresh SteadyProxy per round and variant (no AOT cache / AOT cache): time to
                     listen, requests in the first 10 s, time to 90 % of the warmed small64 req/s
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from loopback import free_port, rss_mb, wait_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROXY_CORE, LOAD_CORE = "0", "1"
POOL = 512  # upstream keep-alive pool of every proxy: nginx `keepalive 512`, ours the same
SCENARIOS = {
    "small64": {"title": "GET /small (100 B), 64 conns", "path": "/small", "conns": 64, "metric": "rps"},
    "small256": {"title": "GET /small (100 B), 256 conns", "path": "/small", "conns": 256, "metric": "rps"},
    "large": {"title": "GET /large 100 MiB, 4 conns", "path": "/large?mb=100", "conns": 4, "metric": "mbps"},
    "echo": {"title": "POST /echo 16 KiB, 64 conns", "path": "/echo", "conns": 64, "metric": "rps",
             "body": 16384},
    "ws": {"title": "WebSocket echo 64 B, 64 conns (msgs/s)", "path": "/ws", "conns": 64, "metric": "rps"},
    "h2c": {"title": "h2c GET /small, 64 conns x 10 streams", "path": "/small", "conns": 64, "streams": 10,
            "metric": "rps"},
}
# nginx's WebSocket proxying as its documentation gives it (https://nginx.org/en/docs/http/websocket.html),
# added to the reference proxy config for the ws scenario only; no other location changes.
NGINX_WS_LOCATION = """        location /ws {
            proxy_pass http://127.0.0.1:WS_PORT;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $http_host;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
        }

"""
TICK = os.sysconf("SC_CLK_TCK")


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def haproxy_bin():
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def tree(pid):
    """pid and its descendants (nginx master + workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for child in Path(f"/proc/{p}/task/{p}/children").read_text().split():
                todo.append(int(child))
        except OSError:
            pass
    return out


def cpu_seconds(pids):
    """user + system CPU seconds of the given processes (all their threads)."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / TICK


def repin(pids, core):
    for p in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", core, str(p)], capture_output=True)


class Procs:
    """Processes this benchmark started; stopped by PID only."""

    def __init__(self):
        self.procs = []

    def start(self, name, cmd, core, env=None):
        log = open(WORK / f"{name}.log", "w")
        p = subprocess.Popen(["taskset", "-c", core] + cmd, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, env=env)
        self.procs.append((name, p))
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop_all(self):
        for _, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for _, p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def jcmd(pid, *command, expect):
    """jcmd on the load core; it exits 0 even when the command failed, so its output is checked."""
    jcmd_bin = Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "jcmd"
    out = subprocess.run(["taskset", "-c", LOAD_CORE, str(jcmd_bin), str(pid), *command],
                         capture_output=True, text=True, timeout=60).stdout
    if expect not in out:
        raise SystemExit(f"bench: jcmd {' '.join(command)} failed: {out.strip()}")


def check_reference():
    """Warns when the reference harness's files (in a CI clone, ../shared/bench) differ from our copies."""
    ref = ROOT.parent / "shared" / "bench"
    for name in ("conf/nginx-origin.conf", "conf/nginx-proxy.conf", "conf/haproxy.cfg", "upstream/server.py",
                 "bigclient.py", "lua/report.lua"):
        if (ref / name).exists() and (ref / name).read_bytes() != (HERE / name).read_bytes():
            print(f"bench: warning: bench/{name} differs from the reference {ref / name}; copy it over", flush=True)


def write_configs(ports):
    """The reference harness's files with its ports replaced by ours, and nothing else changed."""
    subst = {"127.0.0.1:9001": f"127.0.0.1:{ports['origin']}", "127.0.0.1:9002": f"127.0.0.1:{ports['python']}",
             "127.0.0.1:8081": f"127.0.0.1:{ports['nginx']}", "127.0.0.1:8082": f"127.0.0.1:{ports['haproxy']}"}

    def conf(name, extra=None):
        text = (HERE / "conf" / name).read_text()
        for a, b in {**subst, **(extra or {})}.items():
            text = text.replace(a, b)
        return text

    for d in ("origin", "nginx", "nginx-log", "nginx-h2c"):
        (WORK / d / "tmp").mkdir(parents=True, exist_ok=True)
    (WORK / "origin" / "nginx-origin.conf").write_text(conf("nginx-origin.conf"))
    (WORK / "nginx" / "nginx-proxy.conf").write_text(
        conf("nginx-proxy.conf", {"        location / {": NGINX_WS_LOCATION.replace("WS_PORT", str(ports["ws-origin"]))
                                  + "        location / {"}))
    # The same nginx with its access log on, in the default "combined" format, to a file.
    (WORK / "nginx-log" / "nginx-proxy.conf").write_text(
        conf("nginx-proxy.conf", {"access_log off;": "access_log access.log combined;",
                                  f"127.0.0.1:{ports['nginx']}": f"127.0.0.1:{ports['nginx-log']}"}))
    # The same nginx speaking h2c (prior knowledge) to clients, HTTP/1.1 to the origin as before.
    (WORK / "nginx-h2c" / "nginx-proxy.conf").write_text(
        conf("nginx-proxy.conf", {f"listen 127.0.0.1:{ports['nginx']} ": f"listen 127.0.0.1:{ports['nginx-h2c']} http2 "}))
    (WORK / "haproxy.cfg").write_text(conf("haproxy.cfg"))
    data = WORK / "origin" / "data"
    (data / "large").mkdir(parents=True, exist_ok=True)
    (data / "small").write_bytes((b"0123456789" * 10)[:99] + b"\n")
    for mb in (1, 10, 100):
        with open(data / "large" / str(mb), "wb") as f:
            f.write(os.urandom(mb * 2**20))
    for p in [WORK, WORK / "origin", data, data / "large"] + list((data / "large").iterdir()) + [data / "small"]:
        p.chmod(0o755 if p.is_dir() else 0o644)  # nginx workers run as an unprivileged user


def parse_json_line(out):
    for line in out.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    raise RuntimeError("no JSON line in: " + out[-500:])


def wrk(port, scen, seconds, conns=None):
    env = dict(os.environ)
    if scen.get("body"):
        env.update(BENCH_METHOD="POST", BENCH_BODY_BYTES=str(scen["body"]))
    out = subprocess.run(["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{conns or scen['conns']}", f"-d{seconds}s",
                          "--timeout", "10s", "-s", str(HERE / "lua" / "report.lua"),
                          f"http://127.0.0.1:{port}{scen['path']}"],
                         capture_output=True, text=True, timeout=seconds + 60, env=env).stdout
    r = parse_json_line(out)
    r["errors"] = sum(r[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    return r


def bigclient(port, scen, seconds):
    out = subprocess.run(["taskset", "-c", LOAD_CORE, sys.executable, str(HERE / "bigclient.py"),
                          f"http://127.0.0.1:{port}{scen['path']}", str(scen["conns"]), str(seconds)],
                         capture_output=True, text=True, timeout=seconds + 120).stdout
    r = parse_json_line(out)
    r["errors"] = sum(r.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    return r


def wsload(port, scen, seconds):
    out = subprocess.run(["taskset", "-c", LOAD_CORE, sys.executable, str(HERE / "wsload.py"),
                          f"ws://127.0.0.1:{port}{scen['path']}", str(scen["conns"]), str(seconds)],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    r = parse_json_line(out)
    r["errors"] = sum(r.get(k, 0) for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
    return r


def h2load(port, scen, seconds, conns=None):
    """h2load over h2c with prior knowledge; its summary lines parsed into the wrk fields we use."""
    cmd = ["taskset", "-c", LOAD_CORE, "h2load", "-t1", f"-c{conns or scen['conns']}", f"-m{scen['streams']}",
           f"-D{seconds}", f"http://127.0.0.1:{port}{scen['path']}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    done = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s, ([\d.]+)([KMG]?)B/s", out)
    reqs = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                     r"(\d+) errored, (\d+) timeout", out)
    lat = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", out)
    if not (done and reqs and lat):
        raise RuntimeError("h2load: unexpected output: " + out[-800:])

    def ms(value, unit):
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    scale = {"": 1 / 2**20, "K": 1 / 2**10, "M": 1.0, "G": 2**10}[done.group(4)]
    return {"duration_s": float(done.group(1)), "rps": float(done.group(2)), "mbps": float(done.group(3)) * scale,
            "requests": int(reqs.group(2)), "p50_ms": ms(lat.group(5), lat.group(6)),
            "p99_ms": ms(lat.group(3), lat.group(4)),
            "errors": int(reqs.group(3)) + int(reqs.group(4)) + int(reqs.group(5))}


def load(port, name, seconds):
    scen = SCENARIOS[name]
    if name == "ws":
        return wsload(port, scen, seconds)
    if name == "h2c":
        return h2load(port, scen, seconds)
    return bigclient(port, scen, seconds) if name == "large" else wrk(port, scen, seconds)


def sse_first_event(port, samples=20):
    """Median ms from sending GET /sse to reading the first event's data line."""
    times = []
    req = f"GET /sse?n=2&interval_ms=20 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    for _ in range(samples):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            seen = b""
            t0 = time.perf_counter()
            s.sendall(req)
            while b"data:" not in seen:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError(f"sse: connection closed before the first event on {port}: {seen[:200]!r}")
                seen += chunk
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def sanity(name, port):
    """Each target must answer the scenarios' requests correctly before it is measured."""
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(base + "/small", timeout=10) as r:
        body = r.read()
        assert r.status == 200 and len(body) == 100, f"{name}: /small gave {r.status} {len(body)} B"
    data = os.urandom(16384)
    req = urllib.request.Request(base + "/echo", data=data, method="POST",
                                 headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.read() == data, f"{name}: /echo did not echo 16 KiB"
    with urllib.request.urlopen(base + "/large?mb=1", timeout=10) as r:
        assert len(r.read()) == 2**20, f"{name}: /large?mb=1 was not 1 MiB"


def steadyproxy_cmd(port, up_port, access_log, log_file="", ws_port=None):
    ws = ["--route", f"/ws=http://127.0.0.1:{ws_port}"] if ws_port else []
    return [str(ROOT / "bin" / "start-proxy"), "--host", "127.0.0.1", "--port", str(port),
            "--upstream", f"http://127.0.0.1:{up_port}", *ws, "--log-file", log_file,
            "--access-log", "true" if access_log else "false",
            "--max-connections", str(POOL), "--max-keepalive-connections", str(POOL),
            "--keepalive-expiry", "120", "--max-client-connections", "4096"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10, help="duration of each small/large run")
    ap.add_argument("--short-seconds", type=int, default=5, help="duration of each echo run")
    ap.add_argument("--warmup", type=int, default=60, help="seconds of JIT warm-up per JVM before measuring")
    ap.add_argument("--scenarios", default="small64,small256,large,echo,ws,h2c,sse,log,startup")
    ap.add_argument("--startup-seconds", type=int, default=30, help="how long each start-up run is followed")
    ap.add_argument("--startup-variants", default="no-cache,aot-cache",
                    help="no-cache, aot-cache (needs `make aot`), or NAME=JVM flags added to the launcher's")
    ap.add_argument("--jfr", help="record a JFR profile of the warmed SteadyProxy during the small64 rounds")
    ap.add_argument("--async-profiler", metavar="LIB", help="libasyncProfiler.so: profile the small64 rounds "
                    "(itimer, 1 ms) into <--jfr's file>.collapsed instead of JFR (bench/jfr-top.py reads both)")
    ap.add_argument("--output", default=str(ROOT / "src-docs" / "performance.md"))
    ap.add_argument("--no-write", action="store_true", help="print the tables only")
    args = ap.parse_args()
    wanted = args.scenarios.split(",")
    unknown = set(wanted) - set(SCENARIOS) - {"sse", "log", "startup"}
    if unknown:
        raise SystemExit(f"bench: unknown scenario(s) {','.join(sorted(unknown))}")

    check_reference()
    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="steadyproxy-bench-"))
    ports = {}
    for k in ("origin", "python", "ws-origin", "nginx", "nginx-log", "nginx-h2c", "haproxy", "steadyproxy",
              "steadyproxy-log"):
        while (port := free_port()) in ports.values():  # the kernel may hand out a released port again
            pass
        ports[k] = port
    write_configs(ports)
    procs = Procs()
    env_jar = ROOT / "service" / "target" / "steadyproxy-service.jar"
    if not env_jar.exists():
        raise SystemExit("bench: build the service first (make bench does)")
    load_before = os.getloadavg()
    try:
        procs.start("python", ["/usr/bin/python3", str(HERE / "upstream" / "server.py"), "--port",
                               str(ports["python"])], LOAD_CORE)
        procs.start("ws-origin", [sys.executable, str(HERE / "upstream" / "ws_echo.py"), "--port",
                                  str(ports["ws-origin"])], LOAD_CORE)
        origin = procs.start("origin", [nginx_bin(), "-p", f"{WORK}/origin/", "-c", f"{WORK}/origin/nginx-origin.conf",
                                        "-e", f"{WORK}/origin/error.log", "-g", "worker_processes 1; daemon off;"],
                             LOAD_CORE)
        ngx = procs.start("nginx", [nginx_bin(), "-p", f"{WORK}/nginx/", "-c", f"{WORK}/nginx/nginx-proxy.conf",
                                    "-e", f"{WORK}/nginx/error.log", "-g", "worker_processes 1; daemon off;"],
                          PROXY_CORE)
        ha = procs.start("haproxy", [haproxy_bin(), "-f", str(WORK / "haproxy.cfg")], PROXY_CORE,
                         env={**os.environ, "HAP_NBTHREAD": "1"})
        sp = procs.start("steadyproxy", steadyproxy_cmd(ports["steadyproxy"], ports["origin"], False,
                                                        ws_port=ports["ws-origin"]), PROXY_CORE)
        pids = {"steadyproxy": lambda: [sp.pid], "nginx": lambda: tree(ngx.pid), "haproxy": lambda: [ha.pid],
                "direct": lambda: tree(origin.pid)}
        targets = {"steadyproxy": ports["steadyproxy"], "nginx": ports["nginx"], "haproxy": ports["haproxy"],
                   "direct": ports["origin"]}
        log_targets = {}
        if "log" in wanted:
            ngx_log = procs.start("nginx-log", [nginx_bin(), "-p", f"{WORK}/nginx-log/", "-c",
                                                f"{WORK}/nginx-log/nginx-proxy.conf", "-e",
                                                f"{WORK}/nginx-log/error.log", "-g",
                                                "worker_processes 1; daemon off;"], PROXY_CORE)
            # one destination, as nginx's access.log: stdout (the container default), which the
            # bench writes to a file; log_file would add a second copy of every line
            sp_log = procs.start("steadyproxy-log", steadyproxy_cmd(ports["steadyproxy-log"], ports["origin"], True),
                                 PROXY_CORE)
            pids["steadyproxy-log"] = lambda: [sp_log.pid]
            pids["nginx-log"] = lambda: tree(ngx_log.pid)
            log_targets = {"steadyproxy-log": ports["steadyproxy-log"], "nginx-log": ports["nginx-log"]}
        h2c_targets = {}
        if "h2c" in wanted:
            ngx_h2c = procs.start("nginx-h2c", [nginx_bin(), "-p", f"{WORK}/nginx-h2c/", "-c",
                                                f"{WORK}/nginx-h2c/nginx-proxy.conf", "-e",
                                                f"{WORK}/nginx-h2c/error.log", "-g",
                                                "worker_processes 1; daemon off;"], PROXY_CORE)
            pids["nginx-h2c"] = lambda: tree(ngx_h2c.pid)
            # SteadyProxy speaks h2c on its one port (http2: true, the default); nginx needs its own
            h2c_targets = {"steadyproxy": ports["steadyproxy"], "nginx": ports["nginx-h2c"]}
            wait_port(ports["nginx-h2c"], who="bench (nginx-h2c)")
        for name, port in {**targets, **log_targets, "python": ports["python"], "ws-origin": ports["ws-origin"]}.items():
            wait_port(port, who=f"bench ({name})")
        for name, p in procs.procs:
            if p.poll() is not None:
                raise SystemExit(f"bench: {name} exited with {p.returncode}; see {WORK / (name + '.log')} (BENCH_KEEP=1)")
        for name, port in {**targets, **log_targets}.items():
            sanity(name, port)
        for name, port in h2c_targets.items():
            res = h2load(port, SCENARIOS["h2c"], 1, conns=1)
            assert res["errors"] == 0 and res["requests"] > 0, f"{name}: h2c GET /small failed: {res}"

        # The JIT needs about a minute on one core to settle; nginx and HAProxy need no warm-up.
        jvms = [p for p in (ports["steadyproxy"], log_targets.get("steadyproxy-log")) if p]
        print(f"bench: warming up {len(jvms)} SteadyProxy JVM(s) for {args.warmup}s each ...", flush=True)
        for port in jvms:
            w = args.warmup
            wrk(port, SCENARIOS["small64"], max(1, w * 5 // 10))
            wrk(port, SCENARIOS["small256"], max(1, w // 10))
            wrk(port, SCENARIOS["echo"], max(1, w * 2 // 10))
            bigclient(port, SCENARIOS["large"], max(1, w // 10))
            wrk(port, SCENARIOS["small64"], max(1, w // 10))
            if "h2c" in wanted:
                h2load(port, SCENARIOS["h2c"], max(1, w // 10))
            sse_first_event(port, 5)
            if "ws" in wanted and port == ports["steadyproxy"]:
                wsload(port, SCENARIOS["ws"], max(1, w // 10))
        for port in [targets["nginx"], targets["haproxy"], *[p for p in log_targets.values() if p not in jvms]]:
            wrk(port, SCENARIOS["small64"], 2)

        results = {}  # (scenario, target) -> list of per-round dicts
        rss = []
        jfr_started = False

        def measure(r, scen, target, port, label=None, pid_key=None):
            cpu0 = cpu_seconds(pids[pid_key or target]())
            secs = args.short_seconds if scen in ("echo", "ws") else args.seconds
            if target == "direct":
                repin(pids["direct"](), PROXY_CORE)
            try:
                res = load(port, scen, secs)
            finally:
                if target == "direct":
                    repin(pids["direct"](), LOAD_CORE)
            cpu = cpu_seconds(pids[pid_key or target]()) - cpu0
            res["cpu_pct"] = 100 * cpu / res["duration_s"]
            res["cpu_us_req"] = 1e6 * cpu / max(1, res["requests"])
            if target.startswith("steadyproxy"):
                res["rss"] = rss_mb(pids[target]()[0])
                rss.append(res["rss"])
            results.setdefault((label or scen, target), []).append(res)
            print(f"round {r + 1} {label or scen:<9} {target:<16} {res['rps']:>9.0f} req/s {res['mbps']:>8.1f} MB/s "
                  f"p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms cpu {res['cpu_pct']:.0f}% "
                  f"{res['cpu_us_req']:.1f} us/req{'  errors ' + str(res['errors']) if res['errors'] else ''}",
                  flush=True)

        for r in range(args.rounds):
            order = list(targets.items())
            order = order[r % len(order):] + order[:r % len(order)]  # rotate, as the reference does
            for scen in [s for s in SCENARIOS if s in wanted]:
                if scen == "small64" and args.jfr and not jfr_started:
                    if args.async_profiler:
                        # Loaded into the running JVM, as its own asprof does; itimer needs no perf_events.
                        # The quotes keep jcmd from splitting the options at '='.
                        jcmd(sp.pid, "JVMTI.agent_load", str(Path(args.async_profiler).resolve()),
                             '"start,event=itimer,interval=1ms"', expect="return code: 0")
                    else:
                        jcmd(sp.pid, "JFR.start", "name=bench", f"settings={HERE / 'cpu-profile.jfc'}",
                             expect="Started recording")
                    jfr_started = True
                if scen == "h2c":
                    for target, port in (list(h2c_targets.items()) if r % 2 == 0 else list(h2c_targets.items())[::-1]):
                        measure(r, scen, target, port, pid_key="nginx-h2c" if target == "nginx" else None)
                    continue
                for target, port in order:
                    if scen == "ws" and target not in ("steadyproxy", "nginx"):
                        continue  # the ws origin is behind /ws of these two only
                    measure(r, scen, target, port)
            if "log" in wanted:
                pairs = [("steadyproxy", ports["steadyproxy"]), ("steadyproxy-log", ports["steadyproxy-log"]),
                         ("nginx", ports["nginx"]), ("nginx-log", ports["nginx-log"])]
                for target, port in (pairs if r % 2 == 0 else pairs[::-1]):
                    measure(r, "small64", target, port, "log-on" if target.endswith("-log") else "log-off")
            if "sse" in wanted:
                for target, port in order:
                    if target == "direct":
                        continue
                    ms = sse_first_event(port)
                    results.setdefault(("sse", target), []).append({"first_ms": ms})
                    print(f"round {r + 1} sse       {target:<16} first event {ms:.2f} ms", flush=True)
        if jfr_started:
            if args.async_profiler:
                jcmd(sp.pid, "JVMTI.agent_load", str(Path(args.async_profiler).resolve()),
                     f'"stop,collapsed,file={Path(args.jfr).resolve()}.collapsed"', expect="return code: 0")
            else:
                jcmd(sp.pid, "JFR.stop", "name=bench", f"filename={Path(args.jfr).resolve()}", expect="written to")
            print(f"bench: JFR recording of the measured rounds in {args.jfr}", flush=True)

        steady = None
        if ("small64", "steadyproxy") in results:
            steady = statistics.median(x["rps"] for x in results[("small64", "steadyproxy")])
        startup = []
        if "startup" in wanted:
            startup = run_startup(args, procs, ports, steady)

        text = render(results, startup, args, wanted, rss, load_before, steady)
        print(text)
        if not args.no_write:
            write_doc(Path(args.output), text)
    finally:
        procs.stop_all()
        if os.environ.get("BENCH_KEEP"):
            print(f"bench: logs kept in {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)


def run_startup(args, procs, ports, steady):
    """Fresh SteadyProxy processes: seconds to listen, first-10-s throughput, time to 90 % of steady."""
    variants = []
    for v in args.startup_variants.split(","):
        if v == "no-cache":
            variants.append((v, {"PROXY_AOT": "off"}))
        elif v == "aot-cache":
            cache = ROOT / "service" / "target" / "steadyproxy.aot"
            if not cache.exists():
                print("bench: no AOT cache (make aot); start-up variant aot-cache skipped", flush=True)
                continue
            variants.append((v, {"PROXY_AOT": "auto"}))
        elif "=" in v:
            name, flags = v.split("=", 1)
            default = re.search(r'default_opts="([^"]*)"', (ROOT / "bin" / "start-proxy").read_text()).group(1)
            variants.append((name, {"PROXY_AOT": "auto", "PROXY_JAVA_OPTS": default + " " + flags}))
        else:
            raise SystemExit(f"bench: unknown start-up variant {v}")
    out = []
    for r in range(args.rounds):
        for name, env in (variants if r % 2 == 0 else variants[::-1]):
            while (port := free_port()) in ports.values():
                pass
            t0 = time.monotonic()
            p = procs.start(f"startup-{name}-{r}", steadyproxy_cmd(port, ports["origin"], False), PROXY_CORE,
                            env={**os.environ, **env})
            wait_port(port, who="bench (start-up)")
            listen = time.monotonic() - t0
            if p.poll() is not None:
                raise SystemExit(f"bench: the start-up proxy exited with {p.returncode}; see {WORK} (BENCH_KEEP=1)")
            slices = []  # (seconds since start at the end of the slice, requests, req/s)
            while time.monotonic() - t0 < args.startup_seconds or len(slices) < 5:
                res = wrk(port, SCENARIOS["small64"], 1)
                slices.append((time.monotonic() - t0, res["requests"], res["rps"]))
            procs.stop(p)
            target = 0.9 * (steady or statistics.median(s[2] for s in slices[-5:]))
            t90 = next((t for t, _, rps in slices if rps >= target), float("nan"))
            first10 = sum(n for t, n, _ in slices if t <= 10) / 10
            last = statistics.median(s[2] for s in slices[-5:])
            out.append({"variant": name, "listen_s": listen, "first10_rps": first10, "t90_s": t90, "last_rps": last})
            print(f"start-up round {r + 1} {name:<10} listening after {listen:.2f}s, first 10 s {first10:.0f} req/s, "
                  f"90 % of {target / 0.9:.0f} req/s after {t90:.1f}s, last 5 s {last:.0f} req/s", flush=True)
    return out


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def ratio(results, scen, target, base, metric):
    a, b = results.get((scen, target), []), results.get((scen, base), [])
    return med([x[metric] / y[metric] for x, y in zip(a, b) if y[metric] > 0])


def render(results, startup, args, wanted, rss, load_before, steady):
    cores = os.cpu_count()
    model = ""
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    jdk = subprocess.run([str(Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java"), "-version"],
                         capture_output=True, text=True).stderr.splitlines()[0]
    lines = [f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {cores} cores ({model}), {jdk}; "
             f"load average before the run {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}. "
             f"Each proxy on core 0 (the JVM started there), load and origin on core 1; "
             f"{args.rounds} interleaved rounds of {args.seconds} s ({args.short_seconds} s for echo and ws) "
             f"after {args.warmup} s of JIT warm-up. Figures are medians over rounds (min..max in brackets "
             f"for the main metric); `vs nginx` is the median of per-round ratios. `CPU us/req` is the "
             f"proxy's CPU time per request (per 100 MiB response for large): it does not depend on who "
             f"saturated first.", ""]
    lines += ["| scenario | target | req/s | MB/s | p50 ms | p99 ms | CPU us/req | vs nginx | p99 vs nginx | errors |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for scen, spec in SCENARIOS.items():
        if scen not in wanted:
            continue
        for target in ("steadyproxy", "nginx", "haproxy", "direct"):
            rs = results.get((scen, target), [])
            if not rs:
                continue
            m = spec["metric"]
            main = f"{med([x[m] for x in rs]):.{0 if m == 'rps' else 1}f}"
            rng = f" ({min(x[m] for x in rs):.{0 if m == 'rps' else 1}f}..{max(x[m] for x in rs):.{0 if m == 'rps' else 1}f})"
            rps = main + rng if m == "rps" else f"{med([x['rps'] for x in rs]):.1f}"
            mbps = main + rng if m == "mbps" else f"{med([x['mbps'] for x in rs]):.1f}"
            lines.append(f"| {spec['title']} | {target} | {rps} | {mbps} | {med([x['p50_ms'] for x in rs]):.2f} | "
                         f"{med([x['p99_ms'] for x in rs]):.2f} | {med([x['cpu_us_req'] for x in rs]):.0f} | "
                         f"{ratio(results, scen, target, 'nginx', m):.2f}x | "
                         f"{ratio(results, scen, target, 'nginx', 'p99_ms'):.2f}x | {sum(x['errors'] for x in rs)} |")
    if rss:
        lines += ["", f"SteadyProxy RSS sampled after each of its runs: {min(rss):.0f}..{max(rss):.0f} MB "
                      f"(launcher defaults, bin/start-proxy)."]
    if "sse" in wanted:
        lines += ["", "| SSE first event (20 streams a round) | ms, median | vs nginx (ms) |", "|---|---:|---:|"]
        base = results.get(("sse", "nginx"), [])
        for target in ("steadyproxy", "nginx", "haproxy"):
            rs = results.get(("sse", target), [])
            if rs:
                diff = med([x["first_ms"] - y["first_ms"] for x, y in zip(rs, base)])
                lines.append(f"| {target} | {med([x['first_ms'] for x in rs]):.2f} | {diff:+.2f} |")
    if "log" in wanted:
        lines += ["", "| access log, small64 | off req/s | on req/s | on/off | CPU us/req off / on |",
                  "|---|---:|---:|---:|---:|"]
        for base, on in (("steadyproxy", "steadyproxy-log"), ("nginx", "nginx-log")):
            off_rs, on_rs = results.get(("log-off", base), []), results.get(("log-on", on), [])
            if off_rs and on_rs:
                r = med([y["rps"] / x["rps"] for x, y in zip(off_rs, on_rs)])
                lines.append(f"| {base} | {med([x['rps'] for x in off_rs]):.0f} | {med([x['rps'] for x in on_rs]):.0f} | "
                             f"{r:.2f}x | {med([x['cpu_us_req'] for x in off_rs]):.0f} / "
                             f"{med([x['cpu_us_req'] for x in on_rs]):.0f} |")
    if startup:
        lines += ["", f"Start-up ({args.startup_seconds} s per process, a fresh JVM per round; steady = warmed "
                      f"small64 {steady or float('nan'):.0f} req/s):", "",
                  "| variant | listening after s | first 10 s req/s | 90 % of steady after s, each round | "
                  "req/s at the end |", "|---|---:|---:|---:|---:|"]
        for v in dict.fromkeys(x["variant"] for x in startup):
            xs = [x for x in startup if x["variant"] == v]
            # A run that never got to 90 % has no time: listed per round (- = not within the run), not a median.
            t90 = " / ".join("-" if x["t90_s"] != x["t90_s"] else f"{x['t90_s']:.1f}" for x in xs)
            lines.append(f"| {v} | {med([x['listen_s'] for x in xs]):.2f} | {med([x['first10_rps'] for x in xs]):.0f} | "
                         f"{t90} | {med([x['last_rps'] for x in xs]):.0f} |")
    return "\n".join(lines)


def write_doc(path, table):
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    text = path.read_text() if path.exists() else "# Performance\n\n" + begin + "\n" + end + "\n"
    if begin not in text:
        text += "\n" + begin + "\n" + end + "\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + begin + "\n" + table + "\n" + end + tail)
    print(f"bench: table written to {path}")


if __name__ == "__main__":
    sys.exit(main())
