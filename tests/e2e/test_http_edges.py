"""HTTP edge behaviour seen by any client: Status bodies for every failure, never a 500."""

from __future__ import annotations

import http.client
import json
from typing import Any

import trio
import yaml
from kubectl_harness import Kubectl


def _server(kubectl: Kubectl) -> str:
    config = yaml.safe_load(kubectl.kubeconfig.read_text())
    return config["clusters"][0]["cluster"]["server"]


async def request(
    kubectl: Kubectl, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """A raw request (http.client adds no Content-Type of its own, unlike urllib)."""
    host, port = _server(kubectl).removeprefix("http://").split(":")

    def send() -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    code, response_headers, data = await trio.to_thread.run_sync(send)
    try:
        decoded: Any = json.loads(data)
    except ValueError:
        decoded = data.decode()
    return code, response_headers, decoded


async def test_unknown_paths_are_a_404_status(kubectl: Kubectl) -> None:
    code, _, body = await request(kubectl, "GET", "/apis/nope.example.com/v1/things")
    assert code == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    code, _, body = await request(kubectl, "GET", "/openapi/v2")
    assert code == 404


async def test_wrong_methods_are_405(kubectl: Kubectl) -> None:
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    code, _, status = await request(
        kubectl, "POST", "/api/v1/namespaces/default/configmaps/x", body.encode()
    )
    assert code == 405 and status["reason"] == "MethodNotAllowed"
    code, _, status = await request(kubectl, "PUT", "/api/v1/namespaces/default/configmaps", b"{}")
    assert code == 405


async def test_bad_bodies_are_400_and_big_ones_413(kubectl: Kubectl) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    code, _, status = await request(
        kubectl, "POST", path, b"{not json", **{"Content-Type": "application/json"}
    )
    assert code == 400 and status["kind"] == "Status"
    code, _, status = await request(
        kubectl, "POST", path, b"x" * (4 * 1024 * 1024), **{"Content-Type": "application/json"}
    )
    assert code == 413 and status["reason"] == "RequestEntityTooLarge"
    code, _, status = await request(
        kubectl, "POST", path, b"{}", **{"Content-Type": "application/xml"}
    )
    assert code == 415 and status["reason"] == "UnsupportedMediaType"


async def test_missing_content_type_is_json_and_yaml_bodies_work(kubectl: Kubectl) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    code, _, created = await request(kubectl, "POST", path, body.encode())
    assert code == 201 and created["metadata"]["name"] == "a"
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: v\n"
    code, _, created = await request(
        kubectl, "POST", path, yaml_body, **{"Content-Type": "application/yaml"}
    )
    assert code == 201 and created["data"] == {"k": "v"}


async def test_warnings_travel_in_warning_headers(kubectl: Kubectl) -> None:
    body = json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"}, "bogus": 1}
    )
    code, headers, _ = await request(
        kubectl,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        body.encode(),
        **{"Content-Type": "application/json"},
    )
    assert code == 201
    assert headers.get("Warning") == '299 - "unknown field \\"bogus\\""'
