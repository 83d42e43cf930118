"""What svctui could read, per kind and namespace, and what that leaves unsaid.

A 403 is not an empty list: a namespace whose EndpointSlices cannot be listed has unknown endpoints,
not zero of them. The watch layer reports what it listed, what the server refused and, after a
cluster-wide refusal, which namespaces it watches instead; everything downstream asks `state()`
before it draws a conclusion from absence, and shows a `Gap` where it cannot.

States of (kind, namespace):
  KNOWN      listed (in that namespace or cluster-wide) and not refused since: absent means absent
  PENDING    not listed yet (the first list is under way, or the fallback is being set up)
  FORBIDDEN  the server refused to list it in that namespace
  UNWATCHED  refused cluster-wide, and the namespace is not among those watched instead (created
             after the fallback started, or namespaces could not be listed)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .store import DEPLOYMENT, ENDPOINTSLICE, KINDS, POD, REPLICASET, SERVICE, STATEFULSET

KNOWN, PENDING, FORBIDDEN, UNWATCHED = "known", "pending", "forbidden", "unwatched"

PLURAL = {SERVICE: "Services", ENDPOINTSLICE: "EndpointSlices", POD: "Pods", DEPLOYMENT: "Deployments",
          REPLICASET: "ReplicaSets", STATEFULSET: "StatefulSets"}
# What the doctor cannot check without each kind (diagnose.py's checks, by the data they read).
SKIPPED = {
    SERVICE: "every check of its Services",
    ENDPOINTSLICE: "ready endpoints, readiness, selectorless and traffic-policy checks",
    POD: "selector, readiness, port and workload checks",
}


@dataclass(frozen=True, slots=True)
class Gap:
    """One kind that cannot be read in one namespace (state FORBIDDEN or UNWATCHED); namespace ""
    is every namespace, when not even the namespaces could be listed to try them one by one."""
    kind: str
    namespace: str
    state: str

    @property
    def text(self) -> str:
        what = PLURAL.get(self.kind, self.kind)
        if self.state == FORBIDDEN:
            return f"not permitted to list {what} in {self.namespace}"
        if not self.namespace:
            return f"not permitted to list {what} in all namespaces"
        return f"not permitted to list {what} in all namespaces, and {self.namespace} is not watched"

    @property
    def skipped(self) -> str:
        return SKIPPED.get(self.kind, "checks that need them")

    def to_dict(self) -> dict[str, str | None]:
        return {"namespace": self.namespace or None, "kind": self.kind, "reason": self.state, "message": self.text,
                "skipped": self.skipped}


class Access:
    def __init__(self) -> None:
        # kind → namespaces listed (None: cluster-wide). ClusterModel shares this dict as its
        # record of first lists (the churn baseline reads it).
        self.listed_in: dict[str, set[str | None]] = {}
        self._forbidden: dict[str, set[str | None]] = {}
        # After a cluster-wide refusal: the namespaces watched instead (None: not known yet).
        self._covered: dict[str, frozenset[str] | None] = {}

    # ---- what the watch layer reports ----

    def listed(self, kind: str, namespace: str | None) -> None:
        self.listed_in.setdefault(kind, set()).add(namespace)

    def forbid(self, kind: str, namespace: str | None) -> None:
        self._forbidden.setdefault(kind, set()).add(namespace)
        if namespace is None:
            self._covered.setdefault(kind, None)

    def cover(self, kind: str, namespaces: Iterable[str]) -> None:
        self._covered[kind] = frozenset(namespaces)

    # ---- queries ----

    @property
    def any_refused(self) -> bool:
        return bool(self._forbidden)

    def covered(self, kind: str) -> frozenset[str] | None:
        """The namespaces watched instead after a cluster-wide refusal (None: not known yet)."""
        return self._covered.get(kind)

    def state(self, kind: str, namespace: str) -> str:
        refused = self._forbidden.get(kind, ())
        if namespace in refused:
            return FORBIDDEN
        listed = self.listed_in.get(kind, ())
        if namespace in listed or (None in listed and None not in refused):
            return KNOWN
        if None in refused:
            covered = self._covered.get(kind)
            if covered is not None and namespace not in covered:
                return UNWATCHED
        return PENDING

    def known(self, kind: str, namespace: str) -> bool:
        return self.state(kind, namespace) == KNOWN

    def gaps(self, namespace: str, kinds: Iterable[str] = KINDS) -> list[Gap]:
        """The kinds that cannot be read in this namespace (pending ones are not gaps: they come)."""
        if not self._forbidden:
            return []  # nothing was ever refused: the common case, asked for every row painted
        out = []
        for kind in kinds:
            st = self.state(kind, namespace)
            if st in (FORBIDDEN, UNWATCHED):
                out.append(Gap(kind, namespace, st))
        return out

    def unwatched_possible(self, kind: str) -> bool:
        """Refused cluster-wide with the fallback known: namespaces outside it are not watched."""
        return None in self._forbidden.get(kind, ()) and self._covered.get(kind) is not None
