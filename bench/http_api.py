"""HTTP benchmarks of the emulator (issue 5): a load generator in its own process.

    ./dev bench http_api [--quick] [--repeat N] [--flat-requests N] [SECTION ...]

Starts ``minikube-py start`` as a subprocess (measuring the time to the first 200 on
``/readyz``), then drives it from this process with an aiohttp client over loopback.
Sections (all but ``flat`` by default):

- ``watch``: 100 concurrent HTTP watchers read by a process of their own (plain sockets and
  epoll, see ``_watch_reader``), paced creates from this process; latency from the writer's
  send (so the create is included) to each watcher's read of the event's line, and to its
  arrival in the watcher's socket (kernel timestamps); ``--repeat`` runs, each reported, then
  the medians;
- ``create``, ``get``, ``list``: CREATE of ConfigMaps, GET of one, LIST of 100, each with 32
  concurrent connections; p50/p99 latencies are per request;
- ``flat``: per-request cost as the requests served grow: ``--flat-requests`` GETs (default
  200,000; 1,000,000 for the issue's figure) from 32 connections, the mean and p99 latency and
  the throughput reported for every window of 10,000 requests, then the first and last windows
  compared. The server process's RSS is shown too (a leak shows up there before latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import select
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

QUICK = False


async def wait_ready(base: str, started: float) -> float:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.005)


async def drive(base: str, name: str, count: int, request: object, concurrency: int = 32) -> None:
    latencies: list[float] = []
    counter = iter(range(count))

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in counter:
            t = time.perf_counter()
            await request(session, i)  # type: ignore[operator]
            latencies.append(time.perf_counter() - t)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        t = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - t
    latencies.sort()
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    print(f"  {name:<34} {count / elapsed:>8,.0f} /s   p50 {p50:5.2f} ms   p99 {p99:6.2f} ms")


async def watch_latency(
    base: str, *, watchers: int, writes: int, tag: str = ""
) -> tuple[float, float]:
    """``watchers`` concurrent HTTP watches read by a reader process of their own; each write
    is stamped with its send time, and the reader records when each event's line reached it
    (see :func:`_watch_reader`). Returns the p50 and p99 of send -> read, in ms."""
    collection = f"{base}/api/v1/namespaces/default/secrets"
    async with aiohttp.ClientSession() as session, session.get(f"{collection}?limit=1") as r:
        listed = await r.json()
    # from the list's resourceVersion, as informers watch: no initial events to wade through
    url = f"{collection}?watch=true&resourceVersion={listed['metadata']['resourceVersion']}"
    reader = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--watch-reader",
        url,
        str(watchers),
        str(writes),
        stdout=asyncio.subprocess.PIPE,
    )
    assert reader.stdout is not None
    assert (await reader.stdout.readline()).strip() == b"ready"
    creates: list[float] = []
    async with aiohttp.ClientSession() as session:
        await asyncio.sleep(0.2)
        threads_before = _server_threads_cpu()
        server_cpu = _server_cpu()
        for i in range(writes):
            sent = time.perf_counter()
            body = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"s-{tag}{i}", "annotations": {"sent": repr(sent)}},
            }
            async with session.post(
                collection, data=json.dumps(body), headers={"Content-Type": "application/json"}
            ) as r:
                assert r.status == 201
                await r.read()
            creates.append(time.perf_counter() - sent)
            await asyncio.sleep(0.01)  # pace the writer: latency, not throughput, is measured
        report = json.loads(await reader.stdout.read())
        await reader.wait()
        server_cpu = (_server_cpu() - server_cpu) / writes * 1e3
        threads_after = _server_threads_cpu()
    per_thread = sorted(
        ((threads_after[t] - threads_before.get(t, 0.0)) / writes * 1e3 for t in threads_after),
        reverse=True,
    )
    read, arrived = sorted(report["read"]), sorted(report["arrived"])
    assert len(read) == watchers * writes, (len(read), watchers * writes)
    p50, p99 = _ms(read, 0.5), _ms(read, 0.99)
    print(
        f"  watch delivery, {watchers} HTTP watchers x {writes} writes, send -> read by the "
        f"reader: p50 {p50:.2f} ms, p99 {p99:.2f} ms; send -> in the reader's socket: "
        f"p50 {_ms(arrived, 0.5):.2f} ms, p99 {_ms(arrived, 0.99):.2f} ms; "
        f"the create alone: p50 {_ms(sorted(creates), 0.5):.2f} ms\n"
        f"    CPU per write: server {server_cpu:.2f} ms "
        f"(threads {', '.join(f'{c:.2f}' for c in per_thread[:2])}), "
        f"reader {report['cpu'] / writes * 1e3:.2f} ms"
    )
    return p50, p99


def _ms(ordered: list[float], quantile: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * quantile))] * 1e3


def _watch_reader(url: str, watchers: int, writes: int) -> None:
    """The watchers' client, in a process of its own: ``watchers`` plain sockets, one epoll.

    A watcher's line counts as read when the ``recv`` that completed it returns; the time it
    reached the socket is the kernel's receive timestamp (``SO_TIMESTAMPNS``). Lines are
    parsed only after the run, so the reader's own parsing (several ms per event for 100
    streams in an aiohttp client, on the same 2 cores as the server) stays out of the figure.
    Prints ``ready`` once every watch has its headers, then a JSON report: per event per
    watcher, seconds from the writer's send to read and to arrival, and the reader's CPU.
    """
    parts = urlsplit(url)
    request = f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n"
    sockets: dict[int, socket.socket] = {}
    rest: dict[int, bytes] = {}
    for _ in range(watchers):
        sock = socket.create_connection((parts.hostname, parts.port))
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        sock.sendall(request.encode())
        sockets[sock.fileno()] = sock
    for fd, sock in sockets.items():
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, rest[fd] = data.split(b"\r\n\r\n", 1)
        assert b" 200 " in head.split(b"\r\n")[0], head
        sock.setblocking(False)
    # the kernel stamps with the wall clock; the writer with perf_counter
    wall_offset = time.time() - time.perf_counter()
    epoll = select.epoll()
    for fd in sockets:
        epoll.register(fd, select.EPOLLIN)
    print("ready", flush=True)
    cpu = time.process_time()
    received: list[tuple[int, float, float, bytes]] = []
    recvmsg = {fd: sock.recvmsg for fd, sock in sockets.items()}
    clock, ancillary = time.perf_counter, socket.CMSG_SPACE(16)
    lines_left = watchers * writes
    while lines_left > 0:
        for fd, _ in epoll.poll():
            data, cmsgs, _, _ = recvmsg[fd](1 << 20, ancillary)
            read = clock()
            arrived = read
            for _, kind, stamp in cmsgs:
                if kind == _SO_TIMESTAMPNS:
                    seconds, nanoseconds = struct.unpack("qq", stamp[:16])
                    arrived = seconds + nanoseconds * 1e-9 - wall_offset
            received.append((fd, read, arrived, data))
            lines_left -= data.count(b"\n\r\n")  # each event's chunk ends its JSON line
    cpu = time.process_time() - cpu
    report: dict[str, Any] = {"read": [], "arrived": [], "cpu": cpu}
    for fd, read, arrived, data in received:
        buffer = rest[fd] + data
        while (end := buffer.find(b"\r\n")) >= 0:
            size = int(buffer[:end], 16)
            if len(buffer) < end + size + 4:
                break
            event = json.loads(buffer[end + 2 : end + 2 + size])
            sent = float(event["object"]["metadata"]["annotations"]["sent"])
            report["read"].append(read - sent)
            report["arrived"].append(arrived - sent)
            buffer = buffer[end + size + 4 :]
        rest[fd] = buffer
    print(json.dumps(report), flush=True)


_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def _server_cpu() -> float:
    """The server process's CPU time so far, in seconds."""
    return sum(_server_threads_cpu().values())


def _server_threads_cpu() -> dict[str, float]:
    """CPU seconds so far per thread of the server process (by thread id)."""
    out = {}
    try:
        for tid in os.listdir(f"/proc/{_SERVER_PID}/task"):
            with open(f"/proc/{_SERVER_PID}/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            out[tid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        pass
    return out


async def flat(base: str, total: int, *, window: int = 10_000, concurrency: int = 32) -> None:
    """GETs until ``total`` requests were served, reporting each window of ``window``."""
    url = f"{base}/api/v1/namespaces/default/configmaps/flat"
    async with aiohttp.ClientSession() as session:
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flat"}}
        async with session.post(
            f"{base}/api/v1/namespaces/default/configmaps",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        ) as r:
            assert r.status in (201, 409), await r.text()
    served = 0
    windows: list[tuple[int, float, float, float]] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(quota: int, latencies: list[float]) -> None:
            for _ in range(quota):
                t = time.perf_counter()
                async with session.get(url) as r:
                    assert r.status == 200
                    await r.read()
                latencies.append(time.perf_counter() - t)

        print(f"  per-request cost, {total:,} GETs in windows of {window:,} ({concurrency} conns)")
        while served < total:
            latencies: list[float] = []
            n = min(window, total - served)
            cpu = _server_cpu()
            t = time.perf_counter()
            share, extra = divmod(n, concurrency)
            await asyncio.gather(
                *(worker(share + (i < extra), latencies) for i in range(concurrency))
            )
            elapsed = time.perf_counter() - t
            cpu = (_server_cpu() - cpu) / n * 1e6
            served += n
            latencies.sort()
            mean = statistics.fmean(latencies) * 1e3
            p99 = latencies[int(len(latencies) * 0.99)] * 1e3
            windows.append((served, n / elapsed, mean, p99, cpu))
            if len(windows) <= 3 or served % (window * 10) == 0 or served >= total:
                print(
                    f"    {served:>9,} served: {n / elapsed:7,.0f} /s, "
                    f"mean {mean:5.2f} ms, p99 {p99:6.2f} ms, "
                    f"server CPU {cpu:4.0f} µs/request{_server_rss()}"
                )
    head = windows[1 : 1 + max(1, len(windows) // 10)]  # the first window warms up
    tail = windows[-max(1, len(windows) // 10) :]
    rate_head = statistics.median(w[1] for w in head)
    rate_tail = statistics.median(w[1] for w in tail)
    cpu_head = statistics.median(w[4] for w in head)
    cpu_tail = statistics.median(w[4] for w in tail)
    # least-squares slope of CPU per request against requests served (first window left out)
    xs = [w[0] / 100_000 for w in windows[1:]]
    ys = [w[4] for w in windows[1:]]
    if len(xs) >= 2:
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        den = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0
        print(
            f"    server CPU per request: trend {slope:+.2f} µs per 100,000 requests served "
            f"over {len(xs)} windows (mean {my:.0f} µs, spread {min(ys):.0f} to {max(ys):.0f})"
        )
    print(
        f"    medians, first tenth -> last tenth: {rate_head:,.0f} -> {rate_tail:,.0f} /s, "
        f"server CPU {cpu_head:.0f} -> {cpu_tail:.0f} µs/request "
        f"({cpu_tail / cpu_head - 1:+.0%}; throughput follows the machine's other load, "
        "CPU per request much less)"
    )


_SERVER_PID = 0


def _server_rss() -> str:
    try:
        with open(f"/proc/{_SERVER_PID}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return f", server RSS {int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    return ""


async def main(sections: list[str], repeat: int, flat_requests: int) -> None:
    global _SERVER_PID
    workdir = Path(tempfile.mkdtemp(prefix="mkpy-http-"))
    kubeconfig = workdir / "kubeconfig"
    env = {**os.environ, "MINIKUBE_PY_HOME": str(workdir)}
    started = time.perf_counter()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "minikube_py.cli", "start", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        env=env,
    )
    _SERVER_PID = server.pid
    assert server.stdout is not None
    line = server.stdout.readline().decode()
    base = line.strip().rsplit(" ", 1)[-1]
    ready = await wait_ready(base, started)
    print(f"  minikube-py start to first 200 on /readyz: {ready * 1e3:.0f} ms (with process start)")
    n = 200 if QUICK else 5_000
    cm = f"{base}/api/v1/namespaces/default/configmaps"

    async def create(session: aiohttp.ClientSession, i: int) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i}"},
            "data": {"k": "v"},
        }
        async with session.post(
            cm, data=json.dumps(body), headers={"Content-Type": "application/json"}
        ) as r:
            assert r.status == 201, await r.text()

    async def get(session: aiohttp.ClientSession, i: int) -> None:
        async with session.get(f"{cm}/cm-{i % 100}") as r:
            assert r.status == 200
            await r.read()

    async def list_100(session: aiohttp.ClientSession, i: int) -> None:
        async with session.get(f"{cm}?limit=100") as r:
            assert r.status == 200
            await r.read()

    try:
        if "watch" in sections:
            results = []
            for run in range(repeat):
                results.append(
                    await watch_latency(
                        base, watchers=100, writes=50 if QUICK else 300, tag=f"s{run}-"
                    )
                )
            if repeat > 1:
                p50 = statistics.median(r[0] for r in results)
                p99 = statistics.median(r[1] for r in results)
                print(
                    f"  watch delivery, median of {repeat} runs, send -> read: "
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
                )
        if "create" in sections or "get" in sections:
            await drive(base, "CREATE ConfigMap", n, create)
        if "get" in sections:
            await drive(base, "GET ConfigMap", n * 2, get)
        if "list" in sections:
            if "create" not in sections and "get" not in sections:
                await drive(base, "CREATE ConfigMap", n, create)
            await drive(base, "LIST 100 ConfigMaps (limit=100)", n // 5, list_100)
        if "flat" in sections:
            await flat(base, flat_requests)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--watch-reader"]:
        _watch_reader(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        sys.exit()
    parser = argparse.ArgumentParser()
    parser.add_argument("sections", nargs="*", default=["watch", "create", "get", "list"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the watch section")
    parser.add_argument("--flat-requests", type=int, default=200_000)
    args = parser.parse_args()
    QUICK = args.quick
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    asyncio.run(main(args.sections, args.repeat, 20_000 if QUICK else args.flat_requests))
