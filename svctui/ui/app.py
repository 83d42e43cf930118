"""The svctui screen: header (context, namespace, connection, clock), the Service tree, and a bottom
pane with the churn timeline or the details of the selected row.

Data path: the watch worker runs ClusterWatch, whose sink updates the ClusterModel on this loop and
posts one ModelChanged per loop turn; the app only collects the touched Services and repaints them
(`_repaint`). The first batch after a quiet spell is painted at once (so is a second one right behind
it: a pod's event and its slice's); while a burst goes on, repaints are throttled to one per FRAME
(a token bucket), so a burst costs a few repaints and untouched rows are never rebuilt. Only what can
be seen is built: a collapsed Service is its label (the tree asks for its children when it opens),
the timeline appends rendered lines, the details pane is computed when shown.
Time comes from the injected `clock` (tests freeze it); a tick re-reads it for ages and stopwatches.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import signal
import time
from itertools import islice

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Static, Tree

from svctui.kube import access_review, actions
from svctui.kube.config import KubeConfigError, load_target
from svctui.kube.contexts import list_contexts, list_namespaces
from svctui.kube.nodes import node_names
from svctui.kube.state import LOST, RECONNECTING, StreamState
from svctui.kube.stream import WatchOptions
from svctui.kube.watch import ROW_KINDS, ClusterWatch
from svctui.model.churn import ChurnLedger
from svctui.model.cluster import ClusterModel
from svctui.model.deleteplan import DeletePlan, delete_plan
from svctui.model.describe import lines as describe_lines
from svctui.model.diagnose import DNS_SERVICE
from svctui.model.objects import Key
from svctui.model.probe import ProbeEntry
from svctui.model.sanitize import plain
from svctui.model.store import SERVICE
from svctui.model.timeline import group_changes, service_names

from . import details as details_text
from . import lifeline
from . import rows as R
from .clock import Now, hms, hms_ms
from .connection import detail_lines, stale_for, summary
from .findings import FindingsTracker
from .findings import badge as findings_badge
from .layout import PaneSize
from .messages import DeleteDone, ModelChanged, StreamStateChanged, TargetResolved, WatchFailed, WatchSynced
from .paint import paint_now
from .panes.controller import PANES, PanesMixin, probe_line
from .recording import RecordingMixin
from .screens.confirm import ConfirmDelete
from .screens.describe import DescribeScreen
from .screens.help import HelpScreen
from .screens.pick import PickScreen
from .widgets.lines import Lines, Pulled
from .widgets.service_tree import ServiceTree

FRAME = 1 / 30  # in a burst, at most this many repaints per second, however fast events arrive
BURST = 2  # repaints allowed back to back after a quiet spell (the token bucket's size)
# Rows a repaint rebuilds at most, besides new ones and those on screen (~0.15 ms each with their
# diagnosis): when the pods of 10,000 Services join the tree at once, the rest follows a frame
# later, and so on, instead of freezing the screen for 1.4 s.
REPAINT_BUDGET = 300
TICK = 0.5  # ages and stopwatches are re-read this often
# Without a Service argument, the tree opens fully expanded while it has at most this many rows
# (about two screens at 80×24): beyond that an expanded tree is a wall, so Services start closed.
EXPAND_ROWS = 40
QUICK_SYNC = 1.0  # seconds the tree waits for every list before it settles for Services and slices
TIMELINE_ROWS = 300
# In a pod deletion: endpoints turn terminating, replacements appear, then the old ones go.
_CHANGE_RANK = {"changed": 0, "added": 1, "removed": 2}
ALL = "all"


class SvctuiApp(RecordingMixin, PanesMixin, App):
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
        self.kubeconfig = kubeconfig
        self.context = context
        self.ns_override = namespace
        self.watch_all = all_namespaces
        self.want_service = service
        self.read_only = read_only
        self.now = clock
        self.watch_options = watch_options
        self.ledger_options = ledger_options or {}
        self.tick_interval = tick
        self.sync_timeout = sync_timeout
        self.user_keymap = keymap or {}
        self.gen = 0
        self.model = self._new_model()
        self.context_name = context or "…"
        self.namespace_name = ALL if all_namespaces else (namespace or "…")
        self.view_ns: str | None = None if all_namespaces else namespace
        self.filter_text = ""
        self.timeline_selected_only = False
        self.failure: str | None = None
        self.synced = False
        self.complete = False
        self._api = None
        self._states: dict[tuple[str, str | None], StreamState] = {}
        self._dirty: set[Key] = set()
        # Findings: Services to diagnose again (from Changes.services), shown per the grace rule.
        self.findings = FindingsTracker()
        self._diag_dirty: set[Key] = set()
        self._timeline_dirty = False
        self._details_dirty = False
        self._flush_pending = False
        self._repainted_widgets: list | None = None
        self._last_flush = 0.0
        self._tokens = float(BURST)  # repaints that may happen now (refills at 1 per FRAME)
        self._ns_by_name: dict[str, set[str]] = {}  # Service name → namespaces that have one (timeline)
        self._tl_lines: dict[int, tuple] = {}  # id(entry) → (entry, qualified, width, Text): lines shown
        self._clock_text: str | None = None
        self._expand_small = True
        self._pane = "timeline"
        self.pane_size = PaneSize()
        self._timeline_empty = True
        self.repaints = 0  # flushes that did work (tests check coalescing)
        self.crash: BaseException | None = None  # the unhandled error that ended the app (the CLI reports it)
        self.crash_path: str | None = None
        self._init_panes(debug_session_id)
        if read_only:
            self._hide_binding("delete")
            self._hide_binding("probe.toggle")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast is literal text: Textual parses a message as markup by default, and messages carry
        names, admission denials and API errors (`[/var/run]` raised MarkupError while the toast drew, and
        the app died; `[bold red]X` restyled it). Widgets' and screens' notify() land here too, with
        markup=True: it is ignored on purpose."""
        kw = {} if timeout is None else {"timeout": timeout}
        super().notify(plain(message, 600), title=plain(title, 120), severity=severity, markup=False, **kw)

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

    def exit(self, result=None, return_code: int = 0, message=None) -> None:
        if not self.is_headless:  # tests run many apps in one process: the watchdog is for real runs
            lifeline.arm_watchdog(return_code, self._cleanup_now, self._driver)
        super().exit(result, return_code, message)

    def _cleanup_now(self) -> None:
        s = self.debug_session
        if s is not None:
            s.cleanup_sync()

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

    def panic(self, *renderables) -> None:
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

    def _hide_binding(self, binding_id: str) -> None:
        # Under --read-only the key stays bound (so pressing it explains the refusal) but is not shown.
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [dataclasses.replace(b, show=False) if b.id == binding_id else b
                                                   for b in bindings]

    def _new_model(self) -> ClusterModel:
        return ClusterModel(ChurnLedger(**self.ledger_options))

    # ---- layout ----

    def compose(self) -> ComposeResult:
        with Horizontal(id="header"):
            yield Static(id="hdr-left")
            yield Static(id="hdr-clock")
        yield ServiceTree(id="tree")
        yield Static(id="pane-tabs")
        with ContentSwitcher(initial="timeline-pane", id="bottom"):
            yield Lines(id="timeline-pane")
            with VerticalScroll(id="details-pane"):
                yield Pulled(self._details_text, id="details")
            yield from self.compose_panes()
        yield Input(placeholder="filter: name, IP, label, pod… (enter keeps it, esc clears)", id="filter")
        yield Footer(compact=True)

    @property
    def tree(self) -> ServiceTree:  # type: ignore[override]  # over DOMNode.tree (a debug view svctui never asks for)
        return self.query_one(ServiceTree)

    def on_load(self) -> None:
        # Before the screen is built: the first pages of the lists take the server a moment, which
        # building the screen fills. What the watch sends waits in the queue until the widgets exist.
        self._start_watch(widgets=False)

    def on_mount(self) -> None:
        keys = dict(self.user_keymap)
        env = os.environ.get("SVCTUI_KEYS", "")
        for part in env.split(","):
            if "=" in part:
                bid, _, k = part.partition("=")
                keys[bid.strip()] = k.strip()
        if keys:
            self.set_keymap(keys)
        self.query_one("#filter", Input).display = False
        self.tree.expand_new = self._expand_new
        self.tree.children_for = self._full_row
        self.tree.ns_note = lambda ns: R.namespace_gaps(self.model, ns)
        self.watch(self.query_one("#bottom", ContentSwitcher), "current", self._pane_shown, init=False)
        self.watch(self.tree, "virtual_size", lambda _size: self._fit_bottom(), init=False)
        self.call_after_refresh(self._fit_bottom)
        self.tree.focus()
        self._paint_header()
        self._paint_tabs()
        self._paint_timeline()
        self._paint_details()
        if self.tick_interval:
            self.set_interval(self.tick_interval, self.tick)
        self._watch_terminal()

    # ---- the watch ----

    def _start_watch(self, widgets: bool = True) -> None:
        self.gen += 1
        self.stop_recording("ended: the watch restarted")
        self.model = self._new_model()
        self._states.clear()
        self.failure = None
        self.synced = False  # the tree is built (see WatchSynced: maybe before the pods are in)
        self.complete = False  # every stream has listed once
        self._dirty.clear()
        self._diag_dirty.clear()
        self.findings.clear()
        self._ns_by_name.clear()
        self._tl_lines.clear()
        self._timeline_dirty = self._details_dirty = True
        if widgets:
            self.tree.clear_all()
            self._paint_header()
        self._watch(self.gen)

    @work(group="watch", exclusive=True, exit_on_error=False)
    async def _watch(self, gen: int) -> None:
        try:
            target = await load_target(kubeconfig=self.kubeconfig, context=self.context,
                                       namespace=None if self.watch_all else self.ns_override)
        except KubeConfigError as exc:
            self.post_message(WatchFailed(gen, str(exc)))
            return
        except Exception as exc:
            self.post_message(WatchFailed(gen, f"{type(exc).__name__}: {exc}"))
            return
        ns = None if self.watch_all else target.namespace
        self._api = target.api
        self.post_message(TargetResolved(gen, target.context, ns or ALL))
        # Before the first diagnosis, so the Local-policy check counts nodes as `svctui doctor` does.
        self.model.nodes = await node_names(target.api)
        watch = ClusterWatch(target.api, self.model, lambda ch: self.post_message(ModelChanged(gen, ch)),
                             namespace=ns, default_namespace=target.namespace,
                             on_state=lambda st: self.post_message(StreamStateChanged(gen, st)),
                             options=self.watch_options, clock=self.now)
        self.cluster_watch = watch
        task = watch.start()
        try:
            quick = min(QUICK_SYNC, self.sync_timeout)
            try:
                await watch.wait_synced(timeout=quick)
            except TimeoutError:
                # A big (or struggling) cluster: build the tree once its rows are in (Services and
                # slices; pods join them later) or at the timeout with what there is. The header says
                # which streams are still listing.
                try:
                    await watch.wait_synced(timeout=self.sync_timeout - quick, kinds=ROW_KINDS)
                except TimeoutError:
                    pass
                self.post_message(WatchSynced(gen, complete=False))
                synced = asyncio.ensure_future(watch.wait_synced())
                await asyncio.wait([synced, task], return_when=asyncio.FIRST_COMPLETED)
                if not synced.done():
                    synced.cancel()
                    await task
                    return
            self.post_message(WatchSynced(gen))
            await task
        finally:
            await watch.stop()
            if self._api is target.api:
                self._api = None
            await target.close()

    def on_target_resolved(self, m: TargetResolved) -> None:
        if m.gen != self.gen:
            return
        self.context_name = m.context
        self.namespace_name = m.namespace
        self._paint_header()

    def on_watch_failed(self, m: WatchFailed) -> None:
        if m.gen != self.gen:
            return
        self.failure = m.error
        self.synced = True
        self._paint_header()
        self.notify(plain(m.error, 300), title="cannot watch the cluster", severity="error", timeout=10)

    def on_stream_state_changed(self, m: StreamStateChanged) -> None:
        if m.gen != self.gen:
            return
        self._states[(m.state.kind, m.state.namespace)] = m.state
        self._paint_header()
        self._paint_details()  # it says why the screen is not current

    def on_model_changed(self, m: ModelChanged) -> None:
        if m.gen != self.gen:
            return
        self._dirty |= m.changes.services
        self._diag_dirty |= m.changes.services
        views = self.model.topology.view
        for key in m.changes.services:
            spaces = self._ns_by_name.get(key[1])
            if views(key) is not None:
                if spaces is None:
                    self._ns_by_name[key[1]] = {key[0]}
                elif key[0] not in spaces:
                    spaces.add(key[0])
                    self._timeline_dirty = True  # that name now needs its namespace on the timeline
            elif spaces is not None and key[0] in spaces:
                spaces.discard(key[0])
                if not spaces:
                    del self._ns_by_name[key[1]]
                self._timeline_dirty = True
        if m.changes.entries:
            self._timeline_dirty = True
        if self.synced:
            self._schedule_flush()

    def on_watch_synced(self, m: WatchSynced) -> None:
        if m.gen != self.gen:
            return
        first, late = not self.synced, self.synced and m.complete and not self.complete
        if not (first or late):
            return
        if m.complete:
            self.complete = True
            # What the lists brought lives as long as the watch: keep the collector's full passes from
            # rescanning it (hundreds of ms per pass at 100,000 pods, stalling the screen under load).
            gc.freeze()
        self.synced = True
        if first:
            # The first build: everything. (When the pods join later, the model reports every
            # Service of their namespaces as changed, and that batch repaints them.)
            keys = set(self.model.topology.service_keys())
            self._diag_dirty |= keys
            self._dirty |= keys
            self._diagnose()
            self._expand_small = m.complete and self._small_tree()
        elif self.failure is None and not self.want_service and self._small_tree():
            # Decided only now that the tree is known whole: a partial model would look small.
            self._diagnose()
            self._expand_small = True
            self.tree.expand_services()
        self._repaint()
        if first and self.want_service:
            self._reveal_wanted()
        self._paint_header()

    def _reveal_wanted(self) -> None:
        if self.want_service is None:
            return
        ns = self.namespace_name if self.namespace_name != ALL else (self.ns_override or "default")
        key = (ns, self.want_service)
        if not self.tree.reveal(key):
            self.notify(f"Service {ns}/{plain(self.want_service)} not found", severity="warning")
        self.want_service = None
        self._details_dirty = True
        self._paint_details()

    def _small_tree(self) -> bool:
        """Would the whole tree, fully expanded, fit in EXPAND_ROWS rows and in the tree's height (a
        tree opened past the first screen hides Services and their badges)? Counted, not built."""
        now = self.now()
        rows = 0
        spaces: set[str] = set()
        limit = min(EXPAND_ROWS, self.tree.size.height or EXPAND_ROWS)
        for k in self.model.topology.service_keys():
            if not self._visible(k):
                continue
            n = R.service_row_count(self.model, k, now, self.findings.shown(k, now), limit - rows)
            if n:
                rows += n
                spaces.add(k[0])
            if rows + len(spaces) > limit:
                return False
        return True

    def _expand_new(self, key: Key, row: R.Row) -> bool:
        return self._expand_small and not self.want_service

    def _full_row(self, key: Key) -> R.Row | None:
        """A Service's row with all its children, now (the tree asks while the Service is expanded)."""
        if not self._visible(key):
            return None
        now = self.now()
        return R.service_row(self.model, key, now, self.tree.name_width(key[0]), self.findings.shown(key, now))

    # ---- repainting ----

    def _schedule_flush(self) -> None:
        """Repaint soon: at once when a token is left (a quiet spell refills BURST of them), else when
        the next one is due (one per FRAME); everything that arrives meanwhile joins that repaint."""
        if self._flush_pending:
            return
        self._flush_pending = True
        now = time.monotonic()
        tokens = min(float(BURST), self._tokens + (now - self._last_flush) / FRAME)
        if tokens >= 1:
            self.call_later(self._repaint)
        else:
            self.set_timer((1 - tokens) * FRAME, self._repaint)

    def tick(self) -> None:
        """Clock tick: settle stopwatches, re-age rows that show ages, advance the header clock."""
        if not self.query(ServiceTree):  # closing: the widgets go before the app's timers stop
            return
        now = self.now()
        self._dirty |= self.model.tick(now)
        self._dirty |= self.tree.animated  # rows on the tree's lines whose labels read the clock
        ripe = self.findings.tick(now)  # readiness findings that outlasted the grace period
        self._dirty |= ripe
        if DNS_SERVICE in ripe or stale_for(self._states.values(), now) is not None:
            self._paint_header()  # the stale age moves on
        self._paint_clock()
        chart = self._shown_pane() == "details-pane"  # its ready chart moves with the clock
        if self._dirty or self._timeline_dirty or chart:
            self._details_dirty = True
            self._repaint()

    def _repaint(self) -> None:
        """Bring the widgets up to date with the model: the touched Services' rows (only what can be
        seen is built), the namespace labels, the timeline and the details pane if shown."""
        try:
            self._repaint_now()
        except NoMatches:
            # Closing: a repaint timed before the quit (a tick, a frame-limited flush) can run after
            # Textual removed some widgets; with the header gone there is nothing left to paint.
            if self.query("#hdr-left"):
                raise

    def _repaint_now(self) -> None:
        self._flush_pending = False
        if not self.synced:
            return
        dirty, self._dirty = self._dirty, set()
        if len(dirty) > REPAINT_BUDGET:
            dirty, self._dirty = self._share(dirty)
            self._diagnose(dirty)
        else:
            self._diagnose()
        if not (dirty or self._timeline_dirty or self._details_dirty):
            return
        # Only a repaint that does work spends a token: a pod event that changed nothing on screen
        # must not delay its slice's event, right behind it.
        now_m = time.monotonic()
        self._tokens = max(0.0, min(float(BURST), self._tokens + (now_m - self._last_flush) / FRAME) - 1)
        self._last_flush = now_m
        self.repaints += 1
        now = self.now()
        tree = self.tree
        model = self.model
        services, views = model.store.services, model.topology.view
        by_ns: dict[str, list[tuple[Key, bool]]] = {}
        for key in dirty:
            shown = self._visible(key) and (key in services or views(key) is not None)
            by_ns.setdefault(key[0], []).append((key, shown))
            tree.will_show(key, shown)
        with tree.batch():
            for ns in sorted(by_ns):
                keys = by_ns[ns]
                if tree.update_name_width(ns):  # the name column changed: every label of ns again
                    seen = {k for k, _ in keys}
                    keys = keys + [(k, True) for k in tree.services_in(ns) if k not in seen]
                width = tree.name_width(ns)
                for key, shown in sorted(keys):
                    row = (R.service_head(model, key, now, width, self.findings.shown(key, now))
                           if shown else None)
                    tree.sync_service(key, row)
                tree.set_namespace_label(ns)
        selected = tree.selected_data()
        if selected is not None and len(selected) > 1 and selected[0] != "ns" and selected[1] in dirty:
            self._details_dirty = True
        if self._timeline_dirty:
            self._paint_timeline()
        if self._details_dirty:
            self._paint_details()
        paint_now(tree.screen, self._repainted())
        if self._dirty and not self._flush_pending:
            # What the budget left: a frame later, so the loop (keys, the watches) gets its turn.
            self._flush_pending = True
            self.set_timer(FRAME, self._repaint)

    def _repainted(self) -> list:
        """The widgets a repaint refreshes (looked up once)."""
        if self._repainted_widgets is None:
            self._repainted_widgets = [self.tree, self.query_one("#timeline-pane"), self.query_one("#details"),
                                       *self.query("#header Static")]
        return self._repainted_widgets

    def _share(self, dirty: set[Key]) -> tuple[set[Key], set[Key]]:
        """(now, later): rows not yet on the tree (a first build is never split) and those on screen
        now, then up to REPAINT_BUDGET others; the rest later."""
        tree = self.tree
        now = {k for k in dirty if tree.service_node(k) is None}
        now |= dirty & tree.keys_in_view()
        rest = dirty - now
        take = set(islice(rest, REPAINT_BUDGET))
        return now | take, rest - take

    def _diagnose(self, only: set[Key] | None = None) -> None:
        """The doctor again for the Services that changed since the last repaint (one batch), or for
        those of them in `only`."""
        if not self._diag_dirty:
            return
        if only is None:
            keys, self._diag_dirty = self._diag_dirty, set()
        else:
            keys = self._diag_dirty & only
            self._diag_dirty -= keys
        self.findings.update(self.model, keys, self.now(), probes=self.probe_log.results)
        if DNS_SERVICE in keys:
            self._paint_header()

    def _scope(self) -> str | None:
        """The one namespace on screen (None: all). A watch of one namespace also holds kube-dns
        (for the header's cluster DNS health), which is not the user's namespace to show."""
        if self.view_ns is not None:
            return self.view_ns
        return None if self.namespace_name in (ALL, "…") else self.namespace_name

    def _visible(self, key: Key) -> bool:
        scope = self._scope()
        if scope is not None and key[0] != scope:
            return False
        return R.matches(self.model, key, self.filter_text)

    def resync_all(self) -> None:
        self._dirty |= set(self.model.topology.service_keys()) | set(self.tree.services_shown())
        self._details_dirty = self._timeline_dirty = True
        self._repaint()

    def _paint_header(self) -> None:
        left = Text.assemble(("svctui", "bold"), " ─ ctx ", (plain(self.context_name), "bold"),
                             " ─ ns ", (plain(self.view_ns or self.namespace_name), "bold"), " ─ ")
        dns = self.findings.dns(self.now())
        if dns:  # cluster-wide (no Service name resolves): before the connection state, to survive 80 columns
            left.append_text(findings_badge(dns))
            left.append(" ─ ")
        left.append_text(self.connection_text())
        left.append_text(self.recording_mark())
        self._mark_stale()
        if self.read_only:
            left.append("  read-only", "bold magenta")
        if self.filter_text:
            left.append("  filter: ", "dim")
            left.append(plain(self.filter_text), "bold")
        left.no_wrap = True
        left.overflow = "ellipsis"
        self.query_one("#hdr-left", Static).update(left, layout=False)  # 1fr × 1: its size is fixed
        self._paint_clock()

    def connection_text(self) -> Text:
        """The header's source state: the streams here, the replay's position in ReplayApp."""
        return summary(self._states.values(), self.failure, self.now())

    def _mark_stale(self) -> None:
        """The tree says so too while any stream is down: its rows are the last known state."""
        trees = self.query(ServiceTree)
        if not trees:  # closing: the widgets go first
            return
        stale = stale_for(self._states.values(), self.now()) is not None
        if stale != trees.first().has_class("-stale"):
            self.tree.set_class(stale, "-stale")
            self.tree.border_title = "stale: the last state known, not the cluster's now" if stale else None

    def _paint_clock(self) -> None:
        text = hms(self.now())
        if text != self._clock_text:
            layout = self._clock_text is None or len(text) != len(self._clock_text)
            self._clock_text = text
            self.query_one("#hdr-clock", Static).update(Text(text), layout=layout)

    def _paint_tabs(self) -> None:
        scope = "all Services" if not self.timeline_selected_only else "selected Service"
        names = ["timeline", "details", *PANES]
        text = Text(" ")
        # Reverse video only while the keys go to the pane: the tree's cursor says so otherwise.
        focused = self._focus_in_bottom()
        for i, name in enumerate(names):
            on_ = self._pane == name
            title = self.pane_title(name)
            if i:
                text.append("│", "dim")
            text.append(f"[{title}]" if on_ else f" {title} ",
                        ("bold reverse" if focused else "bold underline") if on_ else "dim")
        probes = self.probe_status()
        if probes:
            text.append_text(probes)
        elif self._pane in PANES:
            text.append(f"  {self.key_for('probe.toggle')} probe", "dim")
        elif self._pane == "timeline":
            text.append(f"  {scope} (t)", "dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#pane-tabs", Static).update(text)

    def _focus_in_bottom(self) -> bool:
        node: DOMNode | None = self.focused
        while node is not None:
            if node.id == "bottom":
                return True
            node = node.parent
        return False

    def _timeline_key(self) -> Key | None:
        data = self.tree.selected_data()
        if data and data[0] != "ns" and len(data) > 1:
            return data[1]
        return None

    def _shown_pane(self) -> str | None:
        return self.query_one("#bottom", ContentSwitcher).current

    def _pane_shown(self, current: str | None) -> None:
        """The bottom pane switched: paint what was left stale while it was hidden."""
        self._fit_bottom()
        if current == "timeline-pane" and self._timeline_dirty:
            self._paint_timeline()
        elif current == "details-pane":
            self.query_one("#details", Pulled).invalidate(True)
            self._details_dirty = False

    def _paint_timeline(self) -> None:
        """Newest first, TIMELINE_ROWS at most. Lines already shown keep their rendered Text (and the
        widget its strips): a new entry costs one line, not the timeline. Hidden: left dirty."""
        if self._shown_pane() != "timeline-pane":
            self._timeline_dirty = True
            return
        self._timeline_dirty = False
        view = self.query_one("#timeline-pane", Lines)
        key = self._timeline_key() if self.timeline_selected_only else None
        if self.timeline_selected_only and key is None:
            view.set_lines([Text("select a Service to see its timeline (t: all)", "dim")])
            return
        changes = self.model.ledger.entries(key)[-TIMELINE_ROWS:]
        probes = self.probe_log.entries(key)[-TIMELINE_ROWS:]
        if key is None:
            # A view of one namespace shows its lines; a watch of one namespace keeps the lines of the
            # namespaces watched before (a switch keeps the timeline) but not the kube-dns stream's, which
            # is there for the header's DNS health only.
            hidden = None if self.namespace_name in (ALL, "…", DNS_SERVICE[0]) else DNS_SERVICE[0]
            changes = [e for e in changes if (self.view_ns is None or e.service[0] == self.view_ns)
                       and e.service[0] != hidden]
            probes = [e for e in probes if (self.view_ns is None or e.service[0] == self.view_ns)
                      and e.service[0] != hidden]
        # One line per endpoint change, naming every Service it touched (a pod behind two Services).
        rows: list = [(g.entry, g.services) for g in group_changes(changes)] + [(e, (e.service,)) for e in probes]
        # Within one timestamp, arrival order is an accident of batching: order ties by Service, then
        # by the order the changes happen in, then by address. Probe lines (panes/) merge in by time.
        rows = sorted(rows, key=lambda r: (r[0].time, r[1], _CHANGE_RANK.get(r[0].change, 3), r[0].address))
        rows = rows[-TIMELINE_ROWS:]
        # A Service's name alone, unless another namespace has a Service of the same name.
        spaces = self._ns_by_name
        # Lines kept from another namespace (a switch keeps the timeline) are qualified too.
        here = None if self.namespace_name == ALL else self.namespace_name
        twice = {k[1] for _, services in rows for k in services
                 if len(spaces.get(k[1], ())) > 1 or (here is not None and k[0] != here)}
        shown = [(e, services, service_names(services, twice)) for e, services in reversed(rows)]
        width = min(30, max((len(n) for _, _, n in shown), default=0))
        old, cache = self._tl_lines, {}
        lines = []
        for e, _services, names in shown:
            hit = old.get(id(e))
            if hit is not None and hit[0] is e and hit[1] == names and hit[2] == width:
                line = hit[3]
            else:
                line = (probe_line(e, e.service[1] in twice, hms_ms, width) if isinstance(e, ProbeEntry)
                        else R.timeline_line(e, False, hms_ms, width, names))
            cache[id(e)] = (e, names, width, line)
            lines.append(line)
        self._tl_lines = cache
        if not lines:
            lines = [Text("no endpoint changes yet: delete a pod (ctrl+d) or scale a Deployment to see churn", "dim")]
        view.set_lines(lines)
        if self._timeline_empty != (not cache):
            self._timeline_empty = not cache
            self._fit_bottom()

    def _paint_details(self) -> None:
        """The details of the selection: now if the pane is shown, else when it is next drawn."""
        self._details_dirty = False
        self.query_one("#details", Pulled).invalidate(self._shown_pane() == "details-pane")

    def _details_text(self) -> Text:
        text = self._down_text()
        if not self.synced:
            text.append("waiting for the first list of Services, EndpointSlices and Pods…", "dim")
        elif not self.tree.service_count():
            text.append(self._empty_text(), "dim")
        else:
            text.append_text(details_text.for_selection(self.model, self.tree.selected_data(), self.now(),
                                                        self.findings))
        return text

    def _down_text(self) -> Text:
        """Why the screen is not current, whole (the header has room for the kind of failure only)."""
        down = [s for s in self._states.values() if s.state in (RECONNECTING, LOST)]
        out = Text()
        if down:
            out.append("not current — the cluster is not answering every watch:\n", "bold yellow")
            for line in detail_lines(down):
                out.append(f"  {line}\n", "yellow")
            out.append("\n")
        return out

    def _empty_text(self) -> str:
        if self.filter_text:
            return f"no Service matches {self.filter_text!r} (esc clears the filter)"
        scope = self.view_ns or (self.namespace_name if self.namespace_name != ALL else "any namespace")
        services = self._states.get((SERVICE, None)) or next(
            (s for k, s in self._states.items() if k[0] == SERVICE), None)
        if services is not None and services.heard is None and services.state in (RECONNECTING, LOST):
            return f"no Services known in {scope}: the Service list never arrived (see above)"
        return f"no Services in {scope}"

    # ---- events from the tree ----

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._details_dirty = True
        if self.timeline_selected_only:
            self._timeline_dirty = True
        self._schedule_flush()

    # ---- actions ----

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

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()
        self.call_after_refresh(self._fit_bottom)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._paint_header()
        self.resync_all()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            box.display = False
            self.call_after_refresh(self._fit_bottom)
        self.tree.focus()

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if self.focused is not self.tree and self.focused is not box:
            # Out of a pane (timeline, details: command panes have their own esc): back to the tree.
            if self.pane_size.maximized:
                self.action_pane_max()
            self.tree.focus()
            return
        if box.display or self.filter_text:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self._paint_header()
            self.resync_all()
            self.tree.focus()
            self.call_after_refresh(self._fit_bottom)

    def action_timeline_scope(self) -> None:
        self.timeline_selected_only = not self.timeline_selected_only
        self._paint_tabs()
        self._paint_timeline()

    def action_cycle_pane(self, step: int = 1) -> None:
        if isinstance(self.screen, Screen) and self.screen is not self.screen_stack[0]:
            # Modal screens keep tab for their own focus chain.
            self.screen.focus_next() if step > 0 else self.screen.focus_previous()
            return
        order = ["tree", "timeline-pane", "details-pane", *(f"{p}-pane" for p in PANES)]
        cur = "tree"
        node: DOMNode | None = self.focused
        while node is not None:  # a command pane's focus is on its input, inside the pane
            if node.id in order:
                cur = node.id
                break
            node = node.parent
        nxt = order[(order.index(cur) + step) % len(order)]
        if nxt != "tree":
            self._pane = nxt.removesuffix("-pane")
            self.query_one("#bottom", ContentSwitcher).current = nxt
            self._paint_tabs()
        target = self.query_one(f"#{nxt}")
        if nxt.removesuffix("-pane") in PANES:
            target = self.pane(nxt.removesuffix("-pane")).input
        target.focus()

    def action_namespace(self) -> None:
        self._pick_namespace()

    @work(group="pick", exclusive=True, exit_on_error=False)
    async def _pick_namespace(self) -> None:
        known = {k[0] for k in self.model.topology.service_keys()} | {k[0] for k in self.model.store.pods}
        if self._api is not None:
            known |= set(await list_namespaces(self._api, timeout=3.0))
        choices = [ALL, *sorted(known)]
        current = self.view_ns or (self.namespace_name if self.namespace_name != ALL else ALL)
        await self.push_screen(PickScreen("Namespace", choices, current), self._namespace_chosen)

    def _namespace_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        if self.namespace_name == ALL:
            # Watching everything already: switching is only a change of view, history is kept.
            self.view_ns = None if choice == ALL else choice
            self._dirty |= set(self.tree.services_shown())
            self._paint_header()
            self.resync_all()
            return
        if choice == ALL:
            self.watch_all, self.ns_override, self.view_ns = True, None, None
            self.namespace_name = ALL
        else:
            self.watch_all, self.ns_override, self.view_ns = False, choice, None
            self.namespace_name = choice
        seen = self.model.ledger
        self._start_watch()
        self.model.ledger.carry_history(seen)  # same cluster: what the timeline showed stays

    def action_context(self) -> None:
        names, current = list_contexts(self.kubeconfig)
        if not names:
            self.notify("no kubeconfig contexts to choose from", severity="warning")
            return
        self.push_screen(PickScreen("Context", names, self.context_name if self.context_name in names else current),
                         self._context_chosen)

    def _context_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        self.context = choice
        self.context_name = choice
        if not self.watch_all:
            self.ns_override = None  # the new context's own namespace
            self.namespace_name = "…"
        self.view_ns = None
        self._start_watch()

    def action_delete(self) -> None:
        if self.read_only:
            self.notify("read-only mode: deleting pods is disabled (started with --read-only)",
                        title="refused", severity="error")
            return
        plan = self._delete_plan()
        if isinstance(plan, str):
            self.notify(plan, severity="warning")
            return
        self.run_worker(self._offer_delete(plan), group="delete check", exclusive=True, exit_on_error=False)

    async def _offer_delete(self, plan: DeletePlan) -> None:
        """The confirmation only when the cluster says the user may delete those pods."""
        pods = list(plan.pods)
        if self._api is not None and pods:
            lacking = await access_review.missing(self._api, access_review.delete_pods(pods[0].namespace), timeout=5.0)
            if lacking:
                self.notify(plain(f"{access_review.refusal(lacking)}: svctui does not offer to delete them"),
                            title="refused", severity="error", markup=False)
                return
        self.push_screen(ConfirmDelete(plan.title, pods, plan.equivalent, self._deleter), self._deleted)

    def _delete_plan(self) -> DeletePlan | str:
        data = self.tree.selected_data()
        if data is None:
            return delete_plan(self.model, None, None)
        return delete_plan(self.model, data[0], data[1] if len(data) > 1 else None, data[2] if len(data) > 2 else None)

    async def _deleter(self, pods: list[actions.PodRef]) -> list[actions.DeleteResult]:
        if self._api is None:
            raise RuntimeError("not connected to a cluster")
        return await actions.delete_pods(self._api, pods, read_only=self.read_only)

    def _deleted(self, results: list[actions.DeleteResult] | None) -> None:
        if results is None:
            return
        self.post_message(DeleteDone(results))

    def on_delete_done(self, m: DeleteDone) -> None:
        ok = [r for r in m.results if r.ok]
        if ok:
            self.notify(f"deleted {R.plural(len(ok), 'pod')}: watch the IPs go and come back", timeout=4)

    # ---- the bottom pane's size ----

    def on_resize(self, _event) -> None:
        self.call_after_refresh(self._fit_bottom)

    def _fit_bottom(self) -> None:
        """The pane's rows (layout.PaneSize): one line while it has nothing to say, the tree's blank rows
        when the tree is short, the user's +/- and z."""
        if not self._main_screen_up():
            return
        bottom = self.query_one("#bottom", ContentSwitcher)
        # The open filter docks its 3 rows above the footer: uncounted, the screen scrolled the header away.
        fixed = sum(w.outer_size.height for w in self.query("#header, #pane-tabs, Footer, #filter") if w.display)
        shared = self.size.height - fixed
        quiet = self._shown_pane() == "timeline-pane" and self._timeline_empty
        rows = self.pane_size.rows(shared, self.tree.virtual_size.height, quiet)
        self.tree.display = not self.pane_size.maximized
        if bottom.styles.height is None or bottom.styles.height.value != rows:
            bottom.styles.height = rows

    def action_pane_grow(self, step: int) -> None:
        bottom = self.query_one("#bottom", ContentSwitcher)
        fixed = sum(w.outer_size.height for w in self.query("#header, #pane-tabs, Footer") if w.display)
        self.pane_size.grow(bottom.outer_size.height, step, self.size.height - fixed)
        self._fit_bottom()

    def action_pane_max(self) -> None:
        self.pane_size.maximized = not self.pane_size.maximized
        self._fit_bottom()
        if self.pane_size.maximized and self.focused is self.tree:
            # The tree is hidden: the keys go to the pane shown.
            shown = self._shown_pane() or "timeline-pane"
            kind = shown.removesuffix("-pane")
            (self.pane(kind).input if kind in PANES else self.query_one(f"#{shown}")).focus()
        elif not self.pane_size.maximized and self.focused is None:
            self.tree.focus()

    def on_descendant_focus(self, _event) -> None:
        if self._main_screen_up():
            self._paint_tabs()  # the strip marks where the keys go

    def _main_screen_up(self) -> bool:
        # Resize and focus events come during start-up and shutdown too, when the widgets (or even the
        # screen stack: ScreenStackError, seen once in 14 runs of a leftovers test) are not there.
        return bool(self.screen_stack) and bool(self.screen_stack[0].query("#bottom"))

    def action_describe(self) -> None:
        """The selected row's object, from the watch's cache: no GET, nothing the watch could not see."""
        data = self.tree.selected_data()
        if data is None or data[0] == "ns" or len(data) < 2:
            self.notify("select a Service, slice or endpoint to describe", severity="warning")
            return
        key: Key = data[1]
        store = self.model.store
        obj: object | None
        if data[0] == "slice":
            obj, what = store.slices.get((key[0], data[2])), f"EndpointSlice {key[0]}/{data[2]}"
        elif data[0] == "ep":
            view = self.model.topology.view(key)
            row = view.rows.get(data[2]) if view else None
            pod = self.model.topology.pod_for(key[0], row.endpoint)[0] if row else None
            obj, what = (pod, f"Pod {key[0]}/{pod.name}") if pod else (row.endpoint if row else None,
                                                                       f"Endpoint {data[2]}")
        elif data[0] == "pod":
            obj, what = store.pods.get((key[0], data[2])), f"Pod {key[0]}/{data[2]}"
        else:
            obj, what = store.services.get(key), f"Service {key[0]}/{key[1]}"
        if obj is None:
            self.notify(f"{what} is not in the cache (gone, or not listed)", severity="warning")
            return
        self.push_screen(DescribeScreen(what, describe_lines(obj)))

    # ---- command palette ----

    def get_system_commands(self, screen: Screen):
        yield SystemCommand("Filter Services", "Filter by name, IP, label or pod (/)", self.action_filter)
        yield SystemCommand("Switch namespace", "Choose a namespace or all (n)", self.action_namespace)
        yield SystemCommand("Switch context", "Choose a kubeconfig context; restarts the watch (c)",
                            self.action_context)
        yield SystemCommand("Timeline: selected Service / all", "Toggle the timeline's scope (t)",
                            self.action_timeline_scope)
        yield SystemCommand("Show details pane", "Details of the selected row", self._show_details)
        yield SystemCommand("Show timeline pane", "The churn ledger, newest first", self._show_timeline)
        if not self.read_only:
            yield SystemCommand("Delete pods", "The selected pod, or all pods behind the selected Service (ctrl+d)",
                                self.action_delete)
        yield SystemCommand("Lookup (nslookup)", "nslookup the selected Service from a debug pod (l)", self.action_lookup)
        yield SystemCommand("DNS walk", "The selected Service's name through CoreDNS, by port-forward (d)",
                            self.action_dns)
        yield SystemCommand("Curl the Service", "One request from a debug pod (u)", self.action_curl)
        yield SystemCommand("Load balancing", "Requests from a debug pod: which backend answered (b)",
                            self.action_balance)
        yield SystemCommand("Probe on/off", "Request the Service continuously; results on the timeline (p)",
                            self.action_probe)
        yield SystemCommand("Describe", "The selected object's fields as svctui holds them (y)", self.action_describe)
        yield SystemCommand("Doctor: findings of the selected Service", "The details pane lists them", self._show_details)
        yield SystemCommand("Maximise the bottom pane / back", "z", self.action_pane_max)
        yield SystemCommand("Help", "Keys and what they do; i shows the binding ids (?)", self.action_help)
        yield from super().get_system_commands(screen)

    def _show_details(self) -> None:
        self._pane = "details"
        self.query_one("#bottom", ContentSwitcher).current = "details-pane"
        self._paint_tabs()

    def _show_timeline(self) -> None:
        self._pane = "timeline"
        self.query_one("#bottom", ContentSwitcher).current = "timeline-pane"
        self._paint_tabs()


def run_app(**kw) -> int:
    app = SvctuiApp(**kw)
    app.run()
    return app.return_code or 0


