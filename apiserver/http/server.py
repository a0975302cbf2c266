"""The HTTP server as a trio component: aiohttp in its own thread, started and stopped from trio.

``await nursery.start(HTTPServer(api).run)`` binds (port 0 picks a free port), starts serving
and reports the bound port; cancelling it closes open watches, stops the asyncio loop and joins
its thread. An exception in the HTTP thread is re-raised in trio.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import trio
from aiohttp import web

from apiserver.endpoints.server import APIServer
from apiserver.http.app import Application, Extension
from apiserver.http.bridge import Bridge


class HTTPServer:
    def __init__(
        self,
        api: APIServer,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extensions: Mapping[str, Extension] | None = None,
    ) -> None:
        self.api = api
        self.extensions = extensions
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    async def run(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        token = trio.lowlevel.current_trio_token()
        ready = threading.Event()
        async with trio.open_nursery() as nursery:
            bridge = Bridge(token, nursery)
            thread = threading.Thread(
                target=self._thread_main, args=(bridge, ready), name="http", daemon=True
            )
            thread.start()
            await trio.to_thread.run_sync(ready.wait)
            if self._error is not None:
                raise self._error
            task_status.started(self.port)
            try:
                await trio.sleep_forever()
            finally:
                with trio.CancelScope(shield=True):
                    loop, stop = self._loop, self._stop
                    if loop is not None and stop is not None and not loop.is_closed():
                        loop.call_soon_threadsafe(stop.set)
                    await trio.to_thread.run_sync(thread.join)
                nursery.cancel_scope.cancel()
        if self._error is not None:
            raise self._error

    def _thread_main(self, bridge: Bridge, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve(bridge, ready))
        except BaseException as error:  # forwarded to trio
            self._error = error
        finally:
            ready.set()

    async def _serve(self, bridge: Bridge, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        application = Application(self.api, bridge, f"{self.host}:{self.port}", self.extensions)
        runner = web.AppRunner(application.build(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        addresses: list[Any] = runner.addresses
        if addresses:
            self.port = addresses[0][1]
        application.address = f"{self.host}:{self.port}"
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
