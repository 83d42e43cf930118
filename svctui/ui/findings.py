"""How the live findings look: the tree badge, a details line, marks and styles per severity.

What is found, and when it shows (the grace period), is svctui/model/livefindings.py; cluster text
reaches the screen only through `plain()` into Rich Text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from svctui.model import diagnose as D
from svctui.model.livefindings import CHECKING
from svctui.model.livefindings import FindingsTracker as FindingsTracker  # app.py's import, until its split
from svctui.model.sanitize import plain

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
