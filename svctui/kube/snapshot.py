"""One-shot: list Services, EndpointSlices and Pods (and nodes) into a ClusterModel, no watch.

For `svctui doctor` and scripts: one consistent-enough picture, then exit. The live view uses
ClusterWatch instead. kube-system is listed too (when the main scope does not already cover it) so
cluster DNS health can be judged; a 403 there only skips that check.

A 403 on a kind is recorded in the model (diagnose then draws nothing from it) and the rest is still
listed; cluster-wide, the kind is listed namespace by namespace instead, as the watch does.
`Snapshot.unchecked` names what could not be read in the scope.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from kubernetes_asyncio.client import ApiClient

from svctui.model.access import UNWATCHED, Gap
from svctui.model.cluster import ClusterModel
from svctui.model.objects import Key

from . import api as kapi
from .convert import CONVERTERS, ConvertError

DNS_NAMESPACE = "kube-system"
NODES_PATH = "/api/v1/nodes"
NAMESPACES_PATH = "/api/v1/namespaces"
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError, EOFError)


class SnapshotError(Exception):
    """The cluster could not be listed; the text is meant for the user."""


@dataclass
class Snapshot:
    model: ClusterModel
    namespace: str | None  # the scope asked for (None: all namespaces)
    nodes: list[str] | None = None  # None when nodes could not be listed
    platform: str | None = None  # "kind", "minikube" or None
    dns_checked: bool = False
    skipped: list[str] = field(default_factory=list)  # objects that failed conversion
    notes: list[str] = field(default_factory=list)  # what could not be looked at, and why
    unchecked: list[Gap] = field(default_factory=list)  # kinds the scope's namespaces could not be read
    namespaces: list[str] | None = None  # every namespace, when a cluster-wide 403 made us list them


async def list_items(api: ApiClient, path: str, page_size: int = 500) -> list[Any]:
    items: list[Any] = []
    cont: str | None = None
    while True:
        q = [("limit", str(page_size))]
        if cont:
            q.append(("continue", cont))
        body = await kapi.get_json(api, path, q)
        if type(body) is not dict:
            raise kapi.ApiError(0, "BadResponse", f"list {path}: response is not a JSON object")
        items.extend(body.get("items") or ())
        cont = (body.get("metadata") or {}).get("continue") or None
        if not cont:
            return items


async def _load(api: ApiClient, snap: Snapshot, namespace: str | None) -> None:
    now = time.time()
    for res in kapi.RESOURCES:
        if not await _load_kind(api, snap, res, namespace, now) and namespace is None:
            await _load_per_namespace(api, snap, res, now)


async def _load_kind(api: ApiClient, snap: Snapshot, res: kapi.Resource, namespace: str | None,
                     now: float) -> bool:
    """List one kind into the model; False (recorded in the model) when the server refuses it."""
    try:
        raws = await list_items(api, res.path(namespace))
    except kapi.ApiError as exc:
        if not exc.forbidden:
            raise
        snap.model.forbid(res.kind, namespace)
        return False
    objs = []
    for raw in raws:
        try:
            objs.append(CONVERTERS[res.kind](raw))
        except ConvertError as exc:
            snap.skipped.append(str(exc))
    snap.model.replace_all(res.kind, objs, now, namespace)
    return True


async def _load_per_namespace(api: ApiClient, snap: Snapshot, res: kapi.Resource, now: float) -> None:
    if snap.namespaces is None:
        try:
            raws = await list_items(api, NAMESPACES_PATH)
        except kapi.ApiError as exc:
            if not exc.forbidden:
                raise
            snap.namespaces = []
            snap.notes.append("namespaces cannot be listed (forbidden): what is forbidden cluster-wide "
                              "is not checked in any namespace")
        else:
            snap.namespaces = sorted(str(md["name"]) for n in raws if type(n) is dict
                                     and type(md := n.get("metadata")) is dict and md.get("name"))
    snap.model.cover(res.kind, snap.namespaces)
    for ns in snap.namespaces:
        await _load_kind(api, snap, res, ns, now)


def _platform(nodes: list[Any]) -> str | None:
    for n in nodes:
        if type(n) is not dict:
            continue
        provider = str((n.get("spec") or {}).get("providerID") or "")
        labels = (n.get("metadata") or {}).get("labels") or {}
        if provider.startswith("kind://"):
            return "kind"
        if any(str(k).startswith("minikube.k8s.io/") for k in labels):
            return "minikube"
    return None


async def take(api: ApiClient, namespace: str | None, *, dns: bool = True) -> Snapshot:
    """Everything diagnose() needs for `namespace` (None: all). Raises SnapshotError."""
    snap = Snapshot(ClusterModel(), namespace)
    try:
        await _load(api, snap, namespace)
        if dns and namespace is not None and namespace != DNS_NAMESPACE:
            await _load(api, snap, DNS_NAMESPACE)
        snap.dns_checked = dns and snap.model.pods_known(DNS_NAMESPACE) and \
            snap.model.listed(kapi.SERVICES.kind, DNS_NAMESPACE) and snap.model.listed(kapi.ENDPOINTSLICES.kind,
                                                                                      DNS_NAMESPACE)
        if dns and not snap.dns_checked:
            refused = [g.text for g in snap.model.access.gaps(DNS_NAMESPACE)]
            if refused:
                snap.notes.append(f"cluster DNS not checked: {'; '.join(refused)}")
        scope = [namespace] if namespace is not None else sorted(
            set(snap.namespaces or ()) | {k[0] for k in snap.model.store.services}
            | {k[0] for k in snap.model.topology.service_keys()})
        if namespace is None and snap.namespaces == []:
            # Not even the namespaces to try one by one: the refusal covers every namespace.
            snap.unchecked = [Gap(res.kind, "", UNWATCHED) for res in kapi.RESOURCES
                              if snap.model.access.unwatched_possible(res.kind)]
        else:
            snap.unchecked = [g for ns in scope for g in snap.model.access.gaps(ns)]
        try:
            raw_nodes = await list_items(api, NODES_PATH)
        except kapi.ApiError as exc:
            if not exc.forbidden:
                raise
            snap.notes.append("nodes not listed (forbidden): traffic-policy checks use the nodes pods run on")
        else:
            snap.nodes = sorted(str((n.get("metadata") or {}).get("name")) for n in raw_nodes
                                if type(n) is dict and (n.get("metadata") or {}).get("name"))
            snap.platform = _platform(raw_nodes)
            snap.model.nodes = tuple(snap.nodes)  # what policy_nodes reads, in the TUI too
    except kapi.ApiError as exc:
        where = f"namespace {namespace}" if namespace else "all namespaces"
        raise SnapshotError(f"cannot list {where}: {exc.message}") from None
    except NETWORK_ERRORS as exc:
        raise SnapshotError(f"cannot reach the cluster: {_describe(exc)}") from None
    return snap


async def service_keys(api: ApiClient) -> list[Key] | None:
    """Every Service's (namespace, name) cluster-wide; None when that is not allowed or reachable."""
    try:
        raws = await list_items(api, kapi.SERVICES.path(None))
    except (kapi.ApiError, *NETWORK_ERRORS):
        return None
    out = []
    for raw in raws:
        md = raw.get("metadata") if type(raw) is dict else None
        if type(md) is dict and type(md.get("namespace")) is str and type(md.get("name")) is str:
            out.append((md["namespace"], md["name"]))
    return out


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return text
