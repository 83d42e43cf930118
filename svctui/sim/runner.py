"""Running a simulated cluster: in the foreground (`svctui sim`) or on a thread of its own (tests, --demo)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .cluster import Cluster, SimOptions
from .frontdoor import FrontDoor
from .scenarios import load_scenarios

CONTEXT = "svctui-sim"


def kubeconfig(url: str, namespace: str | None = None, cluster: dict[str, Any] | None = None,
               user: dict[str, Any] | None = None, others: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """others: more users by name, each in a context svctui-sim-NAME next to the admin's."""
    ctx: dict[str, Any] = {"cluster": CONTEXT, "user": CONTEXT}
    if namespace:
        ctx["namespace"] = namespace
    users = [{"name": CONTEXT, "user": user or {"token": "svctui-sim"}}]
    contexts = [{"name": CONTEXT, "context": ctx}]
    for name, creds in (others or {}).items():
        users.append({"name": f"{CONTEXT}-{name}", "user": creds})
        contexts.append({"name": f"{CONTEXT}-{name}", "context": {**ctx, "user": f"{CONTEXT}-{name}"}})
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster or {"server": url}}],
        "users": users,
        "contexts": contexts,
        "current-context": CONTEXT,
        "preferences": {},
    }


def write_kubeconfig(path: str | os.PathLike[str], url: str, namespace: str | None = None,
                     frontdoor: FrontDoor | None = None, server_name: str | None = None) -> Path:
    """A kubeconfig for the sim at url; with its front door, one carrying the CA and the credentials
    (or exec stanza) it needs."""
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    cluster = user = None
    others: dict[str, dict[str, Any]] = {}
    if frontdoor is not None:
        cluster = frontdoor.kubeconfig_cluster(url, server_name)
        user = frontdoor.kubeconfig_user(p)
        others = {who.user: frontdoor.kubeconfig_user(p, who) for who in frontdoor.users}
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(yaml.safe_dump(kubeconfig(url, namespace, cluster, user, others), sort_keys=False))
    os.chmod(tmp, 0o600)
    tmp.replace(p)
    return p


class SimThread:
    """A cluster on its own event loop thread. `with SimThread(...) as sim: sim.url`."""

    def __init__(self, scenarios: list[str] | None = None, options: SimOptions | None = None,
                 host: str = "127.0.0.1", port: int = 0):
        self.scenarios = scenarios or ["empty"]
        self.options = options or SimOptions()
        self.host = host
        self.port = port
        self.cluster: Cluster | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.url: str = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="svctui-sim", daemon=True)
        self._stop: asyncio.Event | None = None

    def start(self) -> SimThread:
        self._thread.start()
        self._ready.wait(60)
        if self._error:
            raise self._error
        if not self.url:
            raise RuntimeError("simulated cluster did not start")
        return self

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced to the starting thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.cluster = Cluster(self.options)
        self.url = await self.cluster.start(self.host, self.port)
        load_scenarios(self.cluster, self.scenarios)
        await self.cluster.settle(timeout=30)
        self._ready.set()
        await self._stop.wait()
        await self.cluster.stop()

    def write_kubeconfig(self, path: str | os.PathLike[str], namespace: str | None = None,
                         server_name: str | None = None) -> Path:
        """The kubeconfig that fits this sim's options: its CA, and its credentials or exec stanza."""
        assert self.cluster is not None, "start the sim first"
        return write_kubeconfig(path, self.url, namespace, self.cluster.frontdoor, server_name)

    @property
    def ca_pem(self) -> bytes | None:
        return self.cluster.frontdoor.ca_pem if self.cluster is not None else None

    def credential_runs(self) -> int:
        """How many times the exec plugin of the kubeconfigs written so far has run."""
        return self.cluster.frontdoor.credential_runs() if self.cluster is not None else 0

    def call(self, fn: Callable[[Cluster], Any], timeout: float = 30) -> Any:
        """Run fn(cluster) on the cluster's loop (a coroutine function is awaited) and return its result."""
        assert self.loop is not None and self.cluster is not None
        cluster = self.cluster

        async def runner() -> Any:
            result = fn(cluster)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(timeout)

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    def __enter__(self) -> SimThread:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


async def serve(host: str, port: int, kubeconfig_path: str | None, scenarios: list[str], options: SimOptions,
                announce: Callable[[str], None] = print) -> None:
    cluster = Cluster(options)
    url = await cluster.start(host, port)
    load_scenarios(cluster, scenarios)
    if kubeconfig_path:
        write_kubeconfig(kubeconfig_path, url, frontdoor=cluster.frontdoor)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    announce(url)
    sys.stdout.flush()
    await stop.wait()
    await cluster.stop()
