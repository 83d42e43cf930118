"""One line that says how current the screen is, from the watch's per-stream states."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widget import Widget

from svctui.kube.credentials import REJECTED
from svctui.kube.state import CONNECTING, FORBIDDEN, LOST, RECONNECTING, STOPPED, WATCHING, StreamState
from svctui.model.sanitize import plain

from .refused import refused_text


def summary(states: Iterable[StreamState], failure: str | None = None, now: float | None = None) -> Text:
    """`● watching (3 streams)`, `◌ stale: last update 42 s ago · connection refused (attempt 2)`,
    `◌ reconnecting, attempt 2: timeout` (nothing listed yet), `⚠ forbidden: ...`, `✕ lost: <error>`.
    `now` is the watch clock's time (for the age)."""
    if failure:
        return Text.assemble(("✕ ", "bold red"), ("lost: ", "bold red"), plain(failure, 120))
    sts = list(states)
    if not sts:
        return Text.assemble(("… ", "yellow"), ("connecting", "yellow"))
    down = [s for s in sts if s.state in (LOST, RECONNECTING)]
    if down:
        lost = [s for s in down if s.state == LOST]
        worst = lost[0] if lost else max(down, key=lambda s: s.attempt)
        style = "bold red" if lost else "bold yellow"
        out = Text.assemble(("✕ " if lost else "◌ ", style))
        age = stale_for(sts, now)
        # Most telling first, for a narrow screen cuts the end: how old, why, then how hard we try.
        if age is not None:
            out.append(f"stale: last update {age_text(age)} ago", style)
            if worst.error:
                out.append(" · ")
                out.append(plain(short_reason(worst.error), 120))
            out.append(" (lost)" if lost else f" (attempt {worst.attempt})", "dim")
            return out
        out.append("lost" if lost else f"reconnecting, attempt {worst.attempt}", style)
        if worst.error:
            out.append(": ")
            out.append(plain(short_reason(worst.error), 120))
        return out
    watching = [s for s in sts if s.state == WATCHING]
    forbidden = [s for s in sts if s.state == FORBIDDEN]
    connecting = [s for s in sts if s.state == CONNECTING]
    if connecting:
        return Text.assemble(("… ", "yellow"), (f"connecting ({len(watching)}/{len(sts) - len(forbidden)} streams)", "yellow"))
    if forbidden and not watching:
        return Text.assemble(("⚠ ", "bold red"), (plain(refused_text(forbidden), 200), "bold red"))
    out = Text.assemble(("● ", "green"), (f"watching ({len(watching)} stream{'s' if len(watching) != 1 else ''})", "green"))
    if forbidden:
        out.append_text(Text.assemble("  ", ("⚠ ", "yellow"), (plain(refused_text(forbidden), 200), "yellow")))
    if any(s.state == STOPPED for s in sts):
        out.append("  (some stopped)")
    return out


def stale_for(states: Iterable[StreamState], now: float | None) -> float | None:
    """How old what the screen shows may be: since the longest-down stream last heard from the
    server. None while every stream is watching (or none has ever listed)."""
    heard = [s.heard for s in states if s.state in (LOST, RECONNECTING) and s.heard is not None]
    if not heard or now is None:
        return None
    return max(0.0, now - min(heard))


def age_text(seconds: float) -> str:
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h"


def short_reason(error: str) -> str:
    """The kind of failure, for the header: "connection refused", "timeout", "TLS", "401
    Unauthorized", "not a Kubernetes API server"; the whole text is in the details pane."""
    if error.startswith(REJECTED):
        return error  # which context and user, and what to do: the header's whole point on a 401
    head = error.split(": ", 1)[0]
    return head.split(" by ", 1)[0]


def detail_lines(states: Iterable[StreamState]) -> list[str]:
    return [plain(s.text, 200) for s in states]


def mark_stale(tree: Widget, stale: bool) -> None:
    """The tree says so too while any stream is down: its rows are the last known state."""
    if stale != tree.has_class("-stale"):
        tree.set_class(stale, "-stale")
        tree.border_title = "stale: the last state known, not the cluster's now" if stale else None
