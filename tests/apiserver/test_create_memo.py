"""Creates of bodies alike answer and store exactly what the full create path does.

Two servers with the same seed take the same requests in turn, one remembering what create
bodies become before admission (:mod:`apiserver.endpoints.creatememo`), one always taking the
full path; their answers, warnings and stored bytes must not differ in a single byte.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import trio
import trio.testing

from apiserver.endpoints import request as rq
from apiserver.endpoints.creatememo import CreateMemo, Prepare
from apiserver.endpoints.server import APIServer
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _pod(name: str | None, *, image: str = "nginx:1.27", **extra_meta: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "labels": {"app": "web", "pod-template-hash": "5d4f8b7c9d"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-5d4f8b7c9d",
                "uid": "6a1f3b1e-8d0a-4c55-9d0a-1f2e3d4c5b6a",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
        **extra_meta,
    }
    if name is not None:
        metadata = {"name": name, **metadata}
    container = {
        "name": "app",
        "image": image,
        "ports": [{"containerPort": 8080}],
        "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "100m"}},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [container]},
    }


def _requests() -> list[tuple[float, rq.Request]]:
    """(seconds to wait first, request): repeats of a few bodies, with the cases the memo must
    leave alone or tell apart mixed in."""
    out: list[tuple[float, rq.Request]] = []

    def create(body: Any, resource: str = "pods", wait: float = 0.0, **query: str) -> None:
        request = rq.Request(
            verb="create", resource=resource, namespace="default", body=body, query=query
        )
        out.append((wait, request))

    for i in range(6):
        create(_pod(f"web-{i}"), wait=1.5 if i % 2 else 0.0)  # the stamp moves on
    create(_pod("web-0"))  # AlreadyExists after the memo answered
    unknown = _pod("odd-0")
    unknown["spec"]["containers"][0]["bogus"] = 1
    unknown["spec"]["extra"] = {"x": 1}
    for i in range(3):
        body = copy.deepcopy(unknown)
        body["metadata"]["name"] = f"odd-{i}"
        create(body)  # Warn: the same warnings every time
        create(copy.deepcopy(body), fieldValidation="Strict")  # refused every time
    for i in range(3):
        create(_pod(f"mgr-{i}"), fieldManager="kubectl-client-side-apply")
        create(_pod(f"ign-{i}"), fieldValidation="Ignore")
    for i in range(3):
        create(_pod(f"bad name {i}"))  # Invalid after the memo answered
        create(_pod(f"Bad-{i}", image=""))
        create(_pod(f"late-{i}"), wait=0.7)
    for i in range(2):  # name-dependent defaults: never shared
        create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{i}"}}, "namespaces"
        )
    for i in range(3):
        create(_pod(None, generateName="web-"))  # as a ReplicaSet creates them
        create(_pod(f"own-{i}", managedFields=[{"manager": "x", "operation": "Update"}]))
        create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}}, "configmaps"
        )
        create(_pod(f"nameless-{i}", **{"namespace": "default"}))
        body = _pod(f"int-{i}")
        body["metadata"]["name"] = i  # not a string: the full path (and its error)
        create(body)
    return out


class _NoMemo(CreateMemo):
    """Every create takes the full path."""

    __slots__ = ()

    def prepare(self, resource: Any, options: Any, body: Any, now: str, full: Prepare) -> Any:
        return full()


async def _server() -> APIServer:
    kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
    server = APIServer(kv, ClusterClock(epoch=EPOCH, seed=7))
    await server.bootstrap()
    return server


async def test_creates_through_the_memo_match_the_full_path(
    autojump_clock: trio.testing.MockClock,
) -> None:
    remembering, plain = await _server(), await _server()
    remembering._create_memo = CreateMemo(compile_after=2)  # copiers too, not only decodes

    plain._create_memo = _NoMemo()
    for wait, request in _requests():
        if wait:
            await trio.sleep(wait)
        mine = await remembering.handle(copy.deepcopy(request))
        theirs = await plain.handle(copy.deepcopy(request))
        assert (mine.code, mine.body, mine.warnings) == (theirs.code, theirs.body, theirs.warnings)
    assert len(remembering._create_memo) > 0  # the memo did answer
    assert remembering.kv.revision == plain.kv.revision
    mine_kvs = remembering.kv.range("/", "\xff").kvs
    theirs_kvs = plain.kv.range("/", "\xff").kvs
    assert [(kv.key, kv.value) for kv in mine_kvs] == [(kv.key, kv.value) for kv in theirs_kvs]


async def test_a_remembered_create_gets_its_own_name_time_and_copy(
    autojump_clock: trio.testing.MockClock,
) -> None:
    server = await _server()

    async def create(name: str) -> dict[str, Any]:
        response = await server.handle(
            rq.Request(verb="create", resource="pods", namespace="default", body=_pod(name))
        )
        assert response.code == 201, response.body
        return response.body

    server._create_memo = CreateMemo(compile_after=2)
    first = await create("a")
    await trio.sleep(3)
    second = await create("b")
    assert len(server._create_memo) == 1
    assert list(second["metadata"]) == list(first["metadata"])  # the name stays in its place
    assert second["metadata"]["name"] == "b"
    assert second["metadata"]["managedFields"][0]["time"] == second["metadata"]["creationTimestamp"]
    assert (
        first["metadata"]["managedFields"][0]["time"]
        != second["metadata"]["managedFields"][0]["time"]
    )
    second["spec"]["containers"][0]["image"] = "changed"
    third = await create("c")
    assert third["spec"]["containers"][0]["image"] == "nginx:1.27"
    (outcome,) = server._create_memo._outcomes.values()
    assert outcome.copy is not None  # compiled after repeating: "c" was built by it
    fourth = await create("d")
    assert fourth["metadata"]["name"] == "d"
    assert fourth["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert fourth["spec"]["containers"] is not third["spec"]["containers"]


async def test_nameless_bodies_alike_get_their_own_generated_names(
    autojump_clock: trio.testing.MockClock,
) -> None:
    server = await _server()
    made = []
    for _ in range(3):
        response = await server.handle(
            rq.Request(
                verb="create",
                resource="pods",
                namespace="default",
                body=_pod(None, generateName="web-"),
            )
        )
        assert response.code == 201, response.body
        made.append(response.body["metadata"])
    assert len(server._create_memo) == 1
    assert len({m["name"] for m in made}) == 3
    assert all(m["name"].startswith("web-") and len(m["name"]) == 9 for m in made)
    assert len({m["uid"] for m in made}) == 3
