"""The svctui App: the main screen (screens/main.py, which owns the watch and the repaints), the keys
that work on every screen, the command palette, the help, and the lifeline: how the app ends (a signal,
a lost terminal, an unhandled error) without leaking a debug pod or a screenful of traceback."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from svctui.kube.stream import WatchOptions
from svctui.model.sanitize import plain

from . import lifeline
from .clock import Now
from .palette import palette_commands
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .watching import TICK, WatchConfig
from .widgets.service_tree import ServiceTree


class SvctuiApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "svctui"
    ENABLE_COMMAND_PALETTE = True

    # Footer order: the demo's keys first, so 80 columns cut the least needed ones.
    BINDINGS = [
        Binding("ctrl+d", "delete", "Delete pods", id="delete"),
        Binding("l", "lookup", "Lookup", id="pane.lookup"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("n", "namespace", "Namespace", id="namespace"),
        Binding("tab", "cycle_pane", "Pane", id="pane.next", priority=True),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        # The pane strip shows these keys; help and the palette list them all.
        Binding("colon", "command_palette", "Commands", show=False, id="palette"),
        Binding("c", "context", "Context", show=False, id="context"),
        Binding("y", "describe", "Describe (the object's fields)", show=False, id="yaml"),
        Binding("t", "timeline_scope", "Timeline scope", show=False, id="timeline.scope"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="pane.prev", priority=True),
        Binding("u", "curl", "Curl the Service", show=False, id="pane.curl"),
        Binding("b", "balance", "Load balancing (N requests)", show=False, id="pane.balance"),
        Binding("d", "dns", "DNS walk", show=False, id="pane.dns"),
        Binding("p", "probe", "Probe on/off", show=False, id="probe.toggle"),
        Binding("R", "record", "Record on/off", show=False, id="record"),
        Binding("escape", "escape", "Back to the tree / clear filter", show=False, id="filter.clear"),
        Binding("plus,equals_sign", "pane_grow(2)", "Bigger pane", show=False, id="pane.grow"),
        Binding("minus", "pane_grow(-2)", "Smaller pane", show=False, id="pane.shrink"),
        Binding("z", "pane_max", "Maximise pane / back", show=False, id="pane.max"),
    ]

    def __init__(self, *, kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None,
                 all_namespaces: bool = False, service: str | None = None, read_only: bool = False,
                 clock: Now = time.time, watch_options: WatchOptions | None = None,
                 ledger_options: dict | None = None, tick: float | None = TICK, sync_timeout: float = 5.0,
                 keymap: dict[str, str] | None = None, debug_session_id: str | None = None) -> None:
        super().__init__()
        self.read_only = read_only
        self.now = clock
        self.user_keymap = keymap or {}
        self.crash: BaseException | None = None  # the unhandled error that ended the app (the CLI reports it)
        self.crash_path: str | None = None
        self.main = self.make_main(WatchConfig(kubeconfig, context, namespace, all_namespaces, service, read_only,
                                               clock, watch_options, ledger_options, tick, sync_timeout,
                                               debug_session_id))
        if read_only:
            self._hide_binding("delete")
            self._hide_binding("probe.toggle")

    def make_main(self, cfg: WatchConfig) -> MainScreen:
        return MainScreen(cfg)

    def get_default_screen(self) -> Screen:
        return self.main

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast is literal text: Textual parses a message as markup by default, and messages carry
        names, admission denials and API errors (`[/var/run]` raised MarkupError while the toast drew, and
        the app died; `[bold red]X` restyled it). Widgets' and screens' notify() land here too, with
        markup=True: it is ignored on purpose."""
        kw = {} if timeout is None else {"timeout": timeout}
        super().notify(plain(message, 600), title=plain(title, 120), severity=severity, markup=False, **kw)

    def on_load(self) -> None:
        keys = dict(self.user_keymap)
        for part in os.environ.get("SVCTUI_KEYS", "").split(","):
            if "=" in part:
                bid, _, k = part.partition("=")
                keys[bid.strip()] = k.strip()
        if keys:
            self.set_keymap(keys)
        # Before the screen is built: the first pages of the lists take the server a moment, which
        # building the screen fills. What the watch sends waits in the screen's queue until it exists.
        self.main.start_watch(widgets=False)

    def on_mount(self) -> None:
        self._watch_terminal()

    async def on_unmount(self) -> None:
        await self.main.shutdown()

    # ---- keys (the main screen's: bound here so they work, and show, as they always did) ----

    def key_for(self, binding_id: str) -> str:
        keymap = dict(self._keymap) if hasattr(self, "_keymap") else {}
        default = next((b.key for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id), "?")
        return keymap.get(binding_id, default).split(",")[0]

    def action_delete(self) -> None:
        self.main.keys.delete()

    def action_lookup(self) -> None:
        self.main.keys.lookup()

    def action_dns(self) -> None:
        self.main.keys.dns()

    def action_curl(self) -> None:
        self.main.keys.curl()

    def action_balance(self) -> None:
        self.main.keys.balance()

    def action_probe(self) -> None:
        self.main.keys.probe()

    def action_record(self) -> None:
        self.main.keys.record()

    def action_filter(self) -> None:
        self.main.keys.filter()

    def action_escape(self) -> None:
        self.main.keys.escape()

    def action_namespace(self) -> None:
        self.main.keys.namespace()

    def action_context(self) -> None:
        self.main.keys.context()

    def action_describe(self) -> None:
        self.main.keys.describe()

    def action_timeline_scope(self) -> None:
        self.main.keys.timeline_scope()

    def action_pane_grow(self, step: int) -> None:
        self.main.keys.pane_grow(step)

    def action_pane_max(self) -> None:
        self.main.keys.pane_max()

    def action_cycle_pane(self, step: int = 1) -> None:
        if self.screen is not self.main:
            # Modal screens keep tab for their own focus chain.
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        self.main.keys.cycle_pane(step)

    def on_resize(self, _event: object) -> None:
        self.call_after_refresh(self.main.fit_bottom)

    def on_descendant_focus(self, _event: object) -> None:
        self.main.paint_tabs()  # the strip marks where the keys go (a modal's focus too)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._binding_rows(), "read-only: ctrl+d (delete) and debug pods (nslookup, curl, "
                                    "balance, probe) are disabled; the DNS walk works (port-forward creates nothing)"
                                    if self.read_only else ""))

    def _binding_rows(self) -> list[tuple[str, str, str]]:
        keymap = dict(self._keymap) if hasattr(self, "_keymap") else {}
        out = []
        for b in [*self.BINDINGS, *ServiceTree.BINDINGS]:
            if not isinstance(b, Binding):
                continue
            if self.read_only and b.id == "delete":
                continue
            keys = keymap.get(b.id, b.key) if b.id else b.key
            shown = ", ".join(self.get_key_display(dataclasses.replace(b, key=k.strip())) for k in keys.split(","))
            out.append((shown, b.description, b.id or ""))
        out += [("up/down", "Move", ""), ("space", "Expand / collapse", ""), ("ctrl+p", "Command palette", "")]
        return out

    def _hide_binding(self, binding_id: str) -> None:
        # Under --read-only the key stays bound (so pressing it explains the refusal) but is not shown.
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [dataclasses.replace(b, show=False) if b.id == binding_id else b
                                                   for b in bindings]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from palette_commands(self)
        yield from super().get_system_commands(screen)

    # ---- ending ----

    def _watch_terminal(self) -> None:
        """On a real terminal: SIGHUP/SIGTERM end the app the normal way (Unmount deletes the debug pods),
        and so does the terminal hanging up (no SIGHUP comes without a controlling terminal)."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._leave, 128 + sig, f"svctui: {signal.Signals(sig).name}, exiting")
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                pass
        fd = getattr(self._driver, "fileno", None)
        if isinstance(fd, int) and os.isatty(fd):
            def check() -> None:
                if lifeline.terminal_gone(fd):
                    self._leave(lifeline.HANGUP, "svctui: the terminal is gone, exiting")

            self.set_interval(lifeline.POLL, check)

    def _leave(self, code: int, message: str) -> None:
        lifeline.arm_watchdog(code, self._cleanup_now, self._driver, message)
        self.exit(return_code=code)

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None:
        if not self.is_headless:  # tests run many apps in one process: the watchdog is for real runs
            lifeline.arm_watchdog(return_code, self._cleanup_now, self._driver)
        super().exit(result, return_code, message)

    def _cleanup_now(self) -> None:
        self.main.panes.cleanup_now()

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled error ends the app with one line (the CLI prints it once the terminal is back) and
        the traceback in a file: Textual's own report is a screenful of traceback with every frame's
        locals, which may hold a bearer token."""
        self._return_code = 1
        if self._exception is None:  # run_test() re-raises it: tests still see the error
            self._exception = error
            self._exception_event.set()
        if self.crash is None:
            self.crash = error
            self.crash_path = None if self.is_headless else lifeline.crash_log(error)
        if not self.is_headless:
            lifeline.arm_watchdog(1, self._cleanup_now, self._driver, self.crash_message())
        self._close_messages_no_wait()

    def panic(self, *renderables: Any) -> None:
        """Textual's own threads report failures here (its input thread when reading the terminal fails):
        left to Textual, the app printed a traceback and exited 0."""
        if self.is_headless:
            super().panic(*renderables)
            return
        self._return_code = self._return_code or 1
        if self.crash is None:
            self.crash = lifeline.panic_error(renderables)
        lifeline.arm_watchdog(self._return_code, self._cleanup_now, self._driver, self.crash_message())
        self._close_messages_no_wait()

    def crash_message(self) -> str | None:
        if self.crash is None:
            return None
        where = f" (traceback in {self.crash_path})" if self.crash_path else ""
        return lifeline.error_line(self.crash) + where


def run_app(**kw: Any) -> int:
    app = SvctuiApp(**kw)
    app.run()
    return app.return_code or 0
