"""`y` on a row: the selected object's fields as svctui holds them (model/describe.py), read-only."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.model.cluster import ClusterModel
from svctui.model.objects import Key
from svctui.model.sanitize import plain


class DescribeScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,y", "dismiss", "Close", id="describe.close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = plain(title, 200)
        # Names, labels and messages come from the cluster: each line literal, controls stripped.
        self.lines = [plain(line, 2000) for line in lines]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(self.title_text, "bold underline")
        text.append("   (what svctui watches; esc closes)\n\n", "dim")
        for line in self.lines:
            key, sep, value = line.partition(": ")
            if sep:
                text.append(key, "bold cyan")
                text.append(sep + value + "\n")
            else:
                text.append(line + "\n", "bold cyan" if line.endswith(":") else "")
        with VerticalScroll(id="describe-box"):
            yield Static(text, id="describe-text")


def selected_object(model: ClusterModel, data: tuple) -> tuple[object | None, str]:
    """The selected row's object from the watch's cache (no GET, nothing the watch could not see),
    and what to call it."""
    key: Key = data[1]
    store = model.store
    if data[0] == "slice":
        return store.slices.get((key[0], data[2])), f"EndpointSlice {key[0]}/{data[2]}"
    if data[0] == "ep":
        view = model.topology.view(key)
        row = view.rows.get(data[2]) if view else None
        pod = model.topology.pod_for(key[0], row.endpoint)[0] if row else None
        if pod:
            return pod, f"Pod {key[0]}/{pod.name}"
        return (row.endpoint if row else None), f"Endpoint {data[2]}"
    if data[0] == "pod":
        return store.pods.get((key[0], data[2])), f"Pod {key[0]}/{data[2]}"
    return store.services.get(key), f"Service {key[0]}/{key[1]}"
