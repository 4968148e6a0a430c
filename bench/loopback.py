"""Helpers the benchmark drivers share: ports and processes on this machine's loopback."""
import socket
import time
from pathlib import Path


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60, who="bench"):
    """Waits until something accepts connections on 127.0.0.1:port, or exits with a clear message."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{who}: nothing listens on {port} after {timeout}s")


def rss_mb(pid):
    """VmRSS of a process in MB (nan once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
