"""Lines of the churn timeline that are not endpoint changes (those are rows.timeline_line)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from svctui.model.probe import ProbeEntry
from svctui.model.sanitize import plain


def probe_line(e: ProbeEntry, with_namespace: bool, clock_text: Callable[[float], str], name_width: int = 0) -> Text:
    """A probe transition on the churn timeline, shaped like the endpoint lines around it."""
    svc = (f"{e.service[0]}/{e.service[1]}" if with_namespace else e.service[1]).ljust(name_width)
    style = {"probe-ok": "green", "probe-failing": "bold red"}.get(e.change, "dim")
    return Text.assemble((clock_text(e.time), "dim"), "  ", (plain(svc), "bold"), "  ", (plain(e.text), style))
