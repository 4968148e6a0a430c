#!/usr/bin/env python3
"""WebSocket echo load for the bench's ws scenario: C connections, each sending a text message of
SIZE bytes and waiting for its echo before the next (WINDOW messages in flight per connection), for
SECONDS. Standard library only (uvloop if present). Prints one line `JSON {...}` with the keys
wrk's report.lua prints: requests (= messages echoed), rps (= messages/s), p50/p99 of the round
trip in ms, errors. Loopback only; bounded by SECONDS and a 10 s timeout per round trip.

    wsload.py URL CONNECTIONS SECONDS [--size 64] [--window 1]
"""
import argparse
import asyncio
import base64
import json
import os
import struct
import time
from urllib.parse import urlsplit


def masked_frame(payload):
    mask = os.urandom(4)
    n = len(payload)
    keys = (mask * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")
    if n < 126:
        head = struct.pack("!BB", 0x81, 0x80 | n)
    else:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    return head + mask + body


async def read_frame(reader):
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    return b0 & 0x0F, await reader.readexactly(n)


async def connection(host, port, path, size, window, deadline, stats):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    if not head.startswith(b"HTTP/1.1 101"):
        stats["err_status"] += 1
        writer.close()
        return
    payload = b"x" * size
    batch = masked_frame(payload) * window
    try:
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            writer.write(batch)
            for _ in range(window):
                opcode, data = await asyncio.wait_for(read_frame(reader), 10)
                if opcode != 1 or len(data) != size:
                    stats["err_read"] += 1
                    return
            stats["rtts"].append((time.perf_counter() - t0) * 1000)
            stats["requests"] += window
            stats["bytes"] += window * (size + 2)
    except asyncio.TimeoutError:
        stats["err_timeout"] += 1
    except (asyncio.IncompleteReadError, ConnectionError):
        stats["err_read"] += 1
    finally:
        writer.close()


async def main(url, conns, seconds, size, window):
    u = urlsplit(url)
    stats = {"requests": 0, "bytes": 0, "rtts": [], "err_connect": 0, "err_read": 0, "err_write": 0,
             "err_status": 0, "err_timeout": 0}
    start = time.monotonic()
    deadline = start + seconds
    results = await asyncio.gather(*[connection(u.hostname, u.port, u.path or "/", size, window, deadline, stats)
                                     for _ in range(conns)], return_exceptions=True)
    stats["err_connect"] += sum(1 for r in results if isinstance(r, Exception))
    duration = time.monotonic() - start
    rtts = sorted(stats.pop("rtts")) or [float("nan")]
    pct = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
    print("JSON " + json.dumps({**stats, "duration_s": duration, "rps": stats["requests"] / duration,
                                "mbps": stats["bytes"] / duration / 1048576, "p50_ms": pct(0.5),
                                "p99_ms": pct(0.99), "max_ms": rtts[-1]}), flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("conns", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--window", type=int, default=1)
    a = ap.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(a.url, a.conns, a.seconds, a.size, a.window))
