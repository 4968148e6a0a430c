#!/usr/bin/env python3
"""What one idle client connection costs the proxy: live heap by class, native memory, RSS.

Not part of `make test`. A fresh proxy (bin/start-proxy with its default JVM flags plus native memory
tracking) is pinned to core 0 in front of an nginx upstream on core 1. After a warm-up (wrk for
--warm seconds, or --cold: 200 requests, mostly interpreted code), it takes a class histogram
(`jcmd PID GC.class_histogram`, which runs a full GC first), the native memory summary and RSS; then
it opens --connections client connections and holds them, and takes the same three readings again.
Two kinds of idle connection:

  kept    -- one `GET /small` each, answered, then silent (a kept-alive connection between requests);
  silent  -- connected, nothing sent (a fresh connection waiting for its request head).

The table divides each difference by the number of connections held. Loopback only; every run is
bounded; only the processes this script started are stopped, by PID.

  bench/idle_cost.py --connections 3000 --modes kept,silent --warm 15
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import soak  # noqa: E402  (the soak's launcher copy, process handling and nginx upstream)
from loopback import free_port, rss_mb, wait_port  # noqa: E402

JCMD = None


def jcmd(pid, *args):
    return subprocess.run([JCMD, str(pid), *args], capture_output=True, text=True, timeout=120, check=True).stdout


def histogram(pid):
    """{class name: (instances, bytes)} after a full GC."""
    out = {}
    for line in jcmd(pid, "GC.class_histogram").splitlines():
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            out[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return out


def native(pid):
    """{NMT category: committed KB}, with 'Total'."""
    out = {}
    for line in jcmd(pid, "VM.native_memory", "summary").splitlines():
        m = re.match(r"(?:Total|-\s+([A-Za-z ]+?))\s*\(?\s*(?::\s*)?reserved=\d+KB, committed=(\d+)KB", line.strip())
        if m:
            out[(m.group(1) or "Total").strip()] = int(m.group(2))
    return out


async def hold(port, n, mode, concurrency, on_open):
    """Opens n connections of the given kind, calls on_open(held) in a thread, then closes them."""
    sem = asyncio.Semaphore(concurrency)
    held, failed = [], [0]

    async def one():
        async with sem:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                if mode == "kept":
                    w.write(b"GET /small HTTP/1.1\r\nHost: idle\r\n\r\n")
                    status, _ = await asyncio.wait_for(soak.read_response(r), 30)
                    if status != 200:
                        raise OSError(f"status {status}")
                held.append((r, w))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                failed[0] += 1

    await asyncio.gather(*(one() for _ in range(n)))
    await asyncio.sleep(2)  # let every handler reach its read (a fresh one parks in the prologue read)
    result = await asyncio.get_running_loop().run_in_executor(None, on_open, len(held))
    for _, w in held:
        w.close()
    return result, failed[0]


# what each class is, for the table (anything else is summed into "everything else")
LABELS = [
    ("[B", "`byte[]`: the socket's read buffer (Helidon's was 8 KiB), thread name, ids"),
    ("jdk.internal.vm.StackChunk", "`StackChunk`: the parked virtual thread's stack"),
]


def measure(procs, ups, args, mode, warm):
    port, admin = free_port(), free_port()
    extra = ["--admin-port", str(admin), "--max-client-connections", str(args.connections + 1000),
             # a silent connection must outlive the measurement
             "--client-header-timeout", "600", "--client-keepalive-timeout", "600"]
    opts = soak.launcher_java_opts(extra="-XX:NativeMemoryTracking=summary " + args.jvm_extra)
    proxy = soak.start_proxy(procs, f"idle-{mode}-{'warm' if warm else 'cold'}", port, ups.nginx_url, extra,
                             env={"PROXY_JAVA_OPTS": opts})
    try:
        if warm:
            soak.run_wrk(port, 64, warm, WARM_LUA)
        else:
            for _ in range(200):
                soak.fetch(port, "GET", "/small")
        time.sleep(1)
        before = (histogram(proxy.pid), native(proxy.pid), rss_mb(proxy.pid))

        def readings(n):
            return n, (histogram(proxy.pid), native(proxy.pid), rss_mb(proxy.pid))

        (n, after), failed = asyncio.run(hold(port, args.connections, mode, args.open_concurrency, readings))
    finally:
        procs.stop(proxy)
    return {"mode": mode, "warm": warm, "n": n, "failed": failed, "before": before, "after": after}


def table(results, top):
    """Markdown: one column per measurement, rows in KiB per connection."""
    def per(r, fn):
        return fn(r["after"]) - fn(r["before"])

    def heap_total(reading):
        return sum(b for _, b in reading[0].values())

    def cls(name):
        return lambda reading: reading[0].get(name, (0, 0))[1]

    def cnt(name):
        return lambda reading: reading[0].get(name, (0, 0))[0]

    cols = [f"{r['mode']}, {'warm (' + str(r['warm']) + ' s of wrk)' if r['warm'] else 'cold (200 requests)'}"
            for r in results]
    lines = ["| per idle connection | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(results)]

    def row(label, fn, unit=1024, fmt="{:.2f} KiB"):
        lines.append(f"| {label} | " + " | ".join(fmt.format(per(r, fn) / unit / r["n"]) for r in results) + " |")

    row("**live heap** (histogram total after full GC)", heap_total)
    named = set()
    for name, label in LABELS:
        row(f"... {label}", cls(name))
        named.add(name)
    # the biggest other classes, by their delta in the first result
    deltas = {}
    for r in results:
        for name in set(r["after"][0]) | set(r["before"][0]):
            if name not in named:
                d = (r["after"][0].get(name, (0, 0))[1] - r["before"][0].get(name, (0, 0))[1]) / r["n"]
                deltas[name] = max(deltas.get(name, 0), d)
    biggest = [n for n, d in sorted(deltas.items(), key=lambda kv: -kv[1])[:top] if d >= 16]
    for name in biggest:
        lines.append(f"| ... `{name}` | " + " | ".join(
            f"{per(r, cls(name)) / r['n']:.0f} B ({per(r, cnt(name)) / r['n']:.2f}×)" for r in results) + " |")
    rest = [lambda reading, b=biggest: heap_total(reading) - sum(cls(n)(reading) for n in list(named) + b)]
    row("... everything else", rest[0])
    row("native memory committed (NMT total, heap fixed)", lambda reading: reading[1].get("Total", 0), unit=1)
    for cat in ("Thread", "Other", "Internal", "Class", "Code", "GC", "Symbol"):
        row(f"... NMT {cat}", lambda reading, c=cat: reading[1].get(c, 0), unit=1)
    row("RSS (delta / connections)", lambda reading: reading[2] * 1024 * 1024)
    lines.append("| connections held (failed) | " + " | ".join(f"{r['n']:,} ({r['failed']})" for r in results) + " |")
    return "\n".join(lines)


WARM_LUA = None


def main():
    global JCMD, WARM_LUA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=3000)
    ap.add_argument("--modes", default="kept,silent", help="kept, silent or both")
    ap.add_argument("--warm", type=int, default=15, help="seconds of wrk before the baseline (0: cold)")
    ap.add_argument("--cold", action="store_true", help="also measure cold (200 requests, no wrk)")
    ap.add_argument("--open-concurrency", type=int, default=200)
    ap.add_argument("--top", type=int, default=8, help="other classes listed by name")
    ap.add_argument("--jvm-extra", default="", help="JVM flags added to the launcher's defaults")
    ap.add_argument("--root", help="measure the build in this checkout (bin/, scripts/, service/target/) instead")
    args = ap.parse_args()
    if args.root:
        soak.ROOT = Path(args.root).resolve()
    java_home = subprocess.run([str(soak.ROOT / "scripts" / "find-jdk")], capture_output=True, text=True).stdout.strip()
    os.environ["JAVA_HOME"] = java_home
    JCMD = str(Path(java_home) / "bin" / "jcmd")
    soak.WORK = Path(tempfile.mkdtemp(prefix="steadyproxy-idle-"))
    soak.raise_nofile(args.connections * 2 + 1000)
    os.sched_setaffinity(0, {int(soak.LOAD_CORE)})
    soak.private_launcher()
    WARM_LUA = soak.WORK / "small.lua"
    WARM_LUA.write_text('wrk.method = "GET"\nwrk.path = "/small"\n')
    procs = soak.Procs()
    results = []
    try:
        ups = soak.Upstreams(procs)
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            for warm in ([0] if args.cold else []) + ([args.warm] if args.warm else []):
                r = measure(procs, ups, args, mode, warm)
                soak.log(f"idle: {mode} {'warm' if warm else 'cold'}: {r['n']} held, "
                         f"{(sum(b for _, b in r['after'][0].values()) - sum(b for _, b in r['before'][0].values())) / 1024 / r['n']:.2f} KiB heap each")
                results.append(r)
        print()
        print(f"_Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
              f"{os.getloadavg()[0]:.2f}; JVM flags: `{soak.launcher_java_opts(extra=args.jvm_extra)}`._")
        print()
        print(table(results, args.top))
    finally:
        procs.stop_all()
        if os.environ.get("SOAK_KEEP"):
            print(f"idle: logs kept in {soak.WORK}")
        else:
            shutil.rmtree(soak.WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
