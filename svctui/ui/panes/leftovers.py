"""Debug pods left by svctui sessions that are gone (stale heartbeat, or a dead pid on this host): listed
once after the first lists, offered for deletion with a prompt (read-only: only a notice naming them).
Pods of sessions still running are never offered (kube/debugpod.py decides who is gone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from svctui.kube.debugpod import Leftover
from svctui.model.sanitize import plain

from .messages import LeftoversFound, LeftoversRemoved
from .screens import LeftoversScreen
from .session import GatedSession


class LeftoversOffer(Widget):
    DEFAULT_CSS = "LeftoversOffer { display: none; }"

    def __init__(self, session: Callable[[], GatedSession | None], api: Callable[[], Any], *, read_only: bool) -> None:
        super().__init__(id="leftovers")
        self._session = session  # the panes' debug session (created on first use)
        self._api = api
        self._read_only = read_only
        self.checked = False

    def check(self) -> None:
        """Once, after the first lists."""
        if self.checked or self._api() is None:
            return
        self.checked = True
        self.run_worker(self._leftovers_job(), group="leftovers", exit_on_error=False)

    async def _leftovers_job(self) -> None:
        session = self._session()
        if session is None:
            return
        try:
            items = await session.leftovers()
        except Exception:  # noqa: BLE001 - listing pods cluster-wide may be forbidden: no offer then
            return
        if items:
            self.post_message(LeftoversFound(items))

    def on_leftovers_found(self, m: LeftoversFound) -> None:
        if self._read_only:
            # Named one by one: a label selector would take the pods of sessions still running too.
            commands = "; ".join(f"kubectl delete pod -n {plain(i.namespace)} {plain(i.name)}" for i in m.items[:3])
            more = f"; and {len(m.items) - 3} more" if len(m.items) > 3 else ""
            self.notify(f"{len(m.items)} debug pod(s) left by svctui sessions that are gone; read-only: not removing "
                        f"them ({commands}{more})", title="leftovers", severity="warning", timeout=10)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._remove_leftovers_job(m.items), group="leftovers", exit_on_error=False)
        self.app.push_screen(LeftoversScreen(m.items), answered)

    async def _remove_leftovers_job(self, items: list[Leftover]) -> None:
        session = self._session()
        if session is None:
            return
        try:
            removal = await session.remove_leftovers(items)
            self.post_message(LeftoversRemoved(removal.removed, kept=removal.kept))
        except Exception as exc:  # noqa: BLE001
            self.post_message(LeftoversRemoved([], f"{type(exc).__name__}: {exc}"))

    def on_leftovers_removed(self, m: LeftoversRemoved) -> None:
        if m.error:
            self.notify(plain(m.error, 300), title="could not remove leftovers", severity="error")
            return
        kept = f"; kept {len(m.kept)}: its owner renewed its heartbeat meanwhile" if m.kept else ""
        self.notify(f"removed {len(m.removed)} leftover debug pod(s){kept}", timeout=6 if kept else 4)
