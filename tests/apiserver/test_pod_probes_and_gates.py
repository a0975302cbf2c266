"""Pod probes are defaulted and validated as upstream; scheduling gates may only be removed."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def pod(name: str = "p", **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx", **container}]},
    }


async def test_probe_defaults(api: InProcessClient) -> None:
    created = await api.create(
        pod(
            readinessProbe={"httpGet": {"port": 8080}},
            livenessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 5},
        )
    )
    container = created["spec"]["containers"][0]
    assert container["readinessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert container["livenessProbe"]["periodSeconds"] == 5


@pytest.mark.parametrize(
    ("probe_kind", "probe", "message"),
    [
        (
            "livenessProbe",
            {"periodSeconds": 3},
            "spec.containers[0].livenessProbe: Required value: must specify a handler type",
        ),
        (
            "livenessProbe",
            {"exec": {"command": ["true"]}, "successThreshold": 2},
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        ),
        (
            "startupProbe",
            {"exec": {"command": ["true"]}, "successThreshold": 3},
            "spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1",
        ),
        (
            "readinessProbe",
            {"exec": {"command": ["true"]}, "terminationGracePeriodSeconds": 5},
            "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: "
            "must not be set for readinessProbes",
        ),
        (
            "readinessProbe",
            {"tcpSocket": {"port": 1}, "failureThreshold": -1},
            "spec.containers[0].readinessProbe.failureThreshold: Invalid value: -1: must be "
            "greater than or equal to 0",
        ),
        (
            "readinessProbe",
            {"tcpSocket": {"port": 1}, "exec": {"command": ["true"]}},
            "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than "
            "1 handler type",
        ),
    ],
)
async def test_probe_validation(
    api: InProcessClient, probe_kind: str, probe: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        await api.create(pod(**{probe_kind: probe}))
    assert message in str(refused.value)
    assert refused.value.status()["details"]["causes"]


async def test_a_readiness_probe_may_succeed_more_than_once(api: InProcessClient) -> None:
    created = await api.create(
        pod(readinessProbe={"exec": {"command": ["true"]}, "successThreshold": 3})
    )
    assert created["spec"]["containers"][0]["readinessProbe"]["successThreshold"] == 3


async def test_scheduling_gates_can_only_be_removed(api: InProcessClient) -> None:
    gated = pod()
    gated["spec"]["schedulingGates"] = [{"name": "a.example.com/one"}, {"name": "two"}]
    created = await api.create(gated)
    # removing one is allowed
    created["spec"]["schedulingGates"] = [{"name": "two"}]
    updated = await api.update(created)
    assert updated["spec"]["schedulingGates"] == [{"name": "two"}]
    # adding one is not
    updated["spec"]["schedulingGates"] = [{"name": "two"}, {"name": "three"}]
    with pytest.raises(Invalid) as refused:
        await api.update(updated)
    assert (
        "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new "
        "scheduling gate 'three'"
    ) in str(refused.value)
    # and removing the rest (a merge patch, as a controller lifting the gate does)
    lifted = await api.patch("pods", "p", {"spec": {"schedulingGates": None}})
    assert "schedulingGates" not in lifted["spec"]


async def test_match_label_keys_become_selector_requirements_at_creation(
    api: InProcessClient,
) -> None:
    """MatchLabelKeysInPodAffinity: the keys stay, their values join the label selector."""
    term = {
        "labelSelector": {"matchLabels": {"app": "web"}},
        "topologyKey": "kubernetes.io/hostname",
        "matchLabelKeys": ["version", "absent"],
        "mismatchLabelKeys": ["tenant"],
    }
    body = pod()
    body["metadata"]["labels"] = {"app": "web", "version": "v2", "tenant": "a"}
    body["spec"]["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [term],
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "podAffinityTerm": {**term, "labelSelector": {}}}
            ],
        }
    }
    created = await api.create(body)
    anti = created["spec"]["affinity"]["podAntiAffinity"]
    required = anti["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert required["matchLabelKeys"] == ["version", "absent"]
    assert required["labelSelector"] == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "version", "operator": "In", "values": ["v2"]},
            {"key": "tenant", "operator": "NotIn", "values": ["a"]},
        ],
    }
    preferred = anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert preferred["labelSelector"]["matchExpressions"][0]["values"] == ["v2"]


async def test_a_gated_pod_may_gain_node_selector_entries(api: InProcessClient) -> None:
    """While gated, nodeSelector entries may be added (as Kueue does), never changed."""
    gated = pod()
    gated["spec"]["schedulingGates"] = [{"name": "kueue.x-k8s.io/admission"}]
    gated["spec"]["nodeSelector"] = {"pool": "a"}
    created = await api.create(gated)
    created["spec"]["nodeSelector"] = {"pool": "a", "zone": "z1"}
    updated = await api.update(created)
    assert updated["spec"]["nodeSelector"] == {"pool": "a", "zone": "z1"}
    updated["spec"]["nodeSelector"] = {"zone": "z1"}
    with pytest.raises(Invalid) as refused:
        await api.update(updated)
    assert (
        'spec.nodeSelector: Invalid value: map[string]string{"zone":"z1"}: only additions '
        "to spec.nodeSelector are allowed (no mutations or deletions)"
    ) in str(refused.value)
    # once the gate is gone, the selector is fixed like the rest of the spec
    lifted = await api.patch("pods", "p", {"spec": {"schedulingGates": None}})
    lifted["spec"]["nodeSelector"] = {"pool": "a", "zone": "z1", "more": "x"}
    with pytest.raises(Invalid, match="pod updates may not change fields"):
        await api.update(lifted)
