"""``/openapi/v3``: the index and one document per group-version, from the same schemas the
registry validates with (:mod:`apiserver.schema`).

kubectl reads these to decide how to validate (``create -f`` looks for a PATCH operation of the
object's kind that accepts ``fieldValidation``, then sends ``fieldValidation=Strict``) and to
print ``kubectl explain``. Each document carries the path items of its resources (operations
tagged with ``x-kubernetes-group-version-kind``) and every schema they reach through ``$ref``.
No ``requestBody`` is published for PATCH, so client-side apply uses kubectl's compiled-in
types, which is right for built-in kinds. ``/openapi/v2`` is not served (404), as the wire
contract recommends: kubectl asks for it only as protobuf.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from apiserver.registry.catalog import Catalog, ResourceInfo
from apiserver.schema import all_definitions, definition_name

_PARAMS = [
    {"name": name, "in": "query", "schema": {"type": "string"}}
    for name in ("dryRun", "fieldManager", "fieldValidation")
]


def _ops(info: ResourceInfo, *, item: bool) -> dict[str, Any]:
    gvk = {"group": info.group, "version": info.version, "kind": info.kind}
    ok = {"200": {"description": "OK"}}
    ops: dict[str, Any] = {"get": {"x-kubernetes-group-version-kind": gvk, "responses": ok}}
    if item:
        for method in ("put", "patch", "delete"):
            ops[method] = {
                "x-kubernetes-group-version-kind": gvk,
                "parameters": _PARAMS,
                "responses": ok,
            }
    else:
        ops["post"] = {
            "x-kubernetes-group-version-kind": gvk,
            "parameters": _PARAMS,
            "responses": ok,
        }
    return ops


def _refs(schema: Any, out: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            out.add(ref[len("#/components/schemas/") :])
        for value in schema.values():
            _refs(value, out)
    elif isinstance(schema, list):
        for value in schema:
            _refs(value, out)


def _closure(names: set[str]) -> dict[str, Any]:
    definitions = all_definitions()
    seen: dict[str, Any] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in definitions:
            continue
        schema = definitions[name]
        seen[name] = schema
        found: set[str] = set()
        _refs(schema, found)
        todo.extend(found - seen.keys())
    return dict(sorted(seen.items()))


def _prefix(info: ResourceInfo) -> str:
    return f"/apis/{info.group}/{info.version}" if info.group else "/api/v1"


class OpenAPI:
    """The documents of one catalog, built on first request and kept."""

    def __init__(self, catalog: Catalog, version: str) -> None:
        self.catalog = catalog
        self.version = version
        self._documents: dict[str, bytes] = {}

    def _gvs(self) -> dict[str, list[ResourceInfo]]:
        gvs: dict[str, list[ResourceInfo]] = {}
        for info in self.catalog:
            try:
                definition_name((info.group, info.version, info.kind))
            except KeyError:
                continue  # no built-in schema (custom resources come with their CRDs)
            key = f"apis/{info.group}/{info.version}" if info.group else "api/v1"
            gvs.setdefault(key, []).append(info)
        return gvs

    def document(self, path: str) -> bytes | None:
        """The GV document for ``api/v1`` or ``apis/<g>/<v>`` (JSON bytes), or None."""
        cached = self._documents.get(path)
        if cached is not None:
            return cached
        infos = self._gvs().get(path)
        if infos is None:
            return None
        paths: dict[str, Any] = {}
        names: set[str] = {
            "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
            "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        }
        for info in infos:
            names.add(definition_name((info.group, info.version, info.kind)))
            base = _prefix(info)
            scope = f"{base}/namespaces/{{namespace}}" if info.namespaced else base
            paths[f"{scope}/{info.resource}"] = _ops(info, item=False)
            paths[f"{scope}/{info.resource}/{{name}}"] = _ops(info, item=True)
        document = {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": self.version},
            "paths": paths,
            "components": {"schemas": _closure(names)},
        }
        data = json.dumps(document, separators=(",", ":")).encode()
        self._documents[path] = data
        return data

    def index(self) -> dict[str, Any]:
        paths = {}
        for path in self._gvs():
            digest = hashlib.sha256(f"{self.version}:{path}".encode()).hexdigest()[:16].upper()
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
        return {"paths": paths}
