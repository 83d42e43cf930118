"""What the main screen's keys do (the App's bindings call these): filter, namespace and context
pickers, delete, describe, the command panes, and moving between and sizing the bottom panes.

`MainKeys` holds no state of its own: it asks the screen (its public methods) and starts the flows
(delete_flow.py, the pickers, the panes' controller)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.widgets import Input

from svctui.kube.contexts import list_contexts, list_namespaces
from svctui.model.describe import lines as describe_lines
from svctui.model.objects import Key

from ..delete_flow import offer_delete, plan_for
from ..panes.controller import PANES
from ..scope import ALL
from .describe import DescribeScreen, selected_object
from .pick import PickScreen

if TYPE_CHECKING:
    from .main import MainScreen


class MainKeys:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    # ---- the filter ----

    def filter(self) -> None:
        box = self.screen.query_one("#filter", Input)
        box.display = True
        box.focus()
        self.screen.call_after_refresh(self.screen.fit_bottom)

    def escape(self) -> None:
        s = self.screen
        box = s.query_one("#filter", Input)
        focused = s.app.focused
        if focused is not s.tree and focused is not box:
            # Out of a pane (timeline, details: command panes have their own esc): back to the tree.
            if s.bottom.pane_size.maximized:
                self.pane_max()
            s.tree.focus()
            return
        if box.display or s.scope.filter_text:
            box.value = ""
            box.display = False
            s.scope.filter_text = ""
            s.refilter()
            s.tree.focus()
            s.call_after_refresh(s.fit_bottom)

    # ---- namespace and context ----

    def namespace(self) -> None:
        self.screen.run_worker(self._pick_namespace(), group="pick", exclusive=True, exit_on_error=False)

    async def _pick_namespace(self) -> None:
        s = self.screen
        known = {k[0] for k in s.model.topology.service_keys()} | {k[0] for k in s.model.store.pods}
        if s.api is not None:
            known |= set(await list_namespaces(s.api, timeout=3.0))
        choices = [ALL, *sorted(known)]
        current = s.scope.view_ns or (s.scope.namespace_name if s.scope.namespace_name != ALL else ALL)
        await s.app.push_screen(PickScreen("Namespace", choices, current), self._namespace_chosen)

    def _namespace_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        s = self.screen
        if not s.scope.choose_namespace(choice):  # watching everything already: a change of view
            s.rows.dirty |= set(s.tree.services_shown())
            s.refilter()
            return
        seen = s.model.ledger
        s.start_watch()
        s.model.ledger.carry_history(seen)  # same cluster: what the timeline showed stays

    def context(self) -> None:
        s = self.screen
        names, current = list_contexts(s.scope.kubeconfig)
        if not names:
            s.notify("no kubeconfig contexts to choose from", severity="warning")
            return
        shown = s.scope.context_name if s.scope.context_name in names else current
        s.app.push_screen(PickScreen("Context", names, shown), self._context_chosen)

    def _context_chosen(self, choice: str | None) -> None:
        if choice is not None:
            self.screen.scope.choose_context(choice)
            self.screen.start_watch()

    # ---- the selected row ----

    def delete(self) -> None:
        s = self.screen
        if s.read_only:
            s.notify("read-only mode: deleting pods is disabled (started with --read-only)",
                     title="refused", severity="error")
            return
        plan = plan_for(s.model, s.tree.selected_data())
        if isinstance(plan, str):
            s.notify(plan, severity="warning")
            return
        s.run_worker(offer_delete(s, lambda: s.api, plan, s.read_only), group="delete check", exclusive=True,
                     exit_on_error=False)

    def describe(self) -> None:
        """The selected row's object, from the watch's cache: no GET, nothing the watch could not see."""
        s = self.screen
        data = s.tree.selected_data()
        if data is None or data[0] == "ns" or len(data) < 2:
            s.notify("select a Service, slice or endpoint to describe", severity="warning")
            return
        obj, what = selected_object(s.model, data)
        if obj is None:
            s.notify(f"{what} is not in the cache (gone, or not listed)", severity="warning")
            return
        s.app.push_screen(DescribeScreen(what, describe_lines(obj)))

    def _selected_service(self) -> Key | None:
        data = self.screen.tree.selected_data()
        if data is None or data[0] == "ns" or len(data) < 2:
            self.screen.notify("select a Service first", severity="warning")
            return None
        return data[1]

    def lookup(self) -> None:
        self._name_pane("lookup")

    def dns(self) -> None:
        self._name_pane("dns")

    def _name_pane(self, kind: str) -> None:
        s = self.screen
        data = s.tree.selected_data()
        if data is not None and data[0] != "ns" and len(data) > 1:
            (s.panes.lookup if kind == "lookup" else s.panes.dns)(data[1])
        else:
            namespace = data[1] if data is not None and len(data) > 1 else (s.scope.on_screen() or "default")
            s.panes.ask_name(kind, namespace)

    def curl(self) -> None:
        key = self._selected_service()
        if key is not None:
            self.screen.panes.curl(key)

    def balance(self) -> None:
        key = self._selected_service()
        if key is not None:
            self.screen.panes.balance(key)

    def probe(self) -> None:
        key = self._selected_service()
        if key is not None:
            self.screen.panes.toggle_probe(key)

    def timeline_scope(self) -> None:
        s = self.screen
        s.timeline.selected_only = not s.timeline.selected_only
        s.paint_tabs()
        s.paint_timeline()

    def record(self) -> None:
        s = self.screen
        s.recording.toggle(s.cluster_watch, s.synced, s.model, s.scope.context_name, s.scope.namespace_name)
        s.paint_header()

    # ---- the bottom panes ----

    def cycle_pane(self, step: int = 1) -> None:
        s = self.screen
        order = ["tree", "timeline-pane", "details-pane", *(f"{p}-pane" for p in PANES)]
        cur = "tree"
        node: DOMNode | None = s.app.focused
        while node is not None:  # a command pane's focus is on its input, inside the pane
            if node.id in order:
                cur = node.id
                break
            node = node.parent
        nxt = order[(order.index(cur) + step) % len(order)]
        if nxt != "tree":
            s.bottom.show(nxt.removesuffix("-pane"))
        target = s.query_one(f"#{nxt}")
        if nxt.removesuffix("-pane") in PANES:
            target = s.pane(nxt.removesuffix("-pane")).input
        target.focus()

    def pane_grow(self, step: int) -> None:
        s = self.screen
        s.bottom.pane_size.grow(s.bottom.outer_size.height, step, s.size.height - s.fixed_rows())
        s.fit_bottom()

    def pane_max(self) -> None:
        s = self.screen
        size = s.bottom.pane_size
        size.maximized = not size.maximized
        s.fit_bottom()
        focused = s.app.focused
        if size.maximized and focused is s.tree:
            # The tree is hidden: the keys go to the pane shown.
            shown = s.bottom.current or "timeline-pane"
            kind = shown.removesuffix("-pane")
            (s.pane(kind).input if kind in PANES else s.query_one(f"#{shown}")).focus()
        elif not size.maximized and focused is None:
            s.tree.focus()
