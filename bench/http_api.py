"""HTTP benchmarks of the emulator (issue 5): a load generator in its own process.

    ./dev bench http_api [--quick]

Starts ``minikube-py start`` as a subprocess (measuring the time to the first 200 on
``/readyz``), then drives it from this process with an aiohttp client over loopback:
GET of one object, LIST of 100 objects, and CREATE, each with 32 concurrent connections;
p50/p99 latencies are per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


async def watch_latency(base: str, *, watchers: int, writes: int) -> None:
    """100 concurrent HTTP watchers; each write is stamped with its send time and every
    watcher records when the event reached it."""
    url = f"{base}/api/v1/namespaces/default/secrets?watch=true"
    latencies: list[float] = []
    ready = 0
    all_ready = asyncio.Event()

    async def watcher(session: aiohttp.ClientSession) -> None:
        nonlocal ready
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            ready += 1
            if ready == watchers:
                all_ready.set()
            seen = 0
            async for line in response.content:
                received = time.perf_counter()
                event = json.loads(line)
                sent = float(event["object"]["metadata"]["annotations"]["sent"])
                latencies.append(received - sent)
                seen += 1
                if seen == writes:
                    return

    connector = aiohttp.TCPConnector(limit=watchers + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(watcher(session)) for _ in range(watchers)]
        await all_ready.wait()
        await asyncio.sleep(0.2)
        for i in range(writes):
            body = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"s-{i}", "annotations": {"sent": repr(time.perf_counter())}},
            }
            async with session.post(
                f"{base}/api/v1/namespaces/default/secrets",
                data=json.dumps(body),
                headers={"Content-Type": "application/json"},
            ) as r:
                assert r.status == 201
            await asyncio.sleep(0.01)  # pace the writer: latency, not throughput, is measured
        await asyncio.gather(*tasks)
    latencies.sort()
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    print(
        f"  watch delivery, {watchers} HTTP watchers x {writes} writes: "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms (send to receive, including the create)"
    )


async def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="mkpy-http-"))
    kubeconfig = workdir / "kubeconfig"
    env = {**os.environ, "MINIKUBE_PY_HOME": str(workdir)}
    started = time.perf_counter()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "minikube_py.cli", "start", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        env=env,
    )
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
        await watch_latency(base, watchers=100, writes=50 if QUICK else 300)
        await drive(base, "CREATE ConfigMap", n, create)
        await drive(base, "GET ConfigMap", n * 2, get)
        await drive(base, "LIST 100 ConfigMaps (limit=100)", n // 5, list_100)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    QUICK = parser.parse_args().quick
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    asyncio.run(main())
