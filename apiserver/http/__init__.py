"""The HTTP front: kube-apiserver's REST API over aiohttp, a thin edge on the one pipeline.

aiohttp serves from its own thread and asyncio loop (it cannot run under trio);
:mod:`~apiserver.http.bridge` is the only place the two worlds meet. Everything a request
means is decided by :class:`~apiserver.endpoints.server.APIServer`, exactly as for the
in-process client.
"""
