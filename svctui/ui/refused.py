"""The header's words for what the server refused: each kind and where, namespaces by name."""

from __future__ import annotations

from collections.abc import Iterable

from svctui.kube.state import FORBIDDEN, StreamState
from svctui.model.access import PLURAL
from svctui.model.store import WORKLOAD_KINDS

SHOW = 3  # namespaces named per kind; the details pane has the rest


def refused_text(states: Iterable[StreamState]) -> str:
    """`forbidden: EndpointSlices, Pods in secret; Services cluster-wide` ("" if none). A kind refused
    cluster-wide but read namespace by namespace is named by the namespaces that refused it too:
    those are what the screen lacks, and the header has a few dozen columns for it."""
    where: dict[str, list[str | None]] = {}
    for s in states:
        if s.state == FORBIDDEN:
            where.setdefault(s.kind, []).append(s.namespace)
    # Kinds refused in the same namespaces share one mention: RBAC is usually granted per namespace.
    groups: dict[str, list[str]] = {}
    # The tree's own kinds first: the workloads only set a recovery's target count, a narrow screen cuts them.
    for kind in sorted(where, key=lambda k: (k in WORKLOAD_KINDS, k)):
        named = sorted(n for n in where[kind] if n is not None)
        shown = ", ".join(named[:SHOW]) + (f" +{len(named) - SHOW} more" if len(named) > SHOW else "")
        groups.setdefault(f"in {shown}" if named else "cluster-wide", []).append(PLURAL.get(kind, kind))
    parts = [f"{', '.join(kinds)} {scope}" for scope, kinds in groups.items()]
    return f"forbidden: {'; '.join(parts)}" if parts else ""
