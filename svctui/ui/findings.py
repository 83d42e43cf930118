"""The Service doctor's findings, kept live for the tree badges, the header and the details pane.

Incremental: only the Services of a batch (`Changes.services`, coalesced per repaint) are diagnosed
again, sharing one PodIndex that is built only if one of them selects no pods. kube-system/kube-dns
also carries the cluster-wide dns-unhealthy finding, recomputed when kube-dns is in the batch (its
CoreDNS pods touch it); that finding then stands in for kube-dns's own readiness/selector findings,
as in `diagnose()`. Evidence of a Service that was not touched can go stale (e.g. the "nearest"
candidates of a selector that matches no pods, or the node list of a Local-policy warning): the
codes, which drive the badges, only depend on the Service's own pods and slices.

Grace rule: findings that follow pod readiness (HELD: no-ready-endpoints, pods-not-ready,
local-policy-no-local-endpoints, dns-unhealthy) are shown only once the Service has had at least one
of them continuously for GRACE seconds of the app clock; a diagnosis without any resets the timer. A
normal pod deletion and recovery therefore never flashes a badge: the tree's ready count and recovery
stopwatch tell that story meanwhile. The grace is for transitions only: what a Service looks like
when svctui first can judge it (its namespace's pods just listed) is the initial state, shown at
once, so the first screen already says "no ready endpoints" where that is so. Until the pods are
listed, a Service with a selector carries a "checking…" note instead of findings: every selector,
readiness and port check needs the pods. Configuration findings (selector, ports, selectorless,
workloads, LoadBalancer, service-not-found) show at once.

No Textual here; cluster text reaches the screen only through `plain()` into Rich Text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from svctui.model import diagnose as D
from svctui.model.objects import Key
from svctui.model.probe import ProbeResult
from svctui.model.refusals import with_probe_evidence
from svctui.model.sanitize import plain
from svctui.model.store import POD

if TYPE_CHECKING:
    from svctui.model.cluster import ClusterModel

GRACE = 5.0
# Not a diagnose code: the UI's note that a Service cannot be judged yet (its pods are not listed).
CHECKING = "checking"
HELD = frozenset({D.NO_READY_ENDPOINTS, D.PODS_NOT_READY, D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS, D.DNS_UNHEALTHY})
# What dns-unhealthy already says about kube-dns itself (as diagnose() drops them).
_DNS_COVERS = frozenset({D.SELECTOR_MATCHES_NO_PODS, D.NO_READY_ENDPOINTS, D.PODS_NOT_READY})

MARKS = {D.ERROR: "✖", D.WARNING: "⚠", D.INFO: "ℹ"}
STYLES = {D.ERROR: "bold red", D.WARNING: "bold yellow", D.INFO: "bold cyan"}

_SHORT = {
    D.SELECTOR_MATCHES_NO_PODS: "selector matches no pods",
    D.NO_READY_ENDPOINTS: "no ready endpoints",
    D.PODS_NOT_READY: "pods not ready",
    D.TARGET_PORT_NOT_EXPOSED: "targetPort not a container port",
    D.NAMED_PORT_UNRESOLVED: "targetPort name not on pods",
    D.SERVICE_NOT_FOUND: "Service not found",
    D.LB_PENDING: "LoadBalancer pending",
    D.SELECTORLESS_NO_ENDPOINTS: "no selector, no endpoints",
    D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS: "Local policy: nodes without endpoints",
    D.SELECTOR_MATCHES_MULTIPLE_WORKLOADS: "selector spans workloads",
}


def mark(f: D.Finding) -> str:
    return "…" if f.code == CHECKING else MARKS.get(f.severity, "?")


def style(f: D.Finding) -> str:
    return "dim" if f.code == CHECKING else STYLES.get(f.severity, "bold")


def checking(key: Key) -> D.Finding:
    ns, name = key
    return D.Finding(f"{ns}/{name}", D.INFO, CHECKING,
                     f"checking…: the pods of namespace {ns} are not listed yet; the selector, readiness and "
                     "port checks run once they are")


def short(f: D.Finding) -> str:
    """A few words for the tree badge (the message is for the details)."""
    if f.code == CHECKING:
        return "checking…"
    if f.code == D.DNS_UNHEALTHY:
        return "cluster DNS down" if f.severity == D.ERROR else "CoreDNS degraded"
    return _SHORT.get(f.code) or f.message.partition(";")[0]


def badge(findings: Sequence[D.Finding]) -> Text:
    """`✖ selector matches no pods +1 more`: the worst finding's mark and words (empty: no findings)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not findings:
        return out
    first = findings[0]
    out.append(plain(f"{mark(first)} {short(first)}", 120), style(first))
    if len(findings) > 1:
        out.append(f" +{len(findings) - 1} more", "dim")
    return out


def badge_short(findings: Sequence[D.Finding]) -> Text:
    """`⚠ 2 findings`: the badge where its words do not fit (the worst finding's mark and style)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if findings:
        n = len(findings)
        out.append(f"{mark(findings[0])} {n} finding{'s' if n != 1 else ''}", style(findings[0]))
    return out


def line(f: D.Finding) -> Text:
    """`✖ <message>`: one finding on one line, the message sanitised."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{mark(f)} ", style(f))
    out.append(plain(f.message, 400), style(f))
    return out


class FindingsTracker:
    def __init__(self, grace: float = GRACE) -> None:
        self.grace = grace
        self._raw: dict[Key, tuple[D.Finding, ...]] = {}
        self._since: dict[Key, float] = {}  # first seen with a HELD finding, continuously since
        self._pending: set[Key] = set()  # HELD findings not yet shown: the clock tick checks these
        self.diagnosed = 0  # diagnose_service calls (tests check that only changed Services are redone)
        # Initial state: Services judged at least once with their pods known, and when each
        # namespace's pods were first known (a big first batch is diagnosed over a few repaints).
        self._judged: set[Key] = set()
        self._known_at: dict[str, float] = {}

    def clear(self) -> None:
        self._raw.clear()
        self._since.clear()
        self._pending.clear()
        self._judged.clear()
        self._known_at.clear()

    def _initial(self, model: ClusterModel, key: Key, now: float) -> bool | None:
        """None: cannot judge yet (pods not listed); True: the first judgement of a Service that was
        there when its namespace's pods were first listed; False: a transition."""
        ns = key[0]
        if not model.pods_known(ns):
            return None
        since = self._known_at.setdefault(ns, now)
        if key in self._judged:
            return False
        self._judged.add(key)
        return now - since < self.grace

    def update(self, model: ClusterModel, keys: Iterable[Key], now: float,
               probes: Callable[[Key], Sequence[ProbeResult]] | None = None) -> None:
        """Diagnose these Services again (a gone Service loses its findings). `probes`: the
        continuous probe's results per Service, as evidence for the port findings."""
        index = D.SharedPodIndex(model)  # one per batch, built only if a selector matches nothing
        services = model.store.services
        for key in keys:
            initial = self._initial(model, key, now)
            svc = services.get(key)
            # Pods that will come (pending): "checking…". Pods refused: the row says so already, and
            # nothing is being checked.
            if initial is None and svc is not None and svc.has_selector and svc.type != "ExternalName" \
                    and not model.access.gaps(key[0], (POD,)):
                found = [checking(key)] + D.diagnose_service(model, key, index=index)
            else:
                found = D.diagnose_service(model, key, index=index)
            self.diagnosed += 1
            if probes is not None:
                found = with_probe_evidence(found, probes(key))
            if key == D.DNS_SERVICE:
                dns = D.diagnose_dns(model)
                if dns:
                    found = [f for f in found if f.code not in _DNS_COVERS] + dns
            found_t = tuple(D.sort_findings(found))
            if found_t:
                self._raw[key] = found_t
            else:
                self._raw.pop(key, None)
            if any(f.code in HELD for f in found_t):
                if key not in self._since:
                    if initial:
                        self._since[key] = now - self.grace  # the state svctui found: no grace
                    else:
                        self._since[key] = now
                        self._pending.add(key)
            else:
                self._since.pop(key, None)
                self._pending.discard(key)

    def tick(self, now: float) -> set[Key]:
        """Services whose held findings have just outlasted the grace period (to repaint)."""
        ripe = {k for k in self._pending if now - self._since[k] >= self.grace}
        self._pending -= ripe
        return ripe

    def shown(self, key: Key, now: float) -> list[D.Finding]:
        found = self._raw.get(key, ())
        if not found:
            return []
        since = self._since.get(key)
        ripe = since is not None and now - since >= self.grace
        return [f for f in found if ripe or f.code not in HELD]

    def held_for(self, key: Key, now: float) -> float | None:
        """Seconds a readiness finding has been waiting out the grace period (None: none waiting)."""
        since = self._since.get(key)
        if since is None or now - since >= self.grace:
            return None
        return now - since

    def dns(self, now: float) -> list[D.Finding]:
        return [f for f in self.shown(D.DNS_SERVICE, now) if f.code == D.DNS_UNHEALTHY]
