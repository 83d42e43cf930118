"""The command palette's entries (ctrl+p, :): the keys' actions by name, through the App so that a
replay's refusals apply here too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from .app import SvctuiApp


def palette_commands(app: SvctuiApp) -> Iterator[SystemCommand]:
    def show_details() -> None:
        app.main.bottom.show("details")

    def show_timeline() -> None:
        app.main.bottom.show("timeline")

    yield SystemCommand("Filter Services", "Filter by name, IP, label or pod (/)", app.action_filter)
    yield SystemCommand("Switch namespace", "Choose a namespace or all (n)", app.action_namespace)
    yield SystemCommand("Switch context", "Choose a kubeconfig context; restarts the watch (c)", app.action_context)
    yield SystemCommand("Timeline: selected Service / all", "Toggle the timeline's scope (t)",
                        app.action_timeline_scope)
    yield SystemCommand("Show details pane", "Details of the selected row", show_details)
    yield SystemCommand("Show timeline pane", "The churn ledger, newest first", show_timeline)
    if not app.read_only:
        yield SystemCommand("Delete pods", "The selected pod, or all pods behind the selected Service (ctrl+d)",
                            app.action_delete)
    yield SystemCommand("Lookup (nslookup)", "nslookup the selected Service from a debug pod (l)", app.action_lookup)
    yield SystemCommand("DNS walk", "The selected Service's name through CoreDNS, by port-forward (d)", app.action_dns)
    yield SystemCommand("Curl the Service", "One request from a debug pod (u)", app.action_curl)
    yield SystemCommand("Load balancing", "Requests from a debug pod: which backend answered (b)", app.action_balance)
    yield SystemCommand("Probe on/off", "Request the Service continuously; results on the timeline (p)",
                        app.action_probe)
    yield SystemCommand("Describe", "The selected object's fields as svctui holds them (y)", app.action_describe)
    yield SystemCommand("Doctor: findings of the selected Service", "The details pane lists them", show_details)
    yield SystemCommand("Maximise the bottom pane / back", "z", app.action_pane_max)
    yield SystemCommand("Help", "Keys and what they do; i shows the binding ids (?)", app.action_help)
