"""The join Service → EndpointSlice → endpoint → Pod, kept current one delta at a time.

The slice is the roster: membership comes from EndpointSlices (by the kubernetes.io/service-name
label), so selectorless Services, several slices per Service (size limit, IPv4 + IPv6) and endpoints
whose pod is already gone all fall out of the same code. Pods are joined in for display and diagnosis.

Per Service, a `ServiceView` snapshot is rebuilt from that Service's slices only when one of its
slices (or the Service) changes: cost is that Service's endpoints, never the cluster. Pod events do
not rebuild views; pods are looked up through indexes when asked (by uid, name, IP; label index for
selectors). Views are immutable, so the churn ledger can diff the old one against the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar, cast

from .objects import Endpoint, EndpointSlice, Key, Labels, Pod, Service
from .store import ENDPOINTSLICE, POD, SERVICE, Delta, Store

# An endpoint is keyed by its first address alone: IPv4, IPv6 and FQDN spellings cannot collide, and a
# bare string key saves a tuple per endpoint.
EndpointKey = str

_FAMILY_ORDER = {"IPv4": 0, "IPv6": 1, "FQDN": 2}


@dataclass(frozen=True, slots=True)
class Counts:
    ready: int = 0
    total: int = 0
    terminating: int = 0
    not_ready: int = 0  # neither ready nor terminating: starting, failing probes

    @property
    def text(self) -> str:
        return f"{self.ready}/{self.total} ready"


class EndpointRow(NamedTuple):  # a NamedTuple, as Endpoint: one per endpoint, built in bulk
    address_type: str
    slice_name: str
    endpoint: Endpoint

    @property
    def address(self) -> str:
        return self.endpoint.address

    @property
    def key(self) -> EndpointKey:
        return self.endpoint.address

    def rank(self) -> tuple[bool, bool, bool]:
        e = self.endpoint
        return (e.is_ready, e.is_serving, not e.is_terminating)


@dataclass(frozen=True, slots=True)
class ServiceView:
    key: Key
    service: Service | None
    slice_names: tuple[str, ...]
    # One row per address: an address listed by two slices (the controller moving an
    # endpoint between slices) is one endpoint; the row with the best conditions wins.
    rows: dict[EndpointKey, EndpointRow]
    counts_by_family: dict[str, Counts]
    primary_family: str | None

    @property
    def counts(self) -> Counts:
        """The headline count: of the primary family only, so a dual-stack pod counts once."""
        if self.primary_family is None:
            return Counts()
        return self.counts_by_family[self.primary_family]


def _count(rows: Iterable[EndpointRow]) -> Counts:
    ready = total = term = not_ready = 0
    for r in rows:
        e = r.endpoint
        total += 1
        is_ready = e.ready is None or e.ready  # Endpoint.is_ready, inlined: 100,000 rows at a first list
        if is_ready:
            ready += 1
            if e.terminating:
                term += 1  # publishNotReadyAddresses: ready and terminating at once
        elif e.terminating:
            term += 1
        else:
            not_ready += 1
    return Counts(ready, total, term, not_ready)


def _matches(selector: Labels, labels: Labels) -> bool:
    have = dict(labels)
    return all(have.get(k) == v for k, v in selector)


K = TypeVar("K")
V = TypeVar("V")


class _MultiIndex(Generic[K, V]):
    """key → set of values, where nearly every key has exactly one value (an IP, a pod name): the
    single value is stored bare and becomes a set only on the second, which saves ~200 bytes per
    key at 100,000 keys. Values must not be sets themselves."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict[K, Any] = {}  # V, or set[V] once a key has two

    def add(self, k: K, v: V) -> None:
        cur = self._d.setdefault(k, v)
        if cur is v:
            return
        if isinstance(cur, set):
            cur.add(v)
        elif cur != v:
            self._d[k] = {cur, v}

    def add_all(self, ks: Iterable[K], v: V) -> None:
        """add(k, v) for each k."""
        d = self._d
        put = d.setdefault
        for k in ks:
            cur = put(k, v)
            if cur is not v:
                if isinstance(cur, set):
                    cur.add(v)
                elif cur != v:
                    d[k] = {cur, v}

    def discard(self, k: K, v: V) -> None:
        cur = self._d.get(k)
        if cur is None:
            return
        if isinstance(cur, set):
            cur.discard(v)
            if len(cur) == 1:
                self._d[k] = next(iter(cur))
        elif cur == v:
            del self._d[k]

    def get(self, k: K) -> set[V] | frozenset[V]:
        cur = self._d.get(k)
        if cur is None:
            return frozenset()
        return cur if isinstance(cur, set) else frozenset((cur,))

    def __len__(self) -> int:
        return len(self._d)


@dataclass(slots=True)
class TopologyChange:
    # Services whose endpoint rows were rebuilt: (before, after); a side is None when absent.
    views: dict[Key, tuple[ServiceView | None, ServiceView | None]]
    # Every Service whose display may differ (rebuilt ones plus those touched by pod events).
    touched: set[Key]


class Topology:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._views: dict[Key, ServiceView] = {}
        self._slices_by_service: dict[Key, dict[str, EndpointSlice]] = {}
        self._orphan_slices: dict[Key, EndpointSlice] = {}  # no service-name label
        # Pods: by uid and by IP (an IP is shared by hostNetwork pods, hence sets), and by label.
        self._pod_by_uid: dict[str, Key] = {}
        self._pods_by_ip: _MultiIndex[str, Key] = _MultiIndex()
        self._pods_by_label: _MultiIndex[tuple[str, str, str], Key] = _MultiIndex()  # (ns, k, v) → pod keys
        # Reverse indexes to find the Services a pod event touches.
        self._svc_by_target: _MultiIndex[str, Key] = _MultiIndex()  # targetRef pod name → service keys (any namespace)
        self._svc_by_ip: _MultiIndex[str, Key] = _MultiIndex()  # address → service keys
        # A matching Service must have its first selector pair among the pod's labels.
        self._svc_by_selector_head: _MultiIndex[tuple[str, str, str], Key] = _MultiIndex()  # (ns, k, v) → service keys

    # ---- queries -------------------------------------------------------------------------------

    def view(self, key: Key) -> ServiceView | None:
        return self._views.get(key)

    def service_keys(self) -> Iterator[Key]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)

    def orphan_slices(self) -> list[EndpointSlice]:
        return list(self._orphan_slices.values())

    def slices(self, key: Key) -> list[EndpointSlice]:
        return sorted(self._slices_by_service.get(key, {}).values(), key=lambda s: s.name)

    def pod_for(self, namespace: str, endpoint: Endpoint) -> tuple[Pod | None, str | None]:
        """The pod behind an endpoint and how it was found: "uid", "name", "ip" or None."""
        if not endpoint.targets_pod:
            return None, None
        pods = self._store.pods
        if endpoint.target_uid:
            k = self._pod_by_uid.get(endpoint.target_uid)
            if k is not None:
                return pods[k], "uid"
        if endpoint.target_name:
            p = pods.get((endpoint.target_namespace or namespace, endpoint.target_name))
            if p is not None:
                return p, "name"
        for addr in endpoint.addresses:
            found = [pods[k] for k in self._pods_by_ip.get(addr) if k[0] == namespace]
            if found:
                # hostNetwork pods share the node's IP: prefer a live one, then a stable order.
                found.sort(key=lambda p: (not p.live, p.name))
                return found[0], "ip"
        return None, None

    def _selected_keys(self, key: Key) -> set[Key]:
        svc = self._store.services.get(key)
        if svc is None or not svc.selector:
            return set()
        ns = svc.namespace
        sets = sorted((self._pods_by_label.get((ns, k, v)) for k, v in svc.selector), key=len)
        return set(sets[0]).intersection(*sets[1:])

    def selected_pods(self, key: Key) -> list[Pod]:
        """Pods matching the Service's selector (none for selectorless Services)."""
        pods = self._store.pods
        return sorted((pods[k] for k in self._selected_keys(key)), key=lambda p: p.name)

    def live_selected_count(self, key: Key) -> int | None:
        """Pods a controller is keeping for this Service right now (None without a selector)."""
        svc = self._store.services.get(key)
        if svc is None or not svc.has_selector:
            return None
        pods = self._store.pods
        return sum(1 for k in self._selected_keys(key) if pods[k].live)

    def selected_keys(self, key: Key) -> set[Key]:
        """Keys of the pods matching the Service's selector, unsorted (selected_pods sorts)."""
        return self._selected_keys(key)

    def services_of(self, pod: Pod) -> set[Key]:
        """The Services a pod backs or is selected by (whose display a change of the pod may alter)."""
        return self._pod_touches(None, pod)

    def unsliced_pods(self, key: Key) -> list[Pod]:
        """Pods that match the selector but back no endpoint (no IP yet, finished, or controller lag)."""
        view = self._views.get(key)
        if view is None:
            return self.selected_pods(key)
        in_slices: set[str] = set()
        for row in view.rows.values():
            pod, _ = self.pod_for(key[0], row.endpoint)
            if pod is not None:
                in_slices.add(pod.uid or pod.name)
        return [p for p in self.selected_pods(key) if (p.uid or p.name) not in in_slices]

    def unknown_pod_rows(self, key: Key) -> list[EndpointRow]:
        """Endpoints that point at a pod (or nothing) which svctui does not know."""
        view = self._views.get(key)
        if view is None:
            return []
        return [r for r in view.rows.values() if r.endpoint.targets_pod and self.pod_for(key[0], r.endpoint)[0] is None]

    # ---- updates -------------------------------------------------------------------------------

    def apply(self, deltas: Iterable[Delta], pods_touch: bool = True) -> TopologyChange:
        """Update indexes for a batch of deltas; each affected Service is rebuilt once per batch.

        `pods_touch=False`: do not work out which Services each pod delta touches (the caller
        counts them all as touched: a first pod list)."""
        rebuild: set[Key] = set()
        touched: set[Key] = set()
        for d in deltas:
            if d.kind == SERVICE:
                self._apply_service(d)
                rebuild.add(d.key)
            elif d.kind == ENDPOINTSLICE:
                rebuild.update(self._apply_slice(d))
            elif d.kind == POD:
                # The kind says which of the store's types the delta holds.
                old, new = cast("Pod | None", d.old), cast("Pod | None", d.new)
                self._index_pod(d.key, old, new)
                if pods_touch:
                    touched.update(self._pod_touches(old, new))
        views: dict[Key, tuple[ServiceView | None, ServiceView | None]] = {}
        for key in rebuild:
            before = self._views.get(key)
            after = self._build(key)
            self._reindex_targets(key, before, after)
            if after is None:
                self._views.pop(key, None)
            else:
                self._views[key] = after
            views[key] = (before, after)
        touched.update(rebuild)
        return TopologyChange(views, touched)

    def _apply_service(self, d: Delta) -> None:
        for svc, add in ((cast("Service | None", d.old), False), (cast("Service | None", d.new), True)):
            if svc is not None and svc.selector:
                k, v = svc.selector[0]
                idx = (svc.namespace, k, v)
                if add:
                    self._svc_by_selector_head.add(idx, d.key)
                else:
                    self._svc_by_selector_head.discard(idx, d.key)

    def _apply_slice(self, d: Delta) -> set[Key]:
        affected: set[Key] = set()
        old: EndpointSlice | None = d.old  # type: ignore[assignment]
        new: EndpointSlice | None = d.new  # type: ignore[assignment]
        if old is not None:
            sk = old.service_key
            if sk is None:
                self._orphan_slices.pop(d.key, None)
            else:
                by_name = self._slices_by_service.get(sk)
                if by_name is not None:
                    by_name.pop(old.name, None)
                    if not by_name:
                        del self._slices_by_service[sk]
                affected.add(sk)
        if new is not None:
            sk = new.service_key
            if sk is None:
                self._orphan_slices[d.key] = new
            else:
                self._slices_by_service.setdefault(sk, {})[new.name] = new
                affected.add(sk)
        return affected

    def _index_pod(self, key: Key, old: Pod | None, new: Pod | None) -> None:
        if old is not None:
            if self._pod_by_uid.get(old.uid) == key:
                del self._pod_by_uid[old.uid]
            for ip in old.ips:
                self._pods_by_ip.discard(ip, key)
            for k, v in old.labels:
                self._pods_by_label.discard((old.namespace, k, v), key)
        if new is not None:
            if new.uid:
                self._pod_by_uid[new.uid] = key
            by_ip = self._pods_by_ip.add
            for ip in (new.pod_ips or ((new.pod_ip,) if new.pod_ip else ())):  # Pod.ips, inlined
                by_ip(ip, key)
            by_label = self._pods_by_label.add
            ns = new.namespace
            for k, v in new.labels:
                by_label((ns, k, v), key)

    def _pod_touches(self, old: Pod | None, new: Pod | None) -> set[Key]:
        touched: set[Key] = set()
        for pod in (old, new):
            if pod is None:
                continue
            touched |= {s for s in self._svc_by_target.get(pod.name) if s[0] == pod.namespace}
            for ip in pod.ips:
                touched |= {s for s in self._svc_by_ip.get(ip) if s[0] == pod.namespace}
            for k, v in pod.labels:
                for s in self._svc_by_selector_head.get((pod.namespace, k, v)):
                    svc = self._store.services.get(s)
                    if svc is not None and svc.selector and _matches(svc.selector, pod.labels):
                        touched.add(s)
        return touched

    def _build(self, key: Key) -> ServiceView | None:
        svc = self._store.services.get(key)
        by_name = self._slices_by_service.get(key)
        if svc is None and not by_name:
            return None
        rows: dict[EndpointKey, EndpointRow] = {}
        names = tuple(sorted(by_name)) if by_name else ()
        types = set()
        for name in names:
            sl = by_name[name]  # type: ignore[index]
            at, sn = sl.address_type, sl.name
            types.add(at)
            for ep in sl.endpoints:
                addrs = ep.addresses
                if not addrs:
                    continue
                rk = addrs[0]  # row.key
                prev = rows.get(rk)
                if prev is None:
                    rows[rk] = EndpointRow(at, sn, ep)
                else:
                    row = EndpointRow(at, sn, ep)
                    if row.rank() > prev.rank():
                        rows[rk] = row
        if len(types) == 1:  # one family (nearly always): no grouping
            counts = {types.pop(): _count(rows.values())} if rows else {}
        else:
            families: dict[str, list[EndpointRow]] = {}
            for row in rows.values():
                families.setdefault(row.address_type, []).append(row)
            counts = {fam: _count(rs) for fam, rs in families.items()}
        return ServiceView(key, svc, names, rows, counts, _primary(svc, counts))

    def _reindex_targets(self, key: Key, before: ServiceView | None, after: ServiceView | None) -> None:
        old_rows = before.rows if before else {}
        new_rows = after.rows if after else {}
        if not old_rows:  # a first build (every Service at the first list): only additions
            self._svc_by_ip.add_all(new_rows, key)
            names = {r.endpoint.target_name for r in new_rows.values()}
            names.discard(None)
            names.discard("")
            self._svc_by_target.add_all(cast("set[str]", names), key)  # None and "" are gone
            return
        for addr in old_rows.keys() - new_rows.keys():
            self._svc_by_ip.discard(addr, key)
        for addr in new_rows.keys() - old_rows.keys():
            self._svc_by_ip.add(addr, key)
        # Sets, not per-row updates: a dual-stack pod's name is on two rows.
        old_names = {r.endpoint.target_name for r in old_rows.values()}
        new_names = {r.endpoint.target_name for r in new_rows.values()}
        for name in old_names - new_names:
            if name:
                self._svc_by_target.discard(name, key)
        for name in new_names - old_names:
            if name:
                self._svc_by_target.add(name, key)


def _primary(svc: Service | None, counts: dict[str, Counts]) -> str | None:
    if not counts:
        return None
    if svc is not None and svc.ip_families and svc.ip_families[0] in counts:
        return svc.ip_families[0]
    return max(counts, key=lambda f: (counts[f].total, -_FAMILY_ORDER.get(f, 9)))
