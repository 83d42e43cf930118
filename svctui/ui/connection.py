"""One line that says how current the screen is, from the watch's per-stream states."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from svctui.kube.state import CONNECTING, FORBIDDEN, LOST, RECONNECTING, STOPPED, WATCHING, StreamState
from svctui.model.sanitize import plain

from .refused import refused_text


def summary(states: Iterable[StreamState], failure: str | None = None) -> Text:
    """`● watching (3 streams)`, `◌ reconnecting, attempt 2`, `⚠ forbidden: ...`, `✕ lost: <error>`."""
    if failure:
        return Text.assemble(("✕ ", "bold red"), ("lost: ", "bold red"), plain(failure, 120))
    sts = list(states)
    if not sts:
        return Text.assemble(("… ", "yellow"), ("connecting", "yellow"))
    lost = [s for s in sts if s.state == LOST]
    if lost:
        s = lost[0]
        return Text.assemble(("✕ ", "bold red"), ("lost: ", "bold red"), plain(s.error or s.kind, 120))
    recon = [s for s in sts if s.state == RECONNECTING]
    if recon:
        attempt = max(s.attempt for s in recon)
        return Text.assemble(("◌ ", "bold yellow"), (f"reconnecting, attempt {attempt}", "bold yellow"))
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


def detail_lines(states: Iterable[StreamState]) -> list[str]:
    return [plain(s.text, 200) for s in states]
