"""Watches Services, EndpointSlices and Pods into a ClusterModel; the only code that reads the cluster.

    watch = ClusterWatch(api, model, on_changes, namespace=None, default_namespace="default",
                         on_state=..., on_skip=...)
    task = watch.start()          # or: await watch.run()
    await watch.wait_synced()     # every stream has listed once
    ...
    await watch.stop()

`on_changes(Changes)` is called at most once per event-loop turn with everything applied in that
turn. `on_state(StreamState)` is called whenever a stream's state changes (see state.py);
`watch.states` holds the latest per (kind, namespace).

Cluster-wide, a 403 on a kind falls back to per-namespace streams for that kind: the namespaces the
user can list, or, if listing namespaces is forbidden too, the context's namespace. Per kind, because
RBAC often grants pods and services cluster-wide but not EndpointSlices, or the reverse. Namespaces
are then watched, so one created later gets its streams too (see namespaces.py). The model is told
what was refused and which namespaces are covered, so it never reads a refusal as an empty list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from kubernetes_asyncio.client import ApiClient

from svctui.model.cluster import Changes, ClusterModel
from svctui.model.store import ENDPOINTSLICE, SERVICE

from . import api as kapi
from .dnswatch import DNS_NAMESPACE, DNS_STREAMS, needs_dns_streams
from .namespaces import follow_namespaces, list_namespaces
from .sink import ModelSink
from .state import FORBIDDEN, LOST, Skipped, StreamState
from .stream import ResourceStream, WatchOptions

log = logging.getLogger("svctui.kube")

StreamKey = tuple[str, str | None]  # (kind, namespace or None)
ROW_KINDS = frozenset({SERVICE, ENDPOINTSLICE})  # what the tree's rows are made of; pods only join them


class ClusterWatch:
    def __init__(self, api: ApiClient, model: ClusterModel, on_changes: Callable[[Changes], object], *,
                 namespace: str | None = None, default_namespace: str = "default",
                 on_state: Callable[[StreamState], object] | None = None,
                 on_skip: Callable[[Skipped], None] | None = None,
                 options: WatchOptions | None = None, clock: Callable[[], float] = time.time,
                 resources: Iterable[kapi.Resource] = kapi.WATCHED, dns: bool = True):
        self.api = api
        self.dns = dns  # in one namespace, also watch kube-dns (dnswatch.py) for cluster DNS health
        self.model = model
        self.namespace = namespace
        self.default_namespace = default_namespace
        self.options = options or WatchOptions()
        self.sink = ModelSink(model, on_changes, clock)
        self.clock = clock
        self._identity: tuple[float, asyncio.Task[str | None]] | None = None
        self.resources = tuple(resources)
        self._on_state = on_state
        self._on_skip = on_skip
        self.streams: dict[StreamKey, ResourceStream] = {}
        self.states: dict[StreamKey, StreamState] = {}
        self._tasks: dict[StreamKey, asyncio.Task[None]] = {}
        self._namespaces: asyncio.Task[list[str]] | None = None  # shared by the kinds that fall back
        self._namespaces_note: str | None = None
        self._known_ns: set[str] | None = None  # every namespace, kept current once listable
        self._ns_follower: asyncio.Task[None] | None = None
        self._covered: dict[str, tuple[kapi.Resource, set[str]]] = {}  # kind → its per-namespace streams
        self._fallbacks: Counter[str] = Counter()  # kind → fallbacks still setting up (wait_synced waits)
        self._done = asyncio.Event()
        self._all_spawned = False
        self._main: asyncio.Task[None] | None = None

    # ---- lifecycle ----

    def start(self) -> asyncio.Task[None]:
        if self._main is None:
            self._main = asyncio.get_running_loop().create_task(self.run(), name="svctui-watch")
        return self._main

    async def run(self) -> None:
        try:
            rows = [r for r in self.resources if r.kind in ROW_KINDS]
            for res in rows:
                self._spawn(res, self.namespace)
            rest = [r for r in self.resources if r.kind not in ROW_KINDS]
            if rows and rest:
                # The Pod list is the bulk (300 MB at 100,000 pods) and the tree's rows need only
                # Services and slices: listing pods after them shows the tree seconds earlier.
                try:
                    await self.wait_synced(timeout=self.options.rows_first, kinds=ROW_KINDS)
                except TimeoutError:
                    pass  # those lists are in trouble: do not hold the pods back any longer
            for res in rest:
                self._spawn(res, self.namespace)
            if self.dns and needs_dns_streams(self.namespace):
                for res, selectors in DNS_STREAMS:
                    self._spawn(res, DNS_NAMESPACE, selectors)
            self._all_spawned = True
            await self._done.wait()  # only stop() ends it
        finally:
            await self._cancel_all()

    async def stop(self) -> None:
        self._done.set()
        if self._main is not None:
            await asyncio.gather(self._main, return_exceptions=True)
        else:
            await self._cancel_all()

    async def _cancel_all(self) -> None:
        tasks: list[asyncio.Task[Any]] = list(self._tasks.values())
        if self._identity is not None:
            tasks.append(self._identity[1])
        if self._namespaces is not None:
            tasks.append(self._namespaces)
        if self._ns_follower is not None:
            tasks.append(self._ns_follower)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.sink.flush()

    async def wait_synced(self, timeout: float | None = None, kinds: Iterable[str] | None = None) -> None:
        """Until every stream of `kinds` (default: all; fallbacks included) has its first list in the
        model. Forbidden streams count as done: they will never sync."""
        wanted = set(kinds) if kinds is not None else None

        async def all_synced() -> None:
            while True:
                # Before run() has started the pods, only a wait for row kinds can be satisfied.
                spawned = self._all_spawned or (wanted is not None and wanted <= ROW_KINDS
                                                and bool(self.streams))
                pending = [s for k, s in self.streams.items()
                           if (wanted is None or k[0] in wanted)
                           and not s.synced.is_set() and self.states.get(k, s.state).state != FORBIDDEN]
                if spawned and not pending and not self._fallback_pending(wanted):
                    return
                await asyncio.sleep(0.02)
        await asyncio.wait_for(all_synced(), timeout)

    def _fallback_pending(self, kinds: set[str] | None = None) -> bool:
        return any(n > 0 for k, n in self._fallbacks.items() if kinds is None or k in kinds)

    # ---- streams ----

    def _spawn(self, res: kapi.Resource, namespace: str | None, selectors: Iterable[tuple[str, str]] = ()) -> None:
        key = (res.kind, namespace)
        if key in self._tasks:
            return
        stream = ResourceStream(self.api, res, namespace, self.sink, self.options, self._state, self._on_skip,
                                identify=self.identify, clock=self.clock, selectors=tuple(selectors))
        self.streams[key] = stream
        self.states[key] = stream.state
        self._tasks[key] = asyncio.get_running_loop().create_task(self._run_stream(stream),
                                                                  name=f"watch {res.plural} {namespace or '*'}")

    async def _run_stream(self, stream: ResourceStream) -> None:
        try:
            outcome = await stream.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must show, not silently stop a stream
            log.exception("stream %s/%s crashed", stream.resource.plural, stream.namespace)
            stream._set(LOST, 0, f"internal error: {exc!r}")
            return
        if outcome == FORBIDDEN:
            self.sink.forbid(stream.resource.kind, stream.namespace)
            if stream.namespace is None:
                await self._fall_back(stream)

    async def _fall_back(self, stream: ResourceStream) -> None:
        self._fallbacks[stream.resource.kind] += 1
        try:
            if self._namespaces is None:
                self._namespaces = asyncio.get_running_loop().create_task(self._readable_namespaces())
            namespaces = await asyncio.shield(self._namespaces)
            if self._known_ns is not None:
                namespaces = sorted(self._known_ns)  # those created since the list are in it too
            stream._set(FORBIDDEN, 0, stream.state.error, self._note(f"trying {len(namespaces)} namespace(s)"))
            self._covered[stream.resource.kind] = (stream.resource, set(namespaces))
            self.sink.cover(stream.resource.kind, namespaces)
            for ns in namespaces:
                self._spawn(stream.resource, ns)
            subs = [self.streams[(stream.resource.kind, ns)] for ns in namespaces]
            # Report what the fallback achieved once each namespace has listed or been refused.
            while not all(s.synced.is_set() or s.state.state == FORBIDDEN for s in subs):
                await asyncio.sleep(0.02)
            ok = [s.namespace for s in subs if s.state.state != FORBIDDEN]
            refused = [s.namespace for s in subs if s.state.state == FORBIDDEN]
            note = f"watching {len(ok)} namespace(s) instead: {_names(ok)}"
            if refused:
                note += f"; forbidden in {len(refused)}: {_names(refused)}"
            stream._set(FORBIDDEN, 0, stream.state.error, self._note(note))
        finally:
            self._fallbacks[stream.resource.kind] -= 1

    def _namespace_added(self, name: str) -> None:
        """A namespace appeared after the fallback began: each kind refused cluster-wide gets a
        stream there, which lists it or is refused in turn (and the model is told either way)."""
        if self._known_ns is not None:
            self._known_ns.add(name)
        for kind, (res, covered) in self._covered.items():
            if name not in covered:
                covered.add(name)
                self.sink.cover(kind, covered)
                self._spawn(res, name)
    # ---- which cluster this is ----

    async def identify(self) -> str | None:
        """The cluster's identity: the kube-system namespace's uid (a new one for every cluster
        built, and after an etcd restore the apiserver's history restarts anyway), else the
        `kubernetes` Service's uid and ClusterIP; None if neither can be read. Streams that
        reconnect together share one request."""
        now = time.monotonic()
        if self._identity is None or now - self._identity[0] > 1.0 or (
                self._identity[1].done() and self._identity[1].result() is None and now - self._identity[0] > 0.2):
            self._identity = (now, asyncio.get_running_loop().create_task(self._identify()))
        return await asyncio.shield(self._identity[1])

    async def _identify(self) -> str | None:
        for path, fields in (("/api/v1/namespaces/kube-system", ("uid",)),
                             ("/api/v1/namespaces/default/services/kubernetes", ("uid", "clusterIP"))):
            try:
                body = await asyncio.wait_for(kapi.get_json(self.api, path, [], self.options.open_timeout),
                                              self.options.open_timeout)
            except kapi.ApiError:  # forbidden or missing: the next source may be readable
                continue
            except Exception:  # unreachable or garbled: unknown (the next source would not compare)
                return None
            if not isinstance(body, dict):
                continue
            raw_md, raw_spec = body.get("metadata"), body.get("spec")
            md: dict[str, Any] = raw_md if isinstance(raw_md, dict) else {}
            spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
            values = [str(md.get("uid") or "")] + ([str(spec.get("clusterIP") or "")] if "clusterIP" in fields else [])
            if values[0]:
                return f"{path}: " + "/".join(values)  # the source too: only the same one compares
        return None

    def _note(self, note: str) -> str:
        return f"{self._namespaces_note}; {note}" if self._namespaces_note else note

    async def _readable_namespaces(self) -> list[str]:
        try:
            names, rv = await list_namespaces(self.api, self.options.list_read_timeout)
            self._known_ns = set(names)
            self._ns_follower = asyncio.get_running_loop().create_task(
                follow_namespaces(self.api, rv, self._namespace_added, self.options), name="watch namespaces")
            return names
        except kapi.ApiError as exc:
            if exc.forbidden:
                self._namespaces_note = f"cannot list namespaces either, using the context's namespace " \
                                        f"{self.default_namespace!r}"
            else:
                self._namespaces_note = f"cannot list namespaces ({exc.message}), using the context's " \
                                        f"namespace {self.default_namespace!r}"
        except Exception as exc:  # network trouble: the context's namespace is the best guess
            self._namespaces_note = f"cannot list namespaces ({exc}), using the context's namespace " \
                                    f"{self.default_namespace!r}"
        return [self.default_namespace]

    def _state(self, st: StreamState) -> None:
        self.states[(st.kind, st.namespace)] = st
        if self._on_state is not None:
            try:
                self._on_state(st)
            except Exception:
                log.exception("state consumer failed")

    # ---- measurements ----

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = {"events": 0, "bookmarks": 0, "skipped": 0, "bytes": 0, "busy": 0.0,
                                 "lists": 0, "watches": 0, "batches": self.sink.batches}
        for s in self.streams.values():
            st = s.stats
            for k in ("events", "bookmarks", "skipped", "bytes", "busy", "lists", "watches"):
                out[k] += getattr(st, k)
        return out


def _names(names: list[str | None], show: int = 5) -> str:
    shown = ", ".join(str(n) for n in names[:show])
    return shown + (f" and {len(names) - show} more" if len(names) > show else "")
