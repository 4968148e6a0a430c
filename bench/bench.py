#!/usr/bin/env python3
"""SteadyProxy benchmark: interleaved, pinned, side by side with nginx and HAProxy.

Each round runs every scenario against every target in turn, so slow drifts of the machine hit all
targets alike; the table reports the median over rounds of each per-round ratio to nginx.
"""
import argparse
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
from pathlib import Path
from loopback import free_port, rss_mb, wait_port

ROOT = Path(__file__).resolve().parent.parent
PROXY_CORE, LOAD_CORE = "0", "1"
SMALL_BODY = "x" * 100


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def haproxy_bin():
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


class Procs:
    """Processes this benchmark started; stopped by PID only."""

    def __init__(self):
        self.procs = []

    def start(self, name, cmd, core):
        log = open(WORK / f"{name}.log", "w")
        p = subprocess.Popen(["taskset", "-c", core] + cmd, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.procs.append((name, p))
        return p

    def stop_all(self):
        for _, p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for _, p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def write_configs(up_port, ngx_port, ha_port, big_file):
    (WORK / "upstream.conf").write_text(f"""
worker_processes 1; daemon off; pid {WORK}/upstream.pid; error_log stderr error;
events {{ worker_connections 8192; }}
http {{
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  client_body_temp_path {WORK}/up_body; proxy_temp_path {WORK}/up_proxy; fastcgi_temp_path {WORK}/up_fcgi;
  uwsgi_temp_path {WORK}/up_uwsgi; scgi_temp_path {WORK}/up_scgi;
  server {{
    listen 127.0.0.1:{up_port} backlog=4096;
    location = /small {{ default_type text/plain; return 200 "{SMALL_BODY}"; }}
    location = /big {{ default_type application/octet-stream; alias {big_file}; }}
  }}
}}
""")
    (WORK / "nginx-proxy.conf").write_text(f"""
worker_processes 1; daemon off; pid {WORK}/nginx-proxy.pid; error_log stderr error;
events {{ worker_connections 8192; }}
http {{
  access_log off; tcp_nodelay on; keepalive_requests 1000000;
  client_body_temp_path {WORK}/px_body; proxy_temp_path {WORK}/px_proxy; fastcgi_temp_path {WORK}/px_fcgi;
  uwsgi_temp_path {WORK}/px_uwsgi; scgi_temp_path {WORK}/px_scgi;
  upstream up {{ server 127.0.0.1:{up_port}; keepalive 20; keepalive_timeout 30s; }}
  server {{
    listen 127.0.0.1:{ngx_port} backlog=4096;
    location / {{
      proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_request_buffering off;
    }}
  }}
}}
""")
    (WORK / "haproxy.cfg").write_text(f"""
global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 10s
  timeout client 60s
  timeout server 60s
  http-reuse always
  option http-keep-alive
frontend f
  bind 127.0.0.1:{ha_port}
  default_backend b
backend b
  server s1 127.0.0.1:{up_port} maxconn 100
""")


def wrk(port, path, conns, seconds):
    out = subprocess.run(["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency",
                          "--timeout", "10s", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    unit = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024}[transfer.group(2)]
    mbps = float(transfer.group(1)) * unit

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "mbps": mbps, "p50": pct(50), "p99": pct(99),
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    ap.add_argument("--warmup", type=int, default=60, help="seconds of JIT warm-up before measuring")
    ap.add_argument("--output", default=str(ROOT / "src-docs" / "performance.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args()

    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="steadyproxy-bench-"))
    WORK.chmod(0o755)  # nginx workers run as an unprivileged user and must read big.bin
    big = WORK / "big.bin"
    with open(big, "wb") as f:
        f.truncate(100 * 2**20)
    big.chmod(0o644)

    up, ngx, ha, ours = free_port(), free_port(), free_port(), free_port()
    write_configs(up, ngx, ha, big)
    procs = Procs()
    try:
        procs.start("upstream", [nginx_bin(), "-c", str(WORK / "upstream.conf"), "-p", str(WORK)], LOAD_CORE)
        procs.start("nginx", [nginx_bin(), "-c", str(WORK / "nginx-proxy.conf"), "-p", str(WORK)], PROXY_CORE)
        procs.start("haproxy", [haproxy_bin(), "-f", str(WORK / "haproxy.cfg")], PROXY_CORE)
        env_jar = ROOT / "service" / "target" / "steadyproxy-service.jar"
        if not env_jar.exists():
            raise SystemExit("bench: build the service first (make bench does)")
        sp = procs.start("steadyproxy", [str(ROOT / "bin" / "start-proxy"), "--host", "127.0.0.1", "--port", str(ours),
                                         "--upstream", f"http://127.0.0.1:{up}", "--log-file", "",
                                         "--access-log", "false"], PROXY_CORE)
        for port in (up, ngx, ha, ours):
            wait_port(port, who="bench")

        targets = {"steadyproxy": ours, "nginx": ngx, "haproxy": ha, "direct": up}
        scenarios = [("small, 64 conns", "/small", 64), ("small, 256 conns", "/small", 256),
                     ("100 MiB body, 4 conns", "/big", 4)]

        # The JIT needs about a minute on one core to settle; nginx and HAProxy need no warm-up.
        print(f"bench: warming up SteadyProxy's JIT for {args.warmup}s ...", flush=True)
        wrk(ours, "/small", 64, max(1, args.warmup * 2 // 3))
        wrk(ours, "/small", 256, max(1, args.warmup // 6))
        wrk(ours, "/big", 4, max(1, args.warmup // 6))
        for port in (ngx, ha):
            wrk(port, "/small", 64, 2)

        results = {(s[0], t): [] for s in scenarios for t in targets}
        peak_rss = 0.0
        for r in range(args.rounds):
            for name, path, conns in scenarios:
                for target, port in targets.items():
                    res = wrk(port, path, conns, args.seconds)
                    if target == "steadyproxy":
                        res["rss"] = rss_mb(sp.pid)
                        peak_rss = max(peak_rss, res["rss"])
                    results[(name, target)].append(res)
                    print(f"round {r + 1} {name:<22} {target:<12} {res['rps']:>10.0f} req/s "
                          f"{res['mbps']:>8.1f} MB/s p50 {res['p50']:.2f} ms p99 {res['p99']:.2f} ms"
                          f"{'  errors ' + str(res['errors']) if res['errors'] else ''}"
                          f"{'  ' + res['socket_errors'] if res['socket_errors'] else ''}", flush=True)

        table = render(results, scenarios, targets, args, peak_rss)
        print(table)
        if not args.no_write:
            write_doc(Path(args.output), table)
    finally:
        procs.stop_all()
        if os.environ.get("BENCH_KEEP"):
            print(f"bench: logs kept in {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)


def ratio_median(results, scenario, target, metric):
    ours = results[(scenario, target)]
    base = results[(scenario, "nginx")]
    return statistics.median(o[metric] / b[metric] for o, b in zip(ours, base) if b[metric] > 0)


def render(results, scenarios, targets, args, peak_rss):
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores: each proxy pinned to core 0, "
             f"wrk and the nginx upstream on core 1; {args.rounds} interleaved rounds of {args.seconds}s per "
             f"target and scenario after {args.warmup}s warm-up. Values are medians over rounds; ratios are "
             f"medians of per-round ratios to nginx.", "",
             "| scenario | target | req/s | MB/s | p50 ms | p99 ms | req/s vs nginx | p99 vs nginx | MB/s vs nginx |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, _, _ in scenarios:
        for target in targets:
            rs = results[(name, target)]
            med = {k: statistics.median(r[k] for r in rs) for k in ("rps", "mbps", "p50", "p99")}
            lines.append(f"| {name} | {target} | {med['rps']:.0f} | {med['mbps']:.1f} | {med['p50']:.2f} | "
                         f"{med['p99']:.2f} | {ratio_median(results, name, target, 'rps'):.2f}x | "
                         f"{ratio_median(results, name, target, 'p99'):.2f}x | "
                         f"{ratio_median(results, name, target, 'mbps'):.2f}x |")
    lines += ["", f"SteadyProxy peak RSS during the run: {peak_rss:.0f} MB (launcher defaults: bin/start-proxy)."]
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
