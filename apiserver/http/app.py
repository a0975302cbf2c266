"""The aiohttp application: URLs and HTTP semantics onto pipeline requests and back.

Everything here runs in the HTTP thread. A request is parsed into an
:class:`~apiserver.endpoints.request.Request` (``RequestInfoFactory``'s URL rules, the verb from
the method and ``watch``), its body decoded (JSON, or YAML for ``application/yaml`` and apply
patches), and handed to the core through the bridge. Responses are JSON; a ``Status`` for every
failure, with ``Warning`` headers for warnings. ``Accept: ...;as=Table`` gets server-side
Tables (also inside watches: the first event carries the column definitions).

Kubernetes protobuf request bodies (what ``kubectl create <generator>`` sends) are decoded by
:mod:`~apiserver.http.protobuf` into the same dicts; responses are always JSON, which kubectl
accepts. Not yet: custom-resource endpoints.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import msgspec
import yaml
from aiohttp import web

from apiserver.endpoints import request as rq
from apiserver.endpoints.podlog import PodLogStream
from apiserver.endpoints.server import APIServer
from apiserver.http import discovery
from apiserver.http.bridge import Bridge
from apiserver.http.fanout import WatchFanouts
from apiserver.http.openapi import OpenAPI
from apiserver.http.protobuf import (
    PROTOBUF_MEDIA_TYPE,
    ProtobufError,
    UnsupportedKindError,
    decode_protobuf,
)
from apiserver.printers import table_for
from minikube_py.errors import (
    BadRequest,
    GroupResource,
    InternalError,
    MethodNotSupported,
    NotFound,
    RequestEntityTooLarge,
    StatusError,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

GIT_VERSION = "v1.32.0"
MAX_BODY = 3 * 1024 * 1024
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()
_JSON = "application/json"
_NAMESPACE_SUBRESOURCES = {"status", "finalize"}
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_BODY_TYPES = (_JSON, "application/yaml", "*/*", "", "application/vnd.kubernetes.protobuf")

#: An operator endpoint outside the Kubernetes API, under ``/minikube-py/<name>/...``: called in
#: the trio thread with the method, the path segments after the name and the JSON body (None
#: when empty); answers a status code and a JSON body. The cluster assembly plugs these in (node
#: operations for ``minikube-py node kill``...); errors are ``StatusError``s as everywhere.
Extension = Callable[[str, list[str], Any], Awaitable[tuple[int, Any]]]


def _json(
    body: Any, status: int = 200, *, warnings: Sequence[str] = (), content_type: str = _JSON
) -> web.Response:
    headers = {"Content-Type": content_type}
    if warnings:
        headers["Warning"] = ", ".join(f'299 - "{_quote(w)}"' for w in warnings)
    return web.Response(body=_encoder.encode(body), status=status, headers=headers)


def _quote(text: str) -> str:
    """The inside of an RFC 7230 quoted-string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _status(error: StatusError) -> web.Response:
    return _json(error.status(), error.code)


def _wants_table(request: web.Request) -> bool:
    first = request.headers.get("Accept", "").split(",")[0]
    return "as=Table" in first


class Application:
    def __init__(
        self,
        server: APIServer,
        bridge: Bridge,
        address: str,
        extensions: Mapping[str, Extension] | None = None,
    ) -> None:
        self.server = server
        self.bridge = bridge
        self.address = address
        self.extensions = dict(extensions or {})
        self.openapi = OpenAPI(server.catalog, GIT_VERSION)
        #: The HTTP watches' fan-outs (used in the trio thread only).
        self.fanouts = WatchFanouts(bridge.nursery, bridge.flush)

    def build(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors])
        app.router.add_route("*", "/{tail:.*}", self._route)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except StatusError as error:
            return _status(error)
        except web.HTTPRequestEntityTooLarge:
            return _status(RequestEntityTooLarge(f"limit is {MAX_BODY}"))
        except web.HTTPException:
            raise
        except Exception as error:  # never a traceback in a response
            log.exception("unexpected error serving %s %s", request.method, request.path)
            return _status(InternalError(f"{type(error).__name__}: {error}"))

    # -- routing -------------------------------------------------------------------------------

    async def _extension(self, request: web.Request, parts: list[str]) -> web.Response:
        handler = self.extensions.get(parts[0]) if parts else None
        if handler is None:
            raise NotFound(GroupResource("", "minikube-py"), "/".join(parts))
        raw = await request.read()
        try:
            body = _decoder.decode(raw) if raw else None
        except msgspec.DecodeError as error:
            raise BadRequest(f"the request body is not JSON: {error}") from None
        method, rest = request.method, parts[1:]
        code, answer = await self.bridge.call(lambda: handler(method, rest, body))
        return _json(answer, code)

    async def _route(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        if path in ("/healthz", "/readyz", "/livez"):
            return web.Response(text="ok")
        if path == "/version":
            return _json(
                {
                    "major": "1",
                    "minor": "32",
                    "gitVersion": GIT_VERSION,
                    "gitCommit": "minikube-py",
                    "gitTreeState": "clean",
                    "buildDate": "2026-01-01T00:00:00Z",
                    "goVersion": "go1.23",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                }
            )
        if parts[:1] == ["openapi"]:
            return self._openapi(parts)
        if parts[:1] == ["minikube-py"]:
            return await self._extension(request, parts[1:])
        if parts[:1] == ["api"]:
            if len(parts) == 1:
                return self._discovery_root(request, core=True)
            if len(parts) == 2 and parts[1] == "v1":
                return _json(discovery.api_resource_list(self.server.catalog, "", "v1"))
            if parts[1] == "v1":
                return await self._resource(request, "", "v1", parts[2:])
        if parts[:1] == ["apis"]:
            if len(parts) == 1:
                return self._discovery_root(request, core=False)
            if len(parts) == 2:
                group = discovery.api_group(self.server.catalog, parts[1])
                if group is not None:
                    return _json(group)
            elif len(parts) == 3:
                listing = discovery.api_resource_list(self.server.catalog, parts[1], parts[2])
                if listing is not None:
                    return _json(listing)
            else:
                return await self._resource(request, parts[1], parts[2], parts[3:])
        raise _not_found()

    def _discovery_root(self, request: web.Request, *, core: bool) -> web.Response:
        catalog = self.server.catalog
        if discovery.wants_aggregated(request.headers.get("Accept", "")):
            return _json(
                discovery.aggregated(catalog, core=core),
                content_type=discovery.AGGREGATED_CONTENT_TYPE,
            )
        if core:
            return _json(discovery.api_versions(self.address))
        return _json(discovery.api_group_list(catalog))

    def _openapi(self, parts: list[str]) -> web.Response:
        if parts == ["openapi", "v3"]:
            return _json(self.openapi.index())
        if len(parts) >= 3 and parts[1] == "v3":
            document = self.openapi.document("/".join(parts[2:]))
            if document is not None:
                return web.Response(body=document, content_type=_JSON)
        raise _not_found()

    # -- resources -----------------------------------------------------------------------------

    async def _resource(
        self, request: web.Request, group: str, version: str, parts: list[str]
    ) -> web.StreamResponse:
        namespace = ""
        if parts and parts[0] == "namespaces" and len(parts) > 1:
            namespace = parts[1]
            if len(parts) > 2 and parts[2] not in _NAMESPACE_SUBRESOURCES:
                parts = parts[2:]
        if not parts or len(parts) > 3:
            raise _not_found()
        resource = parts[0]
        name = parts[1] if len(parts) > 1 else ""
        subresource = parts[2] if len(parts) > 2 else ""
        if resource == "namespaces" and name:
            namespace = ""
        query = {k: v for k, v in request.query.items()}
        method = request.method
        watch = rq.is_true(query.get("watch"))
        if method == "GET":
            verb = "watch" if watch else ("get" if name else "list")
        elif method == "DELETE":
            verb = "delete" if name else "deletecollection"
        elif method in _METHOD_VERBS:
            verb = _METHOD_VERBS[method]
        else:
            raise MethodNotSupported(GroupResource(group, resource), method.lower())
        if (verb in ("update", "patch") and not name) or (
            verb == "create" and name and not subresource
        ):
            raise MethodNotSupported(GroupResource(group, resource), verb)
        body, raw, content_type = await self._body(request, verb)
        core_request = rq.Request(
            verb=verb,
            group=group,
            version=version,
            resource=resource,
            namespace=namespace,
            name=name,
            subresource=subresource,
            body=body,
            raw_body=raw,
            content_type=content_type,
            query=query,
            user_agent=request.headers.get("User-Agent", ""),
        )
        if verb == "watch":
            return await self._watch(request, core_request)
        table = _wants_table(request) and verb in ("get", "list")
        server = self.server

        async def call() -> rq.Response:
            response = await server.handle(core_request)
            if table and response.code < 300:
                response.body = _as_table(server, core_request, response.body)
            return response

        response = await self.bridge.call(call)
        if isinstance(response.body, PodLogStream):
            return await self._pod_log(request, response.body)
        return _json(response.body, response.code, warnings=response.warnings)

    async def _body(self, request: web.Request, verb: str) -> tuple[Any, bytes | None, str]:
        if verb not in ("create", "update", "patch", "delete", "deletecollection"):
            return None, None, _JSON
        raw = await request.read()
        content_type = request.headers.get("Content-Type", _JSON).split(";")[0].strip()
        if verb == "patch":
            if content_type not in rq.PATCH_TYPES:
                raise UnsupportedMediaType(list(rq.PATCH_TYPES))
        elif content_type not in _BODY_TYPES:
            raise UnsupportedMediaType([_JSON, "application/yaml"])
        if not raw:
            return None, None, content_type or _JSON
        if content_type == PROTOBUF_MEDIA_TYPE:
            try:
                return decode_protobuf(raw), None, _JSON
            except UnsupportedKindError:
                raise UnsupportedMediaType([_JSON, "application/yaml"]) from None
            except ProtobufError as error:
                raise BadRequest(f"error decoding protobuf body: {error}") from None
        try:
            body = _decoder.decode(raw)
        except msgspec.DecodeError as error:
            if content_type not in ("application/yaml", rq.APPLY_PATCH):
                raise BadRequest(f"error decoding request body: {error}") from None
            try:
                body = yaml.safe_load(raw)
            except yaml.YAMLError as yaml_error:
                raise BadRequest(f"error decoding YAML: {yaml_error}") from None
            raw = json.dumps(body).encode()
        return body, raw, content_type or _JSON

    async def _pod_log(self, request: web.Request, logs: PodLogStream) -> web.StreamResponse:
        """``pods/log`` as ``text/plain``, each chunk sent as it comes (``kubectl logs -f``).
        Headers wait for the first chunk, so a refusal of the node is still a Status."""
        if logs.chunks is None:
            return web.Response(status=204)  # no node yet: upstream's empty location
        chunks = logs.chunks
        stream = self.bridge.stream(lambda: chunks)
        try:
            item = await stream.queue.get()
            if isinstance(item, StatusError):
                return _status(item)
            if isinstance(item, BaseException):
                log.error("reading a pod's log failed", exc_info=item)
                return _status(InternalError(f"{type(item).__name__}: {item}"))
            response = web.StreamResponse(status=200, headers={"Content-Type": logs.content_type})
            response.enable_chunked_encoding()
            await response.prepare(request)
            with contextlib.suppress(ConnectionResetError):  # kubectl logs -f interrupted
                while item is not None and not isinstance(item, BaseException):
                    await response.write(item)
                    item = await stream.queue.get()
                await response.write_eof()
        finally:
            stream.close()  # stops the log source's iterator on the trio side
        return response

    async def _watch(self, request: web.Request, core_request: rq.Request) -> web.StreamResponse:
        server = self.server
        table = _wants_table(request)
        first = [True]

        async def open_watch() -> tuple[Any, bool]:
            # refusals raise here, before any header; without Tables the stream hands out
            # encoded lines, shared between watchers for events from the watch cache
            watch = server.watch(core_request, wire=not table)
            return watch, not table and watch.pollable

        opened, shared = await self.bridge.call(open_watch)
        # headers go out at once, events or not: clients (client-go's reflector among them)
        # wait for them before they consider the watch established
        response = web.StreamResponse(status=200, headers={"Content-Type": _JSON})
        response.enable_chunked_encoding()
        await response.prepare(request)  # a StreamResponse sends its headers here
        transport = request.transport

        def send(lines: list[bytes]) -> bool:
            """Write a batch of events as HTTP chunks straight to the socket (the asyncio
            thread calls it as they arrive: no task wakes up per event); False cuts off a
            client that is gone or does not read."""
            if transport is None or transport.is_closing():
                return False
            if transport.get_write_buffer_size() > WATCH_BUFFER_LIMIT:
                log.info("cutting off a watch whose client does not keep up")
                return False
            transport.write(b"".join([_chunk(line) for line in lines]))
            return True

        if shared:  # one task per watch cache feeds every such watch (and closes it)
            fanouts = self.fanouts
            stream = self.bridge.feed(lambda stream: fanouts.add(opened, stream), sink=send)
        elif table:
            stream = self.bridge.stream(
                lambda: _encoded_events(server, core_request, opened, table, first), sink=send
            )
        else:  # the watch hands out encoded lines itself (and the bridge closes it)
            stream = self.bridge.stream(lambda: opened, sink=send)
        try:
            await stream.queue.get()  # the end: None, or the exception that ended it
        finally:
            stream.close()
        with contextlib.suppress(ConnectionResetError):  # the client left first
            await response.write_eof()
        return response


#: Bytes a watch may have waiting in its socket's buffer before it is cut off as too slow.
WATCH_BUFFER_LIMIT = 16 << 20

_last_chunk: tuple[bytes, bytes] = (b"", b"")


def _chunk(line: bytes) -> bytes:
    """``line`` framed as one HTTP/1.1 chunk (aiohttp's chunked writer frames the same way);
    a line from the watch cache is one object shared by every watcher, so the frame made for
    the first is kept for the others."""
    global _last_chunk
    last = _last_chunk
    if last[0] is line:
        return last[1]
    framed = b"%x\r\n%b\r\n" % (len(line), line)
    _last_chunk = (line, framed)
    return framed


async def _encoded_events(
    server: APIServer, request: rq.Request, stream: Any, table: bool, first: list[bool]
) -> Any:
    """Watch events as the newline-terminated JSON lines sent on the wire (in the trio thread)."""
    async with stream:
        async for event in stream:
            if not table:
                yield event  # already an encoded line
                continue
            if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                event = {
                    "type": event["type"],
                    "object": _as_table(server, request, event["object"], no_headers=not first[0]),
                }
                first[0] = False
            yield _encoder.encode(event) + b"\n"


def _as_table(
    server: APIServer, request: rq.Request, body: Any, *, no_headers: bool = False
) -> Any:
    info = server.catalog.get(request.group, request.version, request.resource)
    if info is None or request.subresource or not isinstance(body, dict):
        return body
    include = request.query.get("includeObject", "Metadata")
    now = server.clock.now()
    if body.get("kind") == info.list_kind:
        items = body.get("items") or []
        for item in items:
            item.setdefault("kind", info.kind)
            item.setdefault("apiVersion", info.api_version)
        return table_for(
            info.group,
            info.kind,
            items,
            now=now,
            include_object=include,
            list_metadata=body.get("metadata"),
        )
    return table_for(
        info.group,
        info.kind,
        [body],
        now=now,
        include_object=include,
        no_headers=no_headers,
        list_metadata={"resourceVersion": (body.get("metadata") or {}).get("resourceVersion", "")},
    )


def _not_found() -> StatusError:
    """Upstream's answer for a path nothing serves."""
    return StatusError(
        "the server could not find the requested resource",
        code=404,
        reason="NotFound",
        details={},
    )
