"""Watches over HTTP: filters per watcher, ``timeoutSeconds`` and shutdown end the response
cleanly, a 410 ``ERROR`` event for a compacted revision, and a client that stops reading is cut
off while the others keep receiving.

The server runs on the wall clock (it serves HTTP); the clients are plain trio sockets reading
the chunked stream, so what is checked is what goes over the wire.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio

from apiserver.client import InProcessClient
from apiserver.endpoints.server import APIServer
from apiserver.http.server import HTTPServer
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock


class Served:
    """The API server on a free port; its watch clients are closed at the end of the test."""

    def __init__(self, api: InProcessClient, port: int, stop: trio.CancelScope) -> None:
        self.api = api
        self.port = port
        self.stop = stop
        self.clients: list[WatchClient] = []

    async def watch(self, query: str, *, receive_buffer: int = 0) -> WatchClient:
        client = await WatchClient.open(self.port, query, receive_buffer=receive_buffer)
        self.clients.append(client)
        return client


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
    server = APIServer(kv, ClusterClock(seed=1))
    await server.bootstrap()
    stop = trio.CancelScope()

    async def serve(task_status: trio.TaskStatus[int]) -> None:
        with stop:  # cancelling it shuts the HTTP server down
            await HTTPServer(server).run(task_status=task_status)

    async with trio.open_nursery() as nursery:
        served = Served(InProcessClient(server), await nursery.start(serve), stop)
        try:
            yield served
        finally:
            for client in served.clients:
                client.close()
        nursery.cancel_scope.cancel()
    kv.close()


class WatchClient:
    """One watch request on its own connection, its chunked body read event by event."""

    def __init__(self, sock: trio.socket.SocketType) -> None:
        self._sock = sock
        self._buffer = b""
        self.ended = False  # the terminating chunk came
        self.closed = False  # the connection closed

    @classmethod
    async def open(cls, port: int, query: str, *, receive_buffer: int = 0) -> WatchClient:
        sock = trio.socket.socket()
        if receive_buffer:
            sock.setsockopt(trio.socket.SOL_SOCKET, trio.socket.SO_RCVBUF, receive_buffer)
        await sock.connect(("127.0.0.1", port))
        path = f"/api/v1/namespaces/default/configmaps?watch=true&{query}"
        await sock.send(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        client = cls(sock)
        head = await client._until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"transfer-encoding: chunked" in head.lower()
        return client

    async def _until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            data = await self._sock.recv(1 << 16)
            if not data:
                self.closed = True
                raise EOFError
            self._buffer += data
        head, self._buffer = self._buffer.split(marker, 1)
        return head

    async def event(self) -> dict[str, Any] | None:
        """The next event, or None at the end of the response (or of the connection)."""
        if self.ended or self.closed:
            return None
        try:
            size = int(await self._until(b"\r\n"), 16)
            while len(self._buffer) < size + 2:
                data = await self._sock.recv(1 << 16)
                if not data:
                    raise EOFError
                self._buffer += data
        except EOFError:
            self.closed = True
            return None
        chunk, self._buffer = self._buffer[:size], self._buffer[size + 2 :]
        if size == 0:
            self.ended = True
            return None
        assert chunk.endswith(b"\n") and chunk.count(b"\n") == 1  # one event per line
        event: dict[str, Any] = json.loads(chunk)
        return event

    async def events(self, count: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(count):
            event = await self.event()
            assert event is not None, f"the stream ended after {out}"
            out.append(event)
        return out

    def close(self) -> None:
        self._sock.close()


def _configmap(name: str, data: str = "", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "data": {"d": data} if data else {},
    }


async def test_each_watcher_gets_what_its_selectors_match(served: Served) -> None:
    rv = served.api.server.kv.revision
    with trio.fail_after(10):
        everything = await served.watch(f"resourceVersion={rv}")
        labelled = await served.watch(f"resourceVersion={rv}&labelSelector=app")
        await served.api.create(_configmap("a"))
        await served.api.create(_configmap("b", app="x"))
        got = [e["object"]["metadata"]["name"] for e in await everything.events(2)]
        (only,) = await labelled.events(1)
    assert got == ["a", "b"]
    assert (only["type"], only["object"]["metadata"]["name"]) == ("ADDED", "b")


async def test_timeout_seconds_ends_the_response_cleanly(served: Served) -> None:
    with trio.fail_after(10):
        watch = await served.watch("timeoutSeconds=1&resourceVersion=0")
        while await watch.event() is not None:
            pass
    assert watch.ended  # the terminating chunk, not a dropped connection


async def test_a_compacted_revision_gets_a_410_error_event(served: Served) -> None:
    kv = served.api.server.kv
    old = kv.revision
    await served.api.create(_configmap("a"))
    await served.api.create(_configmap("b"))
    await kv.compact(kv.revision)
    with trio.fail_after(10):
        watch = await served.watch(f"resourceVersion={old}")
        (error,) = await watch.events(1)
        assert await watch.event() is None
    assert error["type"] == "ERROR"
    assert (error["object"]["code"], error["object"]["reason"]) == (410, "Expired")


async def test_shutdown_ends_open_watches(served: Served) -> None:
    with trio.fail_after(10):
        watch = await served.watch(f"resourceVersion={served.api.server.kv.revision}")
        served.stop.cancel()
        while await watch.event() is not None:
            pass
    assert watch.ended or watch.closed


async def test_a_client_that_stops_reading_is_cut_off_and_the_others_keep_up(
    served: Served,
) -> None:
    rv = served.api.server.kv.revision
    big = "x" * (900 << 10)
    count = 30  # ~27 MiB: more than a watch may leave unread in its socket's buffer
    with trio.fail_after(60):
        stalled = await served.watch(f"resourceVersion={rv}", receive_buffer=4096)
        reading = await served.watch(f"resourceVersion={rv}")
        for i in range(count):
            await served.api.create(_configmap(f"big-{i}", big))
            (event,) = await reading.events(1)  # each one arrives while the other stalls
            assert event["object"]["metadata"]["name"] == f"big-{i}"
        seen = 0
        while await stalled.event() is not None:
            seen += 1
    assert seen < count
    assert stalled.ended or stalled.closed
