"""A simulated cluster: the store, the API server on loopback, and the controllers that make it live."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import kinds, podsubresources
from . import resources as R
from .apiserver import Api, deep_copy
from .clock import Clock
from .controllers import all_controllers
from .controllers.base import Controller
from .controllers.gc import GarbageCollector
from .controllers.kubelet import Kubelet
from .dns import Resolver
from .events import Recorder
from .frontdoor import FrontDoor
from .ipalloc import ServiceAllocators
from .ipam import Ipam
from .kubeproxy import KubeProxy
from .parts import Parts
from .server import ApiServer
from .store import Store

log = logging.getLogger("svctui.sim")


@dataclass
class SimOptions:
    speed: float = 1.0
    history: int = 20000
    bookmark_interval: float = 60.0
    seed: int | None = None
    events: bool = True
    # The front door (frontdoor.py); all off = plain HTTP, every request let in, as before.
    tls: bool = False
    auth: str | None = None  # None, "token", "cert" or "exec"
    token_ttl: float = 900.0  # seconds an exec plugin's credential lives (EKS: 15 min)
    exec_api_version: str = "client.authentication.k8s.io/v1"
    exec_credential: str = "token"  # what the exec plugin returns: "token" or "cert"
    watch_timeout: float | None = None  # --min-request-timeout: watches without timeoutSeconds end in [S, 2S)
    connection_lifetime: float | None = None  # a load balancer cutting every connection S seconds after it opened
    users: tuple[str, ...] = ()  # NAME or NAME:GROUP,...: more users with credentials (needs auth), RBAC decides
    # Image references the simulated registries hold besides images.CATALOGUE (`svctui sim --image`).
    images: tuple[str, ...] = ()
    # The wall clock's reading at start (epoch seconds), then running on: timestamps (creation,
    # events) replay the same, for screens compared byte for byte. None: the host's clock.
    epoch: float | None = None


class Cluster:
    def __init__(self, options: SimOptions | None = None):
        self.options = options or SimOptions()
        epoch = self.options.epoch
        self.clock = Clock(self.options.speed, 0.0 if epoch is None else epoch - time.time())
        self.rng = random.Random(self.options.seed)
        self.store = Store(self.clock, history=self.options.history)
        self.api = Api(self.store, self.clock, self.rng)
        self.recorder = Recorder(self.api, enabled=self.options.events)
        self.server = ApiServer(self.api, bookmark_interval=self.options.bookmark_interval,
                                watch_timeout=self.options.watch_timeout)
        self.parts = self.api.parts = Parts(
            authorizer=self.server.authorizer, allocators=ServiceAllocators(self.rng), ipam=Ipam(),
            dns=Resolver(self), kubeproxy=KubeProxy(self))
        self.frontdoor = self._frontdoor()
        if self.frontdoor.auth is not None:
            self.server.frontdoor = self.frontdoor
        kinds.register_all(self)
        podsubresources.register(self)
        self.controllers: list[Controller[Any]] = []
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    def _frontdoor(self) -> FrontDoor:
        o = self.options
        return FrontDoor(tls=o.tls, auth=o.auth, token_ttl=o.token_ttl, exec_api_version=o.exec_api_version,
                         exec_credential=o.exec_credential, users=o.users)

    # ---- lifecycle ----
    def start_controllers(self) -> None:
        if self.controllers:
            return
        self.controllers = [cls(self) for cls in all_controllers()]
        for c in self.controllers:
            if isinstance(c, Kubelet):
                self.parts.kubelet = c
        for c in self.controllers:
            c.start()
            # Deletions ask for the GC's finalizers from the moment it indexes owners, as before it ran
            # they could not be honoured.
            if isinstance(c, GarbageCollector):
                self.parts.gc = c

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.start_controllers()
        app = self.server.app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
        if self.options.connection_lifetime:
            _cut_connections_after(self._runner.server, self.options.connection_lifetime)
        site = web.SockSite(self._runner, sock, ssl_context=self.frontdoor.ssl_context(), backlog=1024)
        await site.start()
        bound = sock.getsockname()
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'https' if self.frontdoor.tls else 'http'}://{shown}:{bound[1]}"
        self.server.server_address = f"{shown}:{bound[1]}"
        return self.url

    async def stop(self) -> None:
        for c in self.controllers:
            await c.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def settle(self, timeout: float = 10.0, quiet: float = 0.05) -> bool:
        """Wait until no controller has queued work for `quiet` seconds (pending timers may remain)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        calm_since = None
        while loop.time() < deadline:
            if all(c.idle() for c in self.controllers):
                calm_since = calm_since or loop.time()
                if loop.time() - calm_since >= quiet:
                    return True
            else:
                calm_since = None
            await asyncio.sleep(0.01)
        return False

    async def warm_up(self, speed: float, timeout: float = 30.0) -> bool:
        """wait_pods_ready, then lifecycle delays at `speed` from then on. A cluster made with a small
        SimOptions.speed and warmed up this way opens as one that has been up a while, as a real cluster is
        when someone connects: `svctui --demo` showed 3 s of image pulls and probes at speed 1 before its
        first tree. Timers set before keep their short delays."""
        try:
            return await self.wait_pods_ready(timeout)
        finally:
            self.clock.speed = self.options.speed = speed

    async def wait_pods_ready(self, timeout: float = 30.0) -> bool:
        """Wait until every pod that should run is Ready (a demo then opens on a steady cluster)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self.settle(timeout=max(0.0, deadline - loop.time())) and all(_settled(p) for p in self.store.list(R.PODS)):
                return True
            await asyncio.sleep(0.05)
        return False

    # ---- loading ----
    def apply_objects(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create (or replace) objects as `kubectl apply` would for a fresh manifest set."""
        order = {"Namespace": 0, "Node": 0, "ConfigMap": 1, "Service": 2, "Endpoints": 3}
        created = []
        for doc in sorted((d for d in docs if d), key=lambda d: order.get(d.get("kind", ""), 5)):
            rt = R.for_kind(doc.get("apiVersion", ""), doc.get("kind", ""))
            if rt is None:
                raise ValueError(f"unsupported object {doc.get('apiVersion')}/{doc.get('kind')}")
            md = doc.get("metadata") or {}
            existing = self.store.get(rt, md.get("namespace") or "default", md.get("name", ""))
            if existing is not None:
                # A later scenario may change what bootstrap made (dns-down: CoreDNS replicas 0). A merge
                # patch keeps what the server set (clusterIP, status); identical manifests change nothing.
                stored, _ = self.api.patch(rt, md.get("namespace"), md["name"], "application/merge-patch+json",
                                           json.dumps(doc).encode())
                created.append(stored)
                continue
            created.append(self.api.create(rt, md.get("namespace"), deep_copy(doc)))
        return created

    def stats(self) -> dict[str, int]:
        return {rt.plural: self.store.count(rt) for rt in R.ALL}


def _cut_connections_after(server: Any, lifetime: float) -> None:
    """Reset every connection `lifetime` seconds after it opened, as a load balancer with a maximum
    connection age does: mid-stream, no TLS close_notify, no last chunk."""
    loop = asyncio.get_running_loop()
    made = server.connection_made

    def connection_made(handler: Any, transport: asyncio.Transport) -> None:
        made(handler, transport)
        loop.call_later(lifetime, _reset, transport)

    server.connection_made = connection_made


def _reset(transport: asyncio.Transport) -> None:
    if transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            # Linger 0: close() sends RST, not FIN, so the peer cannot mistake the cut for an orderly end.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


def _settled(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return True
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
