"""The body of the main screen's watch worker: resolve the kubeconfig, list and watch, say when the tree
can be built. What it learns goes out through WatchHooks as messages (ui/messages.py) tagged with the
watch's generation; the screen drops those of a watch it replaced. The events themselves do not pass
here: the watch's sink calls the screen's hook directly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from svctui.kube.config import KubeConfigError, load_target
from svctui.kube.nodes import node_names
from svctui.kube.state import StreamState
from svctui.kube.stream import WatchOptions
from svctui.kube.watch import ROW_KINDS, ClusterWatch
from svctui.model.cluster import Changes, ClusterModel

from .clock import Now
from .messages import TargetResolved, WatchFailed, WatchSynced
from .scope import ALL

QUICK_SYNC = 1.0  # seconds the tree waits for every list before it settles for Services and slices


TICK = 0.5  # ages and stopwatches are re-read this often


@dataclass
class WatchConfig:
    """What the command line asked to watch, and how (the main screen's starting point)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    service: str | None = None
    read_only: bool = False
    clock: Now = time.time
    watch_options: WatchOptions | None = None
    ledger_options: dict | None = None
    tick: float | None = TICK
    sync_timeout: float = 5.0
    debug_session_id: str | None = None


@dataclass
class WatchTarget:
    """Where to watch, as the screen holds it when the watch (re)starts."""

    kubeconfig: str | None
    context: str | None
    namespace: str | None  # None: every namespace
    watch_all: bool
    options: WatchOptions | None
    clock: Now
    sync_timeout: float


@dataclass
class WatchHooks:
    """Where the watch's news go. `changes` and `state` are called by the watch's sink on the screen's
    loop (one batch of Changes per loop turn); `post` carries the rest; `connected(api, watch)`: the API
    client (watch None until it is built), then the watch; `disconnected(api)`: that client is closing."""

    changes: Callable[[Changes], object]
    state: Callable[[StreamState], object]
    post: Callable[[Message], object]
    connected: Callable[[Any, ClusterWatch | None], None]
    disconnected: Callable[[Any], None]


async def watch_cluster(t: WatchTarget, gen: int, model: ClusterModel, hooks: WatchHooks) -> None:
    post = hooks.post
    try:
        target = await load_target(kubeconfig=t.kubeconfig, context=t.context,
                                   namespace=None if t.watch_all else t.namespace)
    except KubeConfigError as exc:
        post(WatchFailed(gen, str(exc)))
        return
    except Exception as exc:
        post(WatchFailed(gen, f"{type(exc).__name__}: {exc}"))
        return
    ns = None if t.watch_all else target.namespace
    hooks.connected(target.api, None)
    post(TargetResolved(gen, target.context, ns or ALL))
    # Before the first diagnosis, so the Local-policy check counts nodes as `svctui doctor` does.
    model.nodes = await node_names(target.api)
    watch = ClusterWatch(target.api, model, hooks.changes, namespace=ns, default_namespace=target.namespace,
                         on_state=hooks.state, options=t.options, clock=t.clock)
    hooks.connected(target.api, watch)
    task = watch.start()
    try:
        quick = min(QUICK_SYNC, t.sync_timeout)
        try:
            await watch.wait_synced(timeout=quick)
        except TimeoutError:
            # A big (or struggling) cluster: build the tree once its rows are in (Services and
            # slices; pods join them later) or at the timeout with what there is. The header says
            # which streams are still listing.
            try:
                await watch.wait_synced(timeout=t.sync_timeout - quick, kinds=ROW_KINDS)
            except TimeoutError:
                pass
            post(WatchSynced(gen, complete=False))
            synced = asyncio.ensure_future(watch.wait_synced())
            await asyncio.wait([synced, task], return_when=asyncio.FIRST_COMPLETED)
            if not synced.done():
                synced.cancel()
                await task
                return
        post(WatchSynced(gen))
        await task
    finally:
        await watch.stop()
        hooks.disconnected(target.api)
        await target.close()
