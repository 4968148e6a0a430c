#!/usr/bin/env python3
"""Training load for the AOT cache (bin/train-aot): a mix of the proxy's paths against the demo upstream.

  aot-load.py http://127.0.0.1:PORT [SECONDS] [THREADS]

Loopback only. Each thread sends requests over one keep-alive connection until SECONDS have passed
or it has sent 200,000 requests, whichever comes first; the mix (small GETs, 16 KiB POST echoes,
1 MiB and chunked bodies, SSE, 404s, /health) makes the JIT profile the paths production uses,
which is what JEP 515's method profiles carry into the cache. Prints one line of counts.
"""
import http.client
import sys
import threading
import time
import urllib.parse

MAX_REQUESTS = 200_000
BODY = b"b" * 16384


def one(conn, i):
    kind = i % 20
    if kind < 12:
        conn.request("GET", "/echo?i=%d" % (i % 7))
    elif kind < 16:
        conn.request("POST", "/echo", body=BODY, headers={"Content-Type": "application/octet-stream"})
    elif kind == 16:
        conn.request("POST", "/echo", body=iter([BODY[:5000], BODY[5000:]]), encode_chunked=True)
    elif kind == 17:
        conn.request("GET", "/big?size=1048576")
    elif kind == 18:
        conn.request("GET", "/sse?count=2&interval_ms=1")
    else:
        conn.request("GET", "/health" if i % 40 == 19 else "/no-such-path")
    r = conn.getresponse()
    r.read()
    return r.status


def worker(host, port, deadline, counts, lock):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    n = 0
    ok = bad = 0
    while n < MAX_REQUESTS and time.monotonic() < deadline:
        try:
            status = one(conn, n)
            ok += status < 500
            bad += status >= 500
        except (OSError, http.client.HTTPException):
            bad += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
        n += 1
    conn.close()
    with lock:
        counts[0] += ok
        counts[1] += bad


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("aot-load: loopback only")
    deadline = time.monotonic() + seconds
    counts, lock = [0, 0], threading.Lock()
    ts = [threading.Thread(target=worker, args=(url.hostname, url.port, deadline, counts, lock))
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 30)
    print(f"aot-load: {counts[0]} answered, {counts[1]} failed in {seconds:.0f}s")
    return 0 if counts[0] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
