"""One entry point for the watch layer: feed events and lists in, get back what to repaint.

Wires Store → Topology → ChurnLedger so every caller gets the same order of updates and the same
notion of "baseline": the first list of EndpointSlices in a namespace is what the cluster already
looked like, so it sets steady counts and remembers IP owners without writing churn entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .churn import ChurnEntry, ChurnLedger
from .objects import Endpoint, Key
from .store import ENDPOINTSLICE, POD, Delta, Obj, Store
from .topology import Topology


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
        self._synced: dict[str, set[str | None]] = {}  # kind → namespaces listed (None = all)

    def apply(self, kind: str, event_type: str, obj: Obj, now: float) -> Changes:
        return self._propagate(self.store.apply(kind, event_type, obj), now, set())

    def replace_all(self, kind: str, objs: Iterable[Obj], now: float, namespace: str | None = None) -> Changes:
        synced = self._synced.setdefault(kind, set())
        pods_now_known = kind == POD and None not in synced and namespace not in synced
        deltas = self.store.replace_all(kind, objs, namespace)
        baseline_ns: set[str] = set()
        if kind == ENDPOINTSLICE and None not in synced:
            # Namespaces never listed before: their endpoints are the starting state, not churn.
            baseline_ns = {d.key[0] for d in deltas if d.key[0] not in synced}
        synced.add(namespace)
        if not pods_now_known:
            return self._propagate(deltas, now, baseline_ns)
        # Knowing the pods changes what can be said of every Service there, not only of those whose
        # pods arrived (a selector that matches none is now a finding): all of them are touched, so
        # which ones each pod touches need not be worked out.
        every = {k for k in self.store.services if namespace is None or k[0] == namespace}
        every.update(k for k in self.topology.service_keys() if namespace is None or k[0] == namespace)
        return self._propagate(deltas, now, baseline_ns, every)

    def tick(self, now: float) -> set[Key]:
        return self.ledger.tick(now)

    def listed(self, kind: str, namespace: str) -> bool:
        """This kind has been listed in that namespace (or cluster-wide): what is absent is absent."""
        synced = self._synced.get(kind, ())
        return None in synced or namespace in synced

    def pods_known(self, namespace: str) -> bool:
        return self.listed(POD, namespace)

    def _propagate(self, deltas: list[Delta], now: float, baseline_ns: set[str],
                   touched: set[Key] | None = None) -> Changes:
        """`touched`: Services known to be touched, whatever the deltas (then pod deltas are not
        traced to Services)."""
        if not deltas and not touched:
            return Changes()
        tc = self.topology.apply(deltas, pods_touch=touched is None)
        if touched:
            tc.touched |= touched
        entries: list[ChurnEntry] = []
        for key in tc.touched:
            if key in tc.views:
                before, after = tc.views[key]
            else:
                before = after = self.topology.view(key)
                if after is None:
                    continue
            target = self.topology.live_selected_count(key) if self.pods_known(key[0]) else None
            entries.extend(self.ledger.observe(key, before, after, now, target, baseline=key[0] in baseline_ns))
        entries.sort(key=lambda e: (e.service, e.address_type, e.address))
        return Changes(deltas, tc.touched, entries)

    def _pod_name(self, namespace: str, ep: Endpoint) -> str | None:
        pod, _ = self.topology.pod_for(namespace, ep)
        return pod.name if pod else None
