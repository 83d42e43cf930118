"""The details pane: what the selected row is (ui/details.py), computed only when the pane is drawn
(a Pulled text). Above it, whole, why the screen is not current while a watch is down."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from svctui.kube.state import LOST, RECONNECTING, StreamState
from svctui.model.cluster import ClusterModel
from svctui.model.store import SERVICE

from . import details as details_text
from .connection import detail_lines
from .findings import FindingsTracker
from .scope import WatchScope
from .widgets.lines import Pulled
from .widgets.service_tree import ServiceTree


class DetailsPane(VerticalScroll):
    def __init__(self, pull: Callable[[], Text]) -> None:
        super().__init__(id="details-pane")
        # Held, not looked up: a stream state painted while the app closes (children removed before their
        # parent) found no #details and turned the quit into a crash.
        self._text = Pulled(pull, id="details")
        self.dirty = True  # the selection or what it shows changed since the text was last pulled

    def compose(self) -> ComposeResult:
        yield self._text

    def paint(self, shown: bool) -> None:
        """The details of the selection: now if the pane is shown, else when it is next drawn."""
        self.dirty = False
        self._text.invalidate(shown and self._text.is_attached)

    @staticmethod
    def text_for(synced: bool, tree: ServiceTree, model: ClusterModel, now: float, findings: FindingsTracker,
                 states: Mapping[tuple[str, str | None], StreamState], scope: WatchScope) -> Text:
        text = down_text(states.values())
        if not synced:
            text.append("waiting for the first list of Services, EndpointSlices and Pods…", "dim")
        elif not tree.service_count():
            text.append(empty_text(scope, states), "dim")
        else:
            text.append_text(details_text.for_selection(model, tree.selected_data(), now, findings))
        return text



def empty_text(scope: WatchScope, states: Mapping[tuple[str, str | None], StreamState]) -> str:
    if scope.filter_text:
        return f"no Service matches {scope.filter_text!r} (esc clears the filter)"
    where = scope.where()
    services = states.get((SERVICE, None)) or next((s for k, s in states.items() if k[0] == SERVICE), None)
    if services is not None and services.heard is None and services.state in (RECONNECTING, LOST):
        return f"no Services known in {where}: the Service list never arrived (see above)"
    return f"no Services in {where}"


def down_text(states: Iterable[StreamState]) -> Text:
    """Why the screen is not current, whole (the header has room for the kind of failure only)."""
    down = [s for s in states if s.state in (RECONNECTING, LOST)]
    out = Text()
    if down:
        out.append("not current — the cluster is not answering every watch:\n", "bold yellow")
        for line in detail_lines(down):
            out.append(f"  {line}\n", "yellow")
        out.append("\n")
    return out
