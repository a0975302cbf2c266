"""The Deployment controller on virtual time: replica sets, annotations, status, strategies,
scaling, rollback, pause/resume, restart, history cleanup, adoption, deletion.

No scheduler or kubelet runs: :class:`~pod_readiness.PodReadiness` makes pods Running and
Ready a second (of cluster time) after they appear, except pods of the ``BROKEN`` image.
"""

from __future__ import annotations

import pytest
import trio
from deployment_helpers import (
    BROKEN,
    LABELS,
    condition,
    deployment,
    replica_sets,
    revision_of,
    rolled_out,
    scaling_events,
    set_image,
    start_readiness,
    wait_rolled_out,
)

from controllers.deployment import util
from minikube_py.client import Client
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=["replicaset", "deployment", "garbagecollector"])


async def events_of(cluster: ClusterHarness, reason: str, name: str = "web") -> list[Object]:
    return [
        e
        for e in await cluster.events(namespace="default", involved_name=name)
        if e["reason"] == reason
    ]


# -- replica sets and their annotations ----------------------------------------------------------


async def test_new_replica_set_is_named_and_labelled_by_pod_template_hash(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    notes = {
        "kubernetes.io/change-cause": "first",
        "team": "blue",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
    }
    created = await kube.create(deployment(replicas=3, annotations=notes))
    d = await wait_rolled_out(cluster)
    [rs] = await replica_sets(kube)
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert 8 <= len(pod_hash) <= 10 and set(pod_hash) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert rs["spec"]["selector"]["matchLabels"] == {**LABELS, "pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"] == {**LABELS, "pod-template-hash": pod_hash}
    [ref] = rs["metadata"]["ownerReferences"]
    assert ref == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": created["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    annotations = rs["metadata"]["annotations"]
    assert annotations == {
        "kubernetes.io/change-cause": "first",
        "team": "blue",
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",  # 3 + ceil(25% of 3)
    }
    assert revision_of(d) == "1"
    pods = (await kube.list("pods", namespace="default"))["items"]
    assert len(pods) == 3
    assert all(p["metadata"]["labels"]["pod-template-hash"] == pod_hash for p in pods)
    assert await scaling_events(cluster) == [f"Scaled up replica set web-{pod_hash} from 0 to 3"]


async def test_status_counts_and_conditions_follow_the_rollout(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster, delay=5)
    await kube.create(deployment(replicas=3))
    first = await cluster.wait_for(
        "deployments", "web", lambda d: (d.get("status") or {}).get("updatedReplicas") == 3
    )
    status = first["status"]
    assert status["observedGeneration"] == first["metadata"]["generation"]
    assert status["replicas"] == 3 and status["unavailableReplicas"] == 3
    assert "availableReplicas" not in status and "readyReplicas" not in status  # omitempty
    available = condition(first, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
    )
    progressing = condition(first, "Progressing")
    assert progressing["status"] == "True"
    assert progressing["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    d = await wait_rolled_out(cluster)
    status = d["status"]
    assert (status["readyReplicas"], status["availableReplicas"]) == (3, 3)
    assert "unavailableReplicas" not in status
    available = condition(d, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
    )
    rs_name = (await replica_sets(kube))[0]["metadata"]["name"]
    progressing = condition(d, "Progressing")
    assert progressing["message"] == f'ReplicaSet "{rs_name}" has successfully progressed.'
    # Available turned True at 5 s; Progressing has been True since the start
    assert available["lastTransitionTime"] == "2026-01-01T00:00:05Z"
    assert progressing["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert progressing["lastUpdateTime"] == "2026-01-01T00:00:05Z"


async def test_change_cause_is_carried_to_each_revision(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(annotations={"kubernetes.io/change-cause": "create"}))
    await wait_rolled_out(cluster)
    await set_image(kube, "nginx:2", **{"kubernetes.io/change-cause": "set image nginx:2"})
    d = await wait_rolled_out(cluster)
    old, new = await replica_sets(kube)
    assert (revision_of(old), revision_of(new), revision_of(d)) == ("1", "2", "2")
    assert old["metadata"]["annotations"]["kubernetes.io/change-cause"] == "create"
    assert new["metadata"]["annotations"]["kubernetes.io/change-cause"] == "set image nginx:2"
    assert old["spec"]["replicas"] == 0 and new["spec"]["replicas"] == 3


# -- strategies ----------------------------------------------------------------------------------


async def test_recreate_removes_every_old_pod_before_creating_new_ones(
    cluster: ClusterHarness, kube: Client
) -> None:
    """With Recreate, no moment has pods of two templates: a pod watcher checks every write."""
    await start_readiness(cluster)
    await kube.create(deployment(replicas=4, strategy={"type": "Recreate"}))
    await wait_rolled_out(cluster)
    overlaps: list[set[str]] = []
    images_seen: set[str] = set()

    async def watch_pods() -> None:
        live: dict[str, str] = {}
        async with kube.watch("pods", namespace="default") as events:
            async for event in events:
                pod = event["object"]
                name = pod["metadata"]["name"]
                if event["type"] == "DELETED" or pod["metadata"].get("deletionTimestamp"):
                    live.pop(name, None)
                else:
                    live[name] = pod["spec"]["containers"][0]["image"]
                images_seen.update(live.values())
                if len(set(live.values())) > 1:
                    overlaps.append(set(live.values()))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(watch_pods)
        await trio.testing.wait_all_tasks_blocked()
        await set_image(kube, "nginx:2")
        d = await wait_rolled_out(cluster)
        nursery.cancel_scope.cancel()
    assert overlaps == []
    assert images_seen == {"nginx:1", "nginx:2"}
    old, new = await replica_sets(kube)
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 4)
    assert "maxSurge" not in str(d["spec"]["strategy"])
    assert await scaling_events(cluster) == [
        f"Scaled up replica set {old['metadata']['name']} from 0 to 4",
        f"Scaled down replica set {old['metadata']['name']} from 4 to 0",
        f"Scaled up replica set {new['metadata']['name']} from 0 to 4",
    ]


async def test_scaling_mid_rollout_is_proportional(cluster: ClusterHarness, kube: Client) -> None:
    """A rollout stuck at old 8 / new 5 (10 replicas, surge 3, unavailable 2, new pods never
    ready) scaled to 20: 23 - 13 = 10 more pods shared by size, ``round(8 * 23 / 13) = 14`` and
    ``round(5 * 23 / 13) = 9`` (upstream's ``getReplicaSetFraction``)."""
    await start_readiness(cluster)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    await kube.create(deployment(replicas=10, strategy=strategy))
    await wait_rolled_out(cluster)
    await set_image(kube, BROKEN)

    async def sizes() -> tuple[int, ...] | None:
        rss = await replica_sets(kube)
        return tuple(rs["spec"]["replicas"] for rs in rss) if len(rss) == 2 else None

    async def stuck() -> bool:
        return await sizes() == (8, 5)

    await cluster.wait_until(stuck)
    old, new = await replica_sets(kube)
    assert old["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "13"
    await kube.patch("deployments", "web", {"spec": {"replicas": 20}}, namespace="default")

    async def scaled() -> bool:
        return await sizes() == (14, 9)

    await cluster.wait_until(scaled)
    await trio.sleep(30)  # and it stays there: no more room to surge, nothing available
    assert await sizes() == (14, 9)
    for rs in await replica_sets(kube):
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "20"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "23"
    messages = await scaling_events(cluster)
    assert f"Scaled up replica set {old['metadata']['name']} from 8 to 14" in messages
    assert f"Scaled up replica set {new['metadata']['name']} from 5 to 9" in messages


async def test_scaling_a_finished_deployment_scales_its_replica_set(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    await kube.patch("deployments", "web", {"spec": {"replicas": 5}}, namespace="default")
    await wait_rolled_out(cluster)
    await kube.patch("deployments", "web", {"spec": {"replicas": 1}}, namespace="default")
    await wait_rolled_out(cluster)
    [rs] = await replica_sets(kube)
    name = rs["metadata"]["name"]
    assert await scaling_events(cluster) == [
        f"Scaled up replica set {name} from 0 to 2",
        f"Scaled up replica set {name} from 2 to 5",
        f"Scaled down replica set {name} from 5 to 1",
    ]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"


async def test_min_ready_seconds_delays_availability(cluster: ClusterHarness, kube: Client) -> None:
    # ready at 1.5 s (stamped 00:00:01, as a kubelet's whole-second timestamps would be)
    await start_readiness(cluster, delay=1.5)
    await kube.create(deployment(replicas=2, minReadySeconds=10))
    ready = await cluster.wait_for(
        "deployments", "web", lambda d: (d.get("status") or {}).get("readyReplicas") == 2
    )
    assert "availableReplicas" not in ready["status"]
    [rs] = await replica_sets(kube)
    assert rs["spec"]["minReadySeconds"] == 10
    start = trio.current_time()
    await wait_rolled_out(cluster)
    # available once ready for more than 10 s: the ReplicaSet controller looks again 10 s
    # after its status showed every pod ready
    assert 9 <= trio.current_time() - start <= 11


# -- rollback, pause, restart ----------------------------------------------------------------------


async def rollout_three_revisions(cluster: ClusterHarness, kube: Client) -> None:
    await kube.create(deployment(annotations={"kubernetes.io/change-cause": "v1"}))
    await wait_rolled_out(cluster)
    for image in ("nginx:2", "nginx:3"):
        await set_image(kube, image, **{"kubernetes.io/change-cause": image})
        await wait_rolled_out(cluster)


async def test_rollback_to_a_chosen_revision(cluster: ClusterHarness, kube: Client) -> None:
    await start_readiness(cluster)
    await rollout_three_revisions(cluster, kube)
    patch = {"metadata": {"annotations": {util.DEPRECATED_ROLLBACK_TO: "1"}}}
    await kube.patch("deployments", "web", patch, namespace="default")
    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: (
            rolled_out(d) and d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
        ),
    )
    assert util.DEPRECATED_ROLLBACK_TO not in d["metadata"]["annotations"]
    assert d["metadata"]["annotations"]["kubernetes.io/change-cause"] == "v1"
    assert revision_of(d) == "4"
    rss = await replica_sets(kube)
    assert [revision_of(rs) for rs in rss] == ["2", "3", "4"]
    first = rss[-1]
    assert first["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
    assert first["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert first["spec"]["replicas"] == 3
    [done] = await events_of(cluster, "DeploymentRollback")
    assert done["message"] == 'Rolled back deployment "web" to revision 1'
    assert done["type"] == "Normal"


async def test_rollback_to_zero_means_the_previous_revision(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await rollout_three_revisions(cluster, kube)
    patch = {"metadata": {"annotations": {util.DEPRECATED_ROLLBACK_TO: "0"}}}
    await kube.patch("deployments", "web", patch, namespace="default")
    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: (
            rolled_out(d) and d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
        ),
    )
    assert revision_of(d) == "4"


async def test_rollback_to_a_missing_revision_warns_and_gives_up(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment())
    await wait_rolled_out(cluster)
    patch = {"metadata": {"annotations": {util.DEPRECATED_ROLLBACK_TO: "7"}}}
    await kube.patch("deployments", "web", patch, namespace="default")
    await cluster.wait_for(
        "deployments",
        "web",
        lambda d: util.DEPRECATED_ROLLBACK_TO not in (d["metadata"].get("annotations") or {}),
    )
    [warning] = await events_of(cluster, "DeploymentRollbackRevisionNotFound")
    assert warning["type"] == "Warning"
    assert warning["message"] == "Unable to find the revision to rollback to."
    assert len(await replica_sets(kube)) == 1


async def test_pause_stops_rollouts_but_not_scaling(cluster: ClusterHarness, kube: Client) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    await kube.patch("deployments", "web", {"spec": {"paused": True}}, namespace="default")
    paused = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: condition(d, "Progressing").get("reason") == "DeploymentPaused",
    )
    progressing = condition(paused, "Progressing")
    assert (progressing["status"], progressing["message"]) == ("Unknown", "Deployment is paused")
    await set_image(kube, "nginx:2")
    await kube.patch("deployments", "web", {"spec": {"replicas": 4}}, namespace="default")
    await cluster.wait_for(
        "deployments",
        "web",
        lambda d: (
            (d.get("status") or {}).get("availableReplicas") == 4
            and d["status"]["observedGeneration"] == d["metadata"]["generation"]
        ),
    )
    [rs] = await replica_sets(kube)  # scaled, but no new template rolled out
    assert rs["spec"]["replicas"] == 4
    assert rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"

    await kube.patch("deployments", "web", {"spec": {"paused": False}}, namespace="default")
    resumed = await cluster.wait_for(
        "deployments", "web", lambda d: len(d["metadata"].get("annotations") or {}) > 0
    )
    assert resumed is not None
    d = await wait_rolled_out(cluster)
    old, new = await replica_sets(kube)
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 4)
    assert revision_of(d) == "2"


async def test_resume_is_recorded_in_the_progressing_condition(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=1, paused=True))
    paused = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: condition(d, "Progressing").get("reason") == "DeploymentPaused",
    )
    assert await replica_sets(kube) == []  # paused from the start: nothing rolls out
    assert paused["status"]["observedGeneration"] == paused["metadata"]["generation"]
    seen: list[str] = []

    async def record() -> None:
        async with kube.watch("deployments", namespace="default", name="web") as events:
            async for event in events:
                reason = condition(event["object"], "Progressing").get("reason")
                if reason and (not seen or seen[-1] != reason):
                    seen.append(reason)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(record)
        await trio.testing.wait_all_tasks_blocked()
        await kube.patch("deployments", "web", {"spec": {"paused": False}}, namespace="default")
        await wait_rolled_out(cluster)
        nursery.cancel_scope.cancel()
    assert seen[0] == "DeploymentPaused"
    assert "DeploymentResumed" in seen
    assert seen[-1] == "NewReplicaSetAvailable"


async def test_restart_annotation_rolls_out_a_new_replica_set(
    cluster: ClusterHarness, kube: Client
) -> None:
    """``kubectl rollout restart`` only stamps the template; the rest is an ordinary rollout."""
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    before = {
        p["metadata"]["name"] for p in (await kube.list("pods", namespace="default"))["items"]
    }
    stamp = {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:05Z"}
    patch = {"spec": {"template": {"metadata": {"annotations": stamp}}}}
    await kube.patch("deployments", "web", patch, namespace="default", patch_type="strategic")
    d = await cluster.wait_for(
        "deployments", "web", lambda d: rolled_out(d) and revision_of(d) == "2"
    )
    after = {p["metadata"]["name"] for p in (await kube.list("pods", namespace="default"))["items"]}
    assert before.isdisjoint(after) and len(after) == 2
    old, new = await replica_sets(kube)
    assert new["spec"]["template"]["metadata"]["annotations"] == stamp
    assert old["spec"]["replicas"] == 0
    assert d["status"]["updatedReplicas"] == 2


async def test_revision_history_limit_deletes_the_oldest_replica_sets(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=1, revisionHistoryLimit=2))
    await wait_rolled_out(cluster)
    for version in range(2, 6):
        await set_image(kube, f"nginx:{version}")
        await cluster.wait_for(
            "deployments", "web", lambda d, v=version: rolled_out(d) and revision_of(d) == str(v)
        )

    async def three_left() -> bool:
        return len(await replica_sets(kube)) == 3

    await cluster.wait_until(three_left)
    assert [revision_of(rs) for rs in await replica_sets(kube)] == ["3", "4", "5"]


async def test_without_history_every_old_replica_set_goes(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=1, revisionHistoryLimit=0))
    await wait_rolled_out(cluster)
    await set_image(kube, "nginx:2")
    await cluster.wait_for("deployments", "web", lambda d: rolled_out(d) and revision_of(d) == "2")

    async def one_left() -> bool:
        return len(await replica_sets(kube)) == 1

    await cluster.wait_until(one_left)


# -- progress deadline ----------------------------------------------------------------------------


async def test_stuck_rollout_exceeds_its_progress_deadline(
    cluster: ClusterHarness, kube: Client
) -> None:
    """Pods that never become ready: the last progress is at 0 s (the replica set created and
    its pods counted); ``progressDeadlineSeconds`` defaults to 600. Upstream's check is
    "strictly more than 600 s since the Progressing condition's ``lastUpdateTime``", run from
    a requeue at ``deadline - now + 1 s`` (its guard against clock skew) -- so the condition
    turns at exactly 601 s of virtual time, and not a moment before 600 s have passed."""
    await start_readiness(cluster)
    start = trio.current_time()
    await kube.create(deployment(replicas=2, image=BROKEN))
    first = await cluster.wait_for(
        "deployments", "web", lambda d: (d.get("status") or {}).get("replicas") == 2
    )
    assert first["spec"]["progressDeadlineSeconds"] == 600
    last_progress = condition(first, "Progressing")
    assert last_progress["lastUpdateTime"] == "2026-01-01T00:00:00Z"

    await trio.sleep_until(start + 600)
    d = await kube.get("deployments", "web", namespace="default")
    assert condition(d, "Progressing")["reason"] != "ProgressDeadlineExceeded"

    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: condition(d, "Progressing").get("reason") == "ProgressDeadlineExceeded",
        timeout=5,
    )
    assert trio.current_time() - start == pytest.approx(601, abs=1e-3)
    timed_out = condition(d, "Progressing")
    rs_name = (await replica_sets(kube))[0]["metadata"]["name"]
    assert timed_out["status"] == "False"
    assert timed_out["message"] == f'ReplicaSet "{rs_name}" has timed out progressing.'
    assert timed_out["lastUpdateTime"] == timed_out["lastTransitionTime"] == "2026-01-01T00:10:01Z"
    assert condition(d, "Available")["status"] == "False"
    # a new template is progress again
    await set_image(kube, "nginx:2")
    d = await wait_rolled_out(cluster)
    assert condition(d, "Progressing")["status"] == "True"


async def test_without_a_progress_deadline_there_is_no_progressing_condition(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=1, progressDeadlineSeconds=2**31 - 1))
    d = await cluster.wait_for(
        "deployments", "web", lambda d: (d.get("status") or {}).get("availableReplicas") == 1
    )
    assert condition(d, "Progressing") == {}
    assert condition(d, "Available")["status"] == "True"


# -- ownership, collisions, deletion --------------------------------------------------------------


def orphan_replica_set(name: str, labels: dict[str, str], replicas: int = 0) -> Object:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx:0"}]},
            },
        },
    }


async def test_adopts_matching_orphans_and_releases_what_stops_matching(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(orphan_replica_set("old", {**LABELS, "pod-template-hash": "x"}))
    d = await kube.create(deployment(replicas=1))
    adopted = await cluster.wait_for(
        "replicasets", "old", lambda rs: bool(rs["metadata"].get("ownerReferences"))
    )
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    await wait_rolled_out(cluster)
    patch = {"metadata": {"labels": {"app": "other"}}}
    await kube.patch("replicasets", "old", patch, namespace="default")
    released = await cluster.wait_for(
        "replicasets", "old", lambda rs: not rs["metadata"].get("ownerReferences")
    )
    assert released["metadata"]["labels"]["app"] == "other"


async def test_a_hash_collision_bumps_collision_count(
    cluster: ClusterHarness, kube: Client
) -> None:
    """A replica set with another template already holds ``web-<hash>``: the controller counts
    a collision and the next name is hashed with it."""
    await start_readiness(cluster)
    paused = await kube.create(deployment(replicas=1, paused=True))
    taken = f"web-{util.compute_hash(paused['spec']['template'], None)}"
    await kube.create(orphan_replica_set(taken, {"app": "someone-else"}))
    await kube.patch("deployments", "web", {"spec": {"paused": False}}, namespace="default")
    d = await wait_rolled_out(cluster)
    assert d["status"]["collisionCount"] == 1
    names = {rs["metadata"]["name"] for rs in await replica_sets(kube)}
    assert names == {taken, f"web-{util.compute_hash(paused['spec']['template'], 1)}"}


async def test_a_deployment_being_deleted_only_syncs_its_status(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    manifest = deployment(replicas=2)
    manifest["metadata"]["finalizers"] = ["example.com/hold"]
    await kube.create(manifest)
    await wait_rolled_out(cluster)
    await kube.delete("deployments", "web", namespace="default", propagation_policy="Orphan")
    await set_image(kube, "nginx:2")
    await kube.patch("deployments", "web", {"spec": {"replicas": 5}}, namespace="default")
    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: d["status"]["observedGeneration"] == d["metadata"]["generation"],
    )
    await trio.sleep(10)
    [rs] = await replica_sets(kube)
    assert rs["spec"]["replicas"] == 2  # neither rolled out nor scaled
    assert d["metadata"]["deletionTimestamp"]


@pytest.mark.parametrize("policy", ["Background", "Foreground"])
async def test_deleting_a_deployment_deletes_its_replica_sets_and_pods(
    cluster: ClusterHarness, kube: Client, policy: str
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    await kube.delete("deployments", "web", namespace="default", propagation_policy=policy)
    await cluster.wait_for_deletion("deployments", "web")

    async def all_gone() -> bool:
        pods = (await kube.list("pods", namespace="default"))["items"]
        return not pods and not await replica_sets(kube)

    await cluster.wait_until(all_gone)


async def test_orphan_deletion_leaves_replica_sets_running(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    await kube.delete("deployments", "web", namespace="default", propagation_policy="Orphan")
    await cluster.wait_for_deletion("deployments", "web")
    [rs] = await replica_sets(kube)
    await trio.sleep(5)
    rs = await kube.get("replicasets", rs["metadata"]["name"], namespace="default")
    assert not rs["metadata"].get("ownerReferences")
    assert rs["spec"]["replicas"] == 2
    assert len((await kube.list("pods", namespace="default"))["items"]) == 2


async def test_bad_strategy_values_do_not_crash_the_controller(
    cluster: ClusterHarness, kube: Client
) -> None:
    """Values the API accepts but that make no sense to the arithmetic are read as zero."""
    await start_readiness(cluster)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "x%", "maxUnavailable": 0}}
    manifest = deployment(replicas=2, strategy=strategy)
    try:
        await kube.create(manifest)
    except Exception:  # the API may refuse it; then there is nothing to check
        return
    await wait_rolled_out(cluster)
    assert cluster.unexpected_errors() == []


async def test_revision_is_recorded_without_moving_the_generation(
    cluster: ClusterHarness, kube: Client
) -> None:
    """The revision annotation rides on the status write (Deployments' status strategy keeps
    annotations), so ``metadata.generation`` counts only the user's changes, as on a real
    cluster: 1 after create, 2 after one template change."""
    await start_readiness(cluster)
    await kube.create(deployment())
    d = await wait_rolled_out(cluster)
    assert (d["metadata"]["generation"], revision_of(d)) == (1, "1")
    await set_image(kube, "nginx:2")
    d = await cluster.wait_for(
        "deployments", "web", lambda d: rolled_out(d) and revision_of(d) == "2"
    )
    assert d["metadata"]["generation"] == 2
    assert d["status"]["observedGeneration"] == 2


async def test_a_large_rolling_update_finishes_cleanly(
    cluster: ClusterHarness, kube: Client
) -> None:
    """100 replicas at 25%/25%: replica set statuses lag their specs on the way (an old one can
    report more available replicas than it now asks for); the controller takes that in its
    stride, as upstream, and the teardown finds no hidden errors."""
    await start_readiness(cluster, jitter=1.0)
    await kube.create(deployment(replicas=100))
    await wait_rolled_out(cluster, timeout=120)
    await set_image(kube, "nginx:2")
    d = await cluster.wait_for(
        "deployments", "web", lambda d: rolled_out(d) and revision_of(d) == "2", timeout=300
    )
    assert d["status"]["availableReplicas"] == 100
    assert [rs["spec"]["replicas"] for rs in await replica_sets(kube)] == [0, 100]


async def test_replica_failures_surface_on_the_deployment(
    cluster: ClusterHarness, kube: Client
) -> None:
    """Pods the API refuses (a missing service account): the replica set's ReplicaFailure
    condition is copied onto the Deployment."""
    await start_readiness(cluster)
    manifest = deployment(replicas=2)
    manifest["spec"]["template"]["spec"]["serviceAccountName"] = "missing"
    await kube.create(manifest)
    d = await cluster.wait_for(
        "deployments", "web", lambda d: condition(d, "ReplicaFailure").get("status") == "True"
    )
    failure = condition(d, "ReplicaFailure")
    assert failure["reason"] == "FailedCreate"
    assert "missing" in failure["message"]
    assert failure["lastUpdateTime"] == failure["lastTransitionTime"]
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "missing", "namespace": "default"},
        }
    )
    d = await wait_rolled_out(cluster, timeout=1200)
    assert condition(d, "ReplicaFailure") == {}


async def test_time_spent_paused_does_not_count_against_the_deadline(
    cluster: ClusterHarness, kube: Client
) -> None:
    """Why pause and resume are recorded in Progressing: a Deployment paused for longer than
    its deadline and resumed with a broken template gets the full 600 s from the resume."""
    await start_readiness(cluster)
    await kube.create(deployment(replicas=2))
    await wait_rolled_out(cluster)
    await kube.patch("deployments", "web", {"spec": {"paused": True}}, namespace="default")
    await set_image(kube, BROKEN)
    await trio.sleep(900)
    resumed_at = trio.current_time()
    await kube.patch("deployments", "web", {"spec": {"paused": False}}, namespace="default")
    await trio.sleep(599)
    d = await kube.get("deployments", "web", namespace="default")
    assert condition(d, "Progressing")["status"] == "True"
    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: condition(d, "Progressing").get("reason") == "ProgressDeadlineExceeded",
        timeout=5,
    )
    assert 600 < trio.current_time() - resumed_at <= 602
