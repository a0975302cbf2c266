"""List, then watch from the list's resourceVersion: never a missed or duplicated event.

Hypothesis drives random writers (creates, updates, deletes across namespaces) running
concurrently with a reader that lists (optionally paginated, optionally with a selector) and
then watches from the list's resourceVersion. The state the reader rebuilds from the list plus
the watch events must equal the server's state once the writers stop, and every event's
resourceVersion must be newer than the last one seen for that object.
"""

from __future__ import annotations

from typing import Any

import trio
import trio.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiserver.client import InProcessClient
from apiserver.endpoints.server import APIServer
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock
from minikube_py.errors import AlreadyExists, NotFound

NAMES = [f"cm-{i}" for i in range(6)]
write = st.tuples(
    st.sampled_from(["create", "update", "delete"]),
    st.sampled_from(["default", "other"]),
    st.sampled_from(NAMES),
    st.sampled_from(["a", "b"]),
)


async def apply_write(api: InProcessClient, op: tuple[str, str, str, str]) -> None:
    kind, namespace, name, label = op
    try:
        if kind == "create":
            await api.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "labels": {"team": label}},
                },
                namespace=namespace,
            )
        elif kind == "update":
            await api.patch(
                "configmaps",
                name,
                {"metadata": {"labels": {"team": label}}, "data": {"v": label}},
                namespace=namespace,
            )
        else:
            await api.delete("configmaps", name, namespace=namespace)
    except (AlreadyExists, NotFound):
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(write, max_size=15),
    during=st.lists(st.lists(write, max_size=12), min_size=1, max_size=3),
    page=st.sampled_from([0, 1, 2, 500]),
    selector=st.sampled_from(["", "team=a"]),
)
def test_list_then_watch_never_misses_or_duplicates(
    before: list[Any], during: list[list[Any]], page: int, selector: str
) -> None:
    async def scenario() -> None:
        kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
        server = APIServer(kv, ClusterClock(seed=3))
        await server.bootstrap()
        await server.namespaces.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}, ""
        )
        api = InProcessClient(server)
        for op in before:
            await apply_write(api, op)

        state: dict[tuple[str, str], str] = {}
        last_rv: dict[tuple[str, str], int] = {}

        async def writer(ops: list[Any]) -> None:
            for op in ops:
                await apply_write(api, op)
                await trio.sleep(0.001)

        async with trio.open_nursery() as nursery:
            for ops in during:
                nursery.start_soon(writer, ops)
            # list (page by page, interleaved with the writers), then watch from its RV
            token = ""
            while True:
                listed = await api.list(
                    "configmaps", limit=page, continue_token=token, label_selector=selector
                )
                for item in listed["items"]:
                    key = (item["metadata"]["namespace"], item["metadata"]["name"])
                    assert key not in state, "listed twice"
                    state[key] = item["metadata"]["resourceVersion"]
                token = listed["metadata"].get("continue", "")
                if not token:
                    break
                await trio.sleep(0.0005)
            stream = api.watch(
                "configmaps",
                resource_version=listed["metadata"]["resourceVersion"],
                label_selector=selector,
            )
            async with stream:
                await trio.testing.wait_all_tasks_blocked()
                nursery.cancel_scope.deadline = trio.current_time() + 1  # writers finish
                while True:
                    with trio.move_on_after(0.5) as idle:
                        event = await stream.__anext__()
                    if idle.cancelled_caught:
                        break
                    meta = event["object"]["metadata"]
                    key = (meta["namespace"], meta["name"])
                    rv = int(meta["resourceVersion"])
                    assert rv > last_rv.get(key, int(state.get(key, 0))), "event seen twice"
                    last_rv[key] = rv
                    if event["type"] == "DELETED":
                        assert key in state
                        del state[key]
                    else:
                        assert (event["type"] == "ADDED") == (key not in state)
                        state[key] = meta["resourceVersion"]
        truth = await api.list("configmaps", label_selector=selector)
        assert state == {
            (i["metadata"]["namespace"], i["metadata"]["name"]): i["metadata"]["resourceVersion"]
            for i in truth["items"]
        }
        kv.close()

    trio.run(scenario, clock=trio.testing.MockClock(autojump_threshold=0))
