#!/usr/bin/env python3
"""Where the time goes: aggregates the CPU samples (jdk.ExecutionSample) of a JFR recording.

  bench/jfr-top.py RECORDING.jfr [--top 25]
  bench/jfr-top.py PROFILE.collapsed      (bench.py --jfr F --async-profiler LIB writes F.collapsed)

make bench --jfr FILE (bench.py) records the warmed SteadyProxy during the small64 rounds. Prints
  1. self time by area: each sample is charged to the area of the innermost frame that belongs to
     one (see AREAS), so JDK helpers called from, say, Micrometer count as metrics;
  2. the top methods by self time (the leaf frame);
  3. the top methods by inclusive time (on the stack at all), our code and Helidon's only.
JFR samples threads running Java code; time spent inside system calls (socket reads and writes)
shows up as the Java frames that made them, at a much lower rate than perf would show.
"""
import argparse
import collections
import json
import os
import subprocess
import sys

# (area, prefixes of "package.Class.method"); first match from the innermost frame outwards wins.
AREAS = [
    ("access log (java.util.logging, ProxyLog)", ("java.util.logging.", "io.steadyproxy.observe.ProxyLog")),
    ("metrics: Micrometer (ProxyMetrics)", ("io.micrometer.", "io.steadyproxy.observe.ProxyMetrics")),
    ("metrics: Helidon MetricsFeature / observe", ("io.helidon.metrics.", "io.helidon.webserver.observe.")),
    ("proxy: upstream pool", ("io.steadyproxy.proxy.UpstreamPool",)),
    ("proxy: upstream connection, head parsing, body relay",
     ("io.steadyproxy.proxy.UpstreamConnection", "io.steadyproxy.proxy.ResponseHead", "io.steadyproxy.proxy.UpstreamBody",
      "io.steadyproxy.proxy.RequestHead", "io.steadyproxy.proxy.HopByHop")),
    ("proxy: handler and filters", ("io.steadyproxy.",)),
    ("Helidon: HTTP/1 connection, request parsing, response writing",
     ("io.helidon.webserver.http1.", "io.helidon.http.", "io.helidon.common.buffers.", "io.helidon.common.socket.")),
    ("Helidon: routing, filters, context", ("io.helidon.webserver.http.", "io.helidon.common.context.",
                                            "io.helidon.webserver.")),
    ("Helidon: other", ("io.helidon.",)),
    ("virtual threads: park/unpark, scheduler, timers",
     ("java.lang.VirtualThread", "java.util.concurrent.ForkJoin", "jdk.internal.vm.Continuation",
      "java.util.concurrent.locks.LockSupport", "java.util.concurrent.DelayScheduler",
      "java.util.concurrent.ScheduledThreadPoolExecutor", "jdk.internal.misc.Unsafe.park",
      "jdk.internal.misc.Unsafe.unpark", "java.lang.ThreadBuilders")),
    ("socket I/O (NioSocketImpl, poller)", ("sun.nio.ch.", "java.net.", "jdk.internal.net.")),
    ("locks and queues", ("java.util.concurrent.locks.", "java.util.concurrent.LinkedTransferQueue",
                          "java.util.concurrent.ArrayBlockingQueue", "java.util.concurrent.Semaphore")),
    ("ConcurrentHashMap", ("java.util.concurrent.ConcurrentHashMap",)),
    ("ThreadLocal / scoped values", ("java.lang.ThreadLocal", "java.lang.ScopedValue")),
    ("strings, numbers, formatting", ("java.lang.String", "java.lang.Long.", "java.lang.Integer.", "java.lang.Double",
                                      "jdk.internal.math.", "java.lang.AbstractStringBuilder",
                                      "java.lang.StringConcatHelper", "java.util.Formatter", "java.lang.invoke.")),
    ("time (Instant, System.nanoTime)", ("java.time.", "java.lang.System.nanoTime", "jdk.internal.misc.VM.")),
]


def frame_name(f):
    m = f["method"]
    return f"{m['type']['name'].replace('/', '.')}.{m['name']}"


def area_of(stack):
    if not any("." in name for name in stack):  # async-profiler: a thread with no Java frame
        return "JVM threads without Java frames (JIT compilers, GC, VM thread)"
    for name in stack:  # innermost first; native frames are charged to their Java caller
        for area, prefixes in AREAS:
            if name.startswith(prefixes):
                return area
    return "other JDK / JVM"


def load_collapsed(path):
    """async-profiler's collapsed output: root;...;leaf COUNT, frames like io/helidon/X.method_[j]."""
    stacks = []
    for line in open(path):
        frames, _, count = line.rstrip("\n").rpartition(" ")
        names = [f.rsplit("_[", 1)[0].replace("/", ".") for f in frames.split(";")][::-1]
        stacks.extend([names] * int(count))
    return stacks


def load(path):
    if path.endswith(".collapsed"):
        return load_collapsed(path)
    out = subprocess.run([os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "jfr"), "print", "--json",
                          "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    return [[frame_name(f) for f in e["values"]["stackTrace"]["frames"]] for e in events
            if e["values"].get("stackTrace")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recording")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    stacks = load(args.recording)
    n = len(stacks)
    if not n:
        sys.exit("jfr-top: no execution samples in the recording")
    print(f"{n} samples\n\nself time by area:")
    for area, c in collections.Counter(area_of(s) for s in stacks).most_common():
        print(f"  {100 * c / n:5.1f}%  {area}")
    print(f"\ntop {args.top} methods by self time:")
    for name, c in collections.Counter(s[0] for s in stacks).most_common(args.top):
        print(f"  {100 * c / n:5.1f}%  {name}")
    inclusive = collections.Counter()
    for s in stacks:
        inclusive.update({x for x in s if x.startswith(("io.steadyproxy.", "io.helidon.", "io.micrometer."))})
    print(f"\ntop {args.top} of our, Helidon's and Micrometer's methods by inclusive time:")
    for name, c in inclusive.most_common(args.top):
        print(f"  {100 * c / n:5.1f}%  {name}")


if __name__ == "__main__":
    main()
