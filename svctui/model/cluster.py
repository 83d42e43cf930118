"""One entry point for the watch layer: feed events and lists in, get back what to repaint.

Wires Store → Topology → ChurnLedger so every caller gets the same order of updates and the same
notion of "baseline": the first list of EndpointSlices in a namespace is what the cluster already
looked like, so it sets steady counts and remembers IP owners without writing churn entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .access import Access
from .churn import ChurnEntry, ChurnLedger
from .intent import WorkloadIndex, desired
from .objects import Endpoint, Key
from .store import ENDPOINTSLICE, POD, Delta, Obj, Store
from .topology import Topology, TopologyChange


@dataclass(slots=True)
class Changes:
    deltas: list[Delta] = field(default_factory=list)
    services: set[Key] = field(default_factory=set)  # Services whose rows or status may have changed
    entries: list[ChurnEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.deltas or self.services or self.entries)


class ClusterModel:
    def __init__(self, ledger: ChurnLedger | None = None) -> None:
        self.store = Store()
        self.topology = Topology(self.store)
        self.ledger = ledger or ChurnLedger()
        if self.ledger.pod_namer is None:
            self.ledger.pod_namer = self._pod_name
        self.access = Access()  # what could be read; a 403 is not an empty list
        self._synced = self.access.listed_in  # kind → namespaces listed (None = all)
        self.workload_index = WorkloadIndex()
        # Every node's name, when the node list could be read (kube/nodes.py); None: not known.
        self.nodes: tuple[str, ...] | None = None

    def apply(self, kind: str, event_type: str, obj: Obj, now: float) -> Changes:
        return self._propagate(self.store.apply(kind, event_type, obj), now, set())

    def replace_all(self, kind: str, objs: Iterable[Obj], now: float, namespace: str | None = None) -> Changes:
        for step in self.replace_all_steps(kind, objs, now, namespace):
            if step is not None:
                return step
        raise AssertionError("replace_all_steps ends with its Changes")

    def replace_all_steps(self, kind: str, objs: Iterable[Obj], now: float, namespace: str | None = None,
                          chunk: int = 5000) -> Iterator[Changes | None]:
        """replace_all in steps, for a caller that lets others run between them: yields None after each
        `chunk` pods stored, after each `chunk` indexed, and a few times while the ledger looks at
        every Service, then the Changes. Only a first pod list is split (100,000 pods: ~1.5 s);
        until its last step the namespace's pods count as not yet known, so nothing reads a
        half-built index as "no pods" (a pod already stored is found by name). Everything else is
        one step."""
        synced = self._synced.setdefault(kind, set())
        if not (kind == POD and None not in synced and namespace not in synced):
            deltas = self.store.replace_all(kind, objs, namespace)
            baseline_ns: set[str] = set()
            if kind == ENDPOINTSLICE and None not in synced:
                # Namespaces never listed before: their endpoints are the starting state, not churn.
                baseline_ns = {d.key[0] for d in deltas if d.key[0] not in synced}
            first = kind == ENDPOINTSLICE and None not in synced and namespace not in synced
            synced.add(namespace)
            ch = self._propagate(deltas, now, baseline_ns)
            if first:
                # Known slices change what can be said of every Service there, those with none too.
                ch.services |= self._service_keys(namespace)
            yield ch
            return
        # A first pod list. Knowing the pods changes what can be said of every Service there, not
        # only of those whose pods arrived (a selector that matches none is now a finding): all of
        # them are touched, so which ones each pod touches need not be worked out.
        objs = list(objs)
        seen: set[Key] = set()
        deltas = []
        done = 0  # deltas indexed so far
        try:
            for i in range(0, len(objs), chunk):
                deltas += self.store.put_listed(kind, objs[i:i + chunk], namespace, seen)
                yield None
            deltas += self.store.drop_unlisted(kind, namespace, seen)
            while done < len(deltas):
                part = deltas[done:done + chunk]
                self.topology.apply(part, pods_touch=False)
                self.workload_index.apply(part, self.store, self.topology.services_of)
                done += chunk
                yield None
        finally:
            if done < len(deltas):
                # Closed early (the caller was cancelled): what the store took, the index must hold
                # too. The namespace stays not-yet-known: the next list touches every Service.
                self.topology.apply(deltas[done:], pods_touch=False)
                self.workload_index.apply(deltas[done:], self.store, self.topology.services_of)
        synced.add(namespace)
        every = self._service_keys(namespace)
        if deltas or every:
            yield from self._observe(deltas, TopologyChange({}, every), now, set(), every=chunk // 5)
        else:
            yield Changes()

    def tick(self, now: float) -> set[Key]:
        return self.ledger.tick(now)

    def listed(self, kind: str, namespace: str) -> bool:
        """This kind has been listed in that namespace (or cluster-wide) and not refused since: what
        is absent is absent."""
        return self.access.known(kind, namespace)

    def forbid(self, kind: str, namespace: str | None) -> Changes:
        """The server refused to list `kind` there (None: cluster-wide). Every Service there is
        touched: what could be said of it has changed."""
        self.access.forbid(kind, namespace)
        return Changes(services=self._service_keys(namespace))

    def cover(self, kind: str, namespaces: Iterable[str]) -> Changes:
        """After a cluster-wide refusal, `kind` is watched in these namespaces only. The Services
        touched: those of namespaces that joined or left (all of them, the first time)."""
        before = self.access.covered(kind)
        self.access.cover(kind, namespaces)
        after = self.access.covered(kind) or frozenset()
        if before is None:
            return Changes(services=self._service_keys(None))
        moved = before ^ after
        return Changes(services={k for k in self._service_keys(None) if k[0] in moved})

    def _service_keys(self, namespace: str | None) -> set[Key]:
        keys = {k for k in self.store.services if namespace is None or k[0] == namespace}
        keys.update(k for k in self.topology.service_keys() if namespace is None or k[0] == namespace)
        return keys

    def pods_known(self, namespace: str) -> bool:
        return self.listed(POD, namespace)

    def _propagate(self, deltas: list[Delta], now: float, baseline_ns: set[str]) -> Changes:
        if not deltas:
            return Changes()
        tc = self.topology.apply(deltas)
        tc.touched |= self.workload_index.apply(deltas, self.store, self.topology.services_of)
        for step in self._observe(deltas, tc, now, baseline_ns):
            if step is not None:
                return step
        raise AssertionError("_observe ends with its Changes")

    def _observe(self, deltas: list[Delta], tc: TopologyChange, now: float, baseline_ns: set[str],
                 every: int = 0) -> Iterator[Changes | None]:
        """The churn ledger's look at each touched Service, then the Changes; with `every`, yields
        None after each `every` Services."""
        entries: list[ChurnEntry] = []
        for i, key in enumerate(tc.touched, 1):
            if key in tc.views:
                before, after = tc.views[key]
            else:
                before = after = self.topology.view(key)
                if after is None:
                    continue
            known = self.pods_known(key[0])
            target = self.topology.live_selected_count(key) if known else None
            want = desired(self, key) if known else None
            entries.extend(self.ledger.observe(key, before, after, now, target, baseline=key[0] in baseline_ns,
                                               desired=want))
            if every and i % every == 0:
                yield None
        entries.sort(key=lambda e: (e.service, e.address_type, e.address))
        yield Changes(deltas, tc.touched, entries)

    def _pod_name(self, namespace: str, ep: Endpoint) -> str | None:
        pod, _ = self.topology.pod_for(namespace, ep)
        return pod.name if pod else None
