"""The ``minikube-py`` command: start an emulator, see whether one runs, stop it.

``minikube-py start`` runs a cluster in the foreground, serves its API on 127.0.0.1, writes a
kubeconfig (merged into ``$KUBECONFIG`` or ``~/.kube/config`` as context ``minikube-py`` and
made current, as minikube does; or to ``--kubeconfig PATH`` alone) and prints how to use it.
SIGINT or SIGTERM shut it down cleanly. The cluster clock runs at wall rate, or ``--time-scale``
times faster. ``status`` and ``stop`` find the running instance through a small state file.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import trio
import yaml

CONTEXT = "minikube-py"


def _state_file() -> Path:
    base = Path(os.environ.get("MINIKUBE_PY_HOME", Path.home() / ".minikube-py"))
    return base / "state.json"


class ScaledClock(trio.abc.Clock):
    """Wall time running ``scale`` times faster (``--time-scale``)."""

    def __init__(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = scale
        self._real0 = 0.0

    def start_clock(self) -> None:
        self._real0 = time.monotonic()

    def current_time(self) -> float:
        return (time.monotonic() - self._real0) * self.scale

    def deadline_to_sleep_time(self, deadline: float) -> float:
        return max(0.0, (deadline - self.current_time()) / self.scale)


def _kubeconfig_entry(server: str) -> dict[str, Any]:
    return {
        "cluster": {"name": CONTEXT, "cluster": {"server": server}},
        "user": {"name": CONTEXT, "user": {}},
        "context": {"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}},
    }


def write_kubeconfig(path: Path, server: str, *, merge: bool) -> None:
    """Write (or merge in) the ``minikube-py`` cluster, user and context, made current."""
    config: dict[str, Any] = {}
    if merge and path.exists():
        loaded = yaml.safe_load(path.read_text()) or {}
        if isinstance(loaded, dict):
            config = loaded
    config.setdefault("apiVersion", "v1")
    config.setdefault("kind", "Config")
    entry = _kubeconfig_entry(server)
    for section, item in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
        listed = [e for e in config.get(section) or [] if e.get("name") != CONTEXT]
        listed.append(entry[item])
        config[section] = listed
    config["current-context"] = CONTEXT
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(yaml.safe_dump(config, sort_keys=False))
    os.replace(tmp, path)


def _default_kubeconfig() -> Path:
    env = os.environ.get("KUBECONFIG")
    if env:
        return Path(env.split(os.pathsep)[0])
    return Path.home() / ".kube" / "config"


async def _start(args: argparse.Namespace) -> None:
    from apiserver.http.server import HTTPServer
    from apiserver.storage import StoreConfig
    from minikube_py.cluster import Cluster
    from minikube_py.node_operations import NodeOperations

    store = StoreConfig(data_dir=args.data_dir) if args.data_dir else StoreConfig()
    cluster = Cluster(seed=args.seed, store=store, nodes=args.nodes)
    extensions = {"nodes": NodeOperations(cluster.nodes)}
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            await nursery.start(cluster.run)
            http = HTTPServer(cluster.server, port=args.port, extensions=extensions)
            port = await nursery.start(http.run)
            server = f"http://127.0.0.1:{port}"
            if args.kubeconfig:
                kubeconfig = Path(args.kubeconfig)
                write_kubeconfig(kubeconfig, server, merge=False)
            else:
                kubeconfig = _default_kubeconfig()
                write_kubeconfig(kubeconfig, server, merge=True)
            state = _state_file()
            state.parent.mkdir(parents=True, exist_ok=True)
            state.write_text(json.dumps({"pid": os.getpid(), "server": server}))
            print(f"minikube-py is serving the Kubernetes API at {server}")
            print(f"kubeconfig: {kubeconfig} (context {CONTEXT!r})")
            print(f"try: kubectl --kubeconfig {kubeconfig} get namespaces")
            print("stop with Ctrl-C or `minikube-py stop`", flush=True)
            async for _ in signals:
                break
            nursery.cancel_scope.cancel()
    state = _state_file()
    if state.exists():
        state.unlink()
    print("minikube-py stopped")


def _status() -> int:
    state = _state_file()
    if not state.exists():
        print("minikube-py is not running")
        return 1
    info = json.loads(state.read_text())
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        print("minikube-py is not running (stale state file removed)")
        state.unlink()
        return 1
    print(f"minikube-py is running (pid {info['pid']}) at {info['server']}")
    return 0


def _stop() -> int:
    state = _state_file()
    if not state.exists():
        print("minikube-py is not running")
        return 1
    info = json.loads(state.read_text())
    try:
        os.kill(info["pid"], signal.SIGTERM)
    except ProcessLookupError:
        state.unlink()
        print("minikube-py was not running")
        return 1
    print(f"stopping minikube-py (pid {info['pid']})")
    return 0


def server_of(kubeconfig: Path, context: str | None = None) -> str:
    """The API server URL of ``context`` (default: the current context) in a kubeconfig."""
    config = yaml.safe_load(kubeconfig.read_text()) or {}
    name = context or config.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
    if name not in contexts:
        raise SystemExit(f"error: context {name!r} not found in {kubeconfig}")
    clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
    server = clusters.get(contexts[name].get("cluster"), {}).get("server")
    if not server:
        raise SystemExit(f"error: context {name!r} in {kubeconfig} names no cluster server")
    return str(server).rstrip("/")


def _node(args: argparse.Namespace) -> int:
    """``minikube-py node ACTION NAME``: ask the running emulator (through the operator
    endpoint ``/minikube-py/nodes``) to add, kill, restart, partition or heal a node."""
    import urllib.error
    import urllib.request

    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else _default_kubeconfig()
    server = server_of(kubeconfig, args.context)
    body: dict[str, Any] = {}
    if args.action == "add" and args.pool:
        body["pool"] = args.pool
    request = urllib.request.Request(
        f"{server}/minikube-py/nodes/{args.name}/{args.action}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        status = json.loads(error.read() or b"{}")
        print(
            f"Error from server ({status.get('reason', error.code)}): "
            f"{status.get('message', error)}",
            file=sys.stderr,
        )
        return 1
    except urllib.error.URLError as error:
        print(f"error: cannot reach the emulator at {server}: {error.reason}", file=sys.stderr)
        return 1
    print(answer.get("message") or f"node/{args.name} {args.action}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minikube-py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="run an emulator in the foreground")
    start.add_argument("--nodes", type=int, default=1, help="simulated nodes (default 1)")
    start.add_argument("--port", type=int, default=0, help="API port (default: a free one)")
    start.add_argument("--kubeconfig", help="write a kubeconfig here instead of merging")
    start.add_argument("--data-dir", help="keep state on disk (write-ahead log + snapshots)")
    start.add_argument("--seed", type=int, default=0, help="seed of the cluster's randomness")
    start.add_argument(
        "--time-scale", type=float, default=1.0, help="run the cluster clock this much faster"
    )
    commands.add_parser("status", help="is an emulator running?")
    commands.add_parser("stop", help="stop the running emulator")
    node = commands.add_parser("node", help="act on a simulated node of a running emulator")
    node.add_argument("action", choices=["add", "kill", "restart", "partition", "heal"])
    node.add_argument("name", help="the node's name")
    node.add_argument("--pool", help="for add: the node pool whose shape the node takes")
    node.add_argument("--kubeconfig", help="the emulator's kubeconfig (default: $KUBECONFIG)")
    node.add_argument("--context", help="the kubeconfig context (default: the current one)")
    args = parser.parse_args(argv)
    if args.command == "node":
        return _node(args)
    if args.command == "status":
        return _status()
    if args.command == "stop":
        return _stop()
    clock = ScaledClock(args.time_scale) if args.time_scale != 1.0 else None
    trio.run(_start, args, clock=clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
