"""Confirmation for deleting pods: names every pod, runs the deletion, shows the API's answer.

The deletion itself is a function handed in by the app (the kube layer's action), run here in a
worker; on full success the screen closes by itself (the tree shows what follows), on any error it
stays open with the error per pod until dismissed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from svctui.kube.actions import DeleteResult, PodRef
from svctui.model.sanitize import plain

Deleter = Callable[[list[PodRef]], Awaitable[list[DeleteResult]]]


class ConfirmDelete(ModalScreen[list[DeleteResult] | None]):
    BINDINGS = [
        Binding("y", "confirm", "Delete", id="confirm.yes"),
        Binding("n,escape", "cancel", "Cancel", id="confirm.no"),
    ]

    def __init__(self, title: str, pods: list[PodRef], equivalent: str, deleter: Deleter) -> None:
        super().__init__()
        self.title_text = title
        self.pods = pods
        self.equivalent = equivalent
        self.deleter = deleter
        self.state = "asking"  # asking | running | done
        self.results: list[DeleteResult] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._question(), id="confirm-question")
            with VerticalScroll(id="confirm-list"):
                yield Static(self._pod_list(), id="confirm-pods")
            yield Static(Text.assemble(("y", "bold"), " delete   ", ("n", "bold"), "/", ("esc", "bold"), " cancel"),
                         id="confirm-status")

    def _question(self) -> Text:
        return Text.assemble((plain(self.title_text), "bold"), "\n", ("same as: ", "dim"), plain(self.equivalent))

    def _pod_list(self) -> Text:
        out = Text()
        for p in self.pods:
            line = Text.assemble("  ", ("pod/", "dim"), plain(p.name), ("  -n ", "dim"), plain(p.namespace))
            res = next((r for r in self.results or () if r.pod == p), None)
            if res is not None:
                line.append("  ")
                line.append("✓ deleted" if res.ok else f"✗ {plain(res.error, 200)}", "green" if res.ok else "bold red")
            out.append_text(line)
            out.append("\n")
        if not self.pods:
            out.append("  (no pods)")
        return out

    def action_confirm(self) -> None:
        if self.state != "asking" or not self.pods:
            return
        self.state = "running"
        self.query_one("#confirm-status", Static).update(Text("deleting…", "yellow"))
        self._run()

    @work(exclusive=True, group="delete", exit_on_error=False)
    async def _run(self) -> None:
        try:
            results = await self.deleter(self.pods)
            error = None
        except Exception as exc:  # ReadOnlyError, or anything the kube layer did not expect
            results, error = [], f"{type(exc).__name__}: {exc}"
        self._show(results, error)

    def _show(self, results: list[DeleteResult], error: str | None) -> None:
        self.results = results
        self.state = "done"
        self.query_one("#confirm-pods", Static).update(self._pod_list())
        failed = [r for r in results if not r.ok]
        status = self.query_one("#confirm-status", Static)
        if error is not None:
            status.update(Text.assemble(("✗ ", "bold red"), plain(error, 300), ("   esc closes", "dim")))
        elif failed:
            status.update(Text.assemble(("✗ ", "bold red"), f"{len(failed)} of {len(results)} not deleted",
                                        ("   esc closes", "dim")))
        else:
            self.dismiss(results)

    def action_cancel(self) -> None:
        if self.state == "running":
            return
        self.dismiss(self.results)
