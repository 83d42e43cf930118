"""The svctui screen: header, the Service tree, a bottom pane (timeline, details, command panes). It owns
the watch and the repaint timing; the widgets own their data (ARCHITECTURE.md, "The UI by ownership").

The watch's sink updates the ClusterModel on this loop and posts one ModelChanged per loop turn; the
screen only collects the touched Services (tree_rows.py) and repaints them (`_repaint`), at once after a
quiet spell and at most once per FRAME in a burst (frames.py), so untouched rows are never rebuilt. Only
what can be seen is built: a collapsed Service is its label, the timeline appends rendered lines, the
details pane is computed when shown. Time comes from the injected `clock` (tests freeze it); a tick
re-reads it for ages and stopwatches.
"""

from __future__ import annotations

import gc
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input, Tree

from svctui.kube.state import StreamState
from svctui.kube.watch import ClusterWatch
from svctui.model.churn import ChurnLedger
from svctui.model.cluster import ClusterModel
from svctui.model.diagnose import DNS_SERVICE
from svctui.model.objects import Key
from svctui.model.sanitize import plain

from .. import rows as R
from ..bottom import BottomPanes
from ..connection import mark_stale, stale_for, summary
from ..details_pane import DetailsPane
from ..findings import badge as findings_badge
from ..frames import FRAME, FrameBudget
from ..header import HeaderBar, header_text
from ..messages import DeleteDone, ModelChanged, StreamStateChanged, TargetResolved, WatchFailed, WatchSynced
from ..paint import paint_now
from ..panes.controller import PaneController
from ..panes.leftovers import LeftoversOffer
from ..panes.messages import ProbeAnswered, ProbesChanged
from ..panes.pane import BalancePane, CommandPane, CurlPane, DnsPane, LookupPane
from ..recording import RecordingControl
from ..scope import ALL, WatchScope
from ..tabs import PaneTabs
from ..timeline import TimelinePane
from ..tree_rows import TreeRows
from ..watching import WatchConfig, WatchHooks, WatchTarget, watch_cluster
from ..widgets.service_tree import ServiceTree
from .main_keys import MainKeys


class MainScreen(Screen[None]):
    def __init__(self, cfg: WatchConfig) -> None:
        super().__init__(id="main")
        self.cfg = cfg
        self.scope = WatchScope.asked(cfg.kubeconfig, cfg.context, cfg.namespace, cfg.all_namespaces)
        self.want_service = cfg.service
        self.read_only = cfg.read_only
        self.now = cfg.clock
        self.gen = 0
        self.model = self._new_model()
        self.failure: str | None = None
        self.synced = False  # the tree is built (see WatchSynced: maybe before the pods are in)
        self.complete = False  # every stream has listed once
        self._api: Any = None
        self.cluster_watch: ClusterWatch | None = None
        self.states: dict[tuple[str, str | None], StreamState] = {}
        self.rows = TreeRows()
        self._flush_pending = False
        self._repainted_widgets: list | None = None
        self.frames = FrameBudget()
        self.repaints = 0  # flushes that did work (tests check coalescing)
        self.header = HeaderBar()
        self.tabs = PaneTabs()
        self.timeline = TimelinePane()
        self.details = DetailsPane(self.details_text)
        self.panes = PaneController(self, lambda kind: self.bottom.open(kind), read_only=cfg.read_only,
                                    now=cfg.clock, debug_session_id=cfg.debug_session_id)
        self.recording = RecordingControl(self.notify, cfg.clock)
        self.bottom = BottomPanes(self.tabs, self.timeline, self.panes)
        self.leftovers = LeftoversOffer(self.panes.session, lambda: self._api, read_only=cfg.read_only)
        self.keys = MainKeys(self)

    @property
    def api(self) -> Any:
        """The watch's API client of the moment (None between watches)."""
        return self._api

    def _new_model(self) -> ClusterModel:
        return ClusterModel(ChurnLedger(**(self.cfg.ledger_options or {})))

    def compose(self) -> ComposeResult:
        yield self.header
        yield ServiceTree(id="tree")
        yield self.tabs
        with self.bottom:
            yield self.timeline
            yield self.details
            yield LookupPane("lookup")
            yield CurlPane("curl")
            yield BalancePane("lb")
            yield DnsPane("dns")
        yield Input(placeholder="filter: name, IP, label, pod… (enter keeps it, esc clears)", id="filter")
        yield Footer(compact=True)
        yield self.panes
        yield self.leftovers

    @property
    def tree(self) -> ServiceTree:  # type: ignore[override]  # over DOMNode.tree (a debug view svctui never asks for)
        return self.query_one(ServiceTree)

    def pane(self, kind: str) -> CommandPane:
        return self.query_one(f"#{kind}-pane", CommandPane)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        tree = self.tree
        tree.expand_new = lambda key, row: self.rows.expand_small and not self.want_service
        # A Service's row with all its children, now (the tree asks while the Service is expanded).
        tree.children_for = lambda key: self.rows.full_row(self.tree, self.model, key, self.now(), self._visible)
        tree.ns_note = lambda ns: R.namespace_gaps(self.model, ns)
        self.watch(self.bottom, "current", self._pane_shown, init=False)
        self.watch(tree, "virtual_size", lambda _size: self.fit_bottom(), init=False)
        self.call_after_refresh(self.fit_bottom)
        tree.focus()
        self.paint_header()
        self.paint_tabs()
        self.paint_timeline()
        self._paint_details()
        if self.cfg.tick:
            self.set_interval(self.cfg.tick, self.tick)

    # ---- the watch ----

    def start_watch(self, widgets: bool = True) -> None:
        self.gen += 1
        self.recording.stop("ended: the watch restarted")
        self.model = self._new_model()
        self.states.clear()
        self.failure = None
        self.synced = False
        self.complete = False
        self.rows.clear()
        self.timeline.reset()
        self.details.dirty = True
        if widgets:
            self.tree.clear_all()
            self.paint_header()
        self._watch(self.gen)

    @work(group="watch", exclusive=True, exit_on_error=False)
    async def _watch(self, gen: int) -> None:
        s, c = self.scope, self.cfg
        target = WatchTarget(s.kubeconfig, s.context, s.ns_override, s.watch_all, c.watch_options, c.clock,
                             c.sync_timeout)
        hooks = WatchHooks(lambda ch: self.post_message(ModelChanged(gen, ch)),
                           lambda st: self.post_message(StreamStateChanged(gen, st)),
                           self.post_message, self._connected, self._disconnected)
        await watch_cluster(target, gen, self.model, hooks)

    def _connected(self, api: Any, watch: ClusterWatch | None) -> None:
        self._api, self.cluster_watch = api, watch or self.cluster_watch

    def _disconnected(self, api: Any) -> None:
        self._api = None if self._api is api else self._api

    def on_target_resolved(self, m: TargetResolved) -> None:
        if m.gen == self.gen:
            self.scope.context_name = m.context
            self.scope.namespace_name = m.namespace
            self.paint_header()
        self.panes.retarget()

    def on_watch_failed(self, m: WatchFailed) -> None:
        if m.gen != self.gen:
            return
        self.failure = m.error
        self.synced = True
        self.paint_header()
        self.notify(plain(m.error, 300), title="cannot watch the cluster", severity="error", timeout=10)

    def on_stream_state_changed(self, m: StreamStateChanged) -> None:
        if m.gen != self.gen:
            return
        self.states[(m.state.kind, m.state.namespace)] = m.state
        self.paint_header()
        self._paint_details()  # it says why the screen is not current

    def on_model_changed(self, m: ModelChanged) -> None:
        if m.gen != self.gen:
            return
        self.rows.mark(m.changes.services)
        self.timeline.note_services(self.model, m.changes.services)
        if m.changes.entries:
            self.timeline.dirty = True
        if self.synced:
            self._schedule_flush()

    def on_watch_synced(self, m: WatchSynced) -> None:
        if m.gen != self.gen:
            return
        self.leftovers.check()
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
            self.rows.mark(self.model.topology.service_keys())
            self._diagnose()
            self.rows.expand_small = m.complete and self._small_tree()
        elif self.failure is None and not self.want_service and self._small_tree():
            # Decided only now that the tree is known whole: a partial model would look small.
            self._diagnose()
            self.rows.expand_small = True
            self.tree.expand_services()
        self._repaint()
        if first and self.want_service:
            self._reveal_wanted()
        self.paint_header()

    def _reveal_wanted(self) -> None:
        if self.want_service is None:
            return
        s = self.scope
        ns = s.namespace_name if s.namespace_name != ALL else (s.ns_override or "default")
        if not self.tree.reveal((ns, self.want_service)):
            self.notify(f"Service {ns}/{plain(self.want_service)} not found", severity="warning")
        self.want_service = None
        self.details.dirty = True
        self._paint_details()

    def _small_tree(self) -> bool:
        return self.rows.small_tree(self.model, self.now(), self._visible, self.tree.size.height)


    def _visible(self, key: Key) -> bool:
        return self.scope.visible(self.model, key)

    # ---- repainting ----

    def _schedule_flush(self) -> None:
        """Repaint soon: at once when a token is left (a quiet spell refills BURST of them), else when
        the next one is due (one per FRAME); everything that arrives meanwhile joins that repaint."""
        if self._flush_pending:
            return
        self._flush_pending = True
        wait = self.frames.wait()
        if wait:
            self.set_timer(wait, self._repaint)
        else:
            self.call_later(self._repaint)

    def tick(self) -> None:
        """Clock tick: settle stopwatches, re-age rows that show ages, advance the header clock."""
        if not self.query(ServiceTree):  # closing: the widgets go before the timers stop
            return
        now = self.now()
        ripe = self.rows.tick(self.model, self.tree, now)
        if DNS_SERVICE in ripe or stale_for(self.states.values(), now) is not None:
            self.paint_header()  # the stale age moves on
        self.header.show_clock(now)
        chart = self.bottom.current == "details-pane"  # its ready chart moves with the clock
        if self.rows.dirty or self.timeline.dirty or chart:
            self.details.dirty = True
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
        tree = self.tree
        dirty, shared = self.rows.take(tree)
        self._diagnose(dirty if shared else None)
        if not (dirty or self.timeline.dirty or self.details.dirty):
            return
        # Only a repaint that does work spends a token: a pod event that changed nothing on screen
        # must not delay its slice's event, right behind it.
        self.frames.spend()
        self.repaints += 1
        self.rows.sync(tree, self.model, dirty, self.now(), self._visible)
        selected = tree.selected_data()
        if selected is not None and len(selected) > 1 and selected[0] != "ns" and selected[1] in dirty:
            self.details.dirty = True
        if self.timeline.dirty:
            self.paint_timeline()
        if self.details.dirty:
            self._paint_details()
        if self._repainted_widgets is None:  # the widgets a repaint refreshes, looked up once
            self._repainted_widgets = [tree, self.timeline, self.query_one("#details"), *self.query("#header Static")]
        paint_now(self, self._repainted_widgets)
        if self.rows.dirty and not self._flush_pending:
            # What the budget left: a frame later, so the loop (keys, the watches) gets its turn.
            self._flush_pending = True
            self.set_timer(FRAME, self._repaint)

    def _diagnose(self, only: set[Key] | None = None) -> None:
        if DNS_SERVICE in self.rows.diagnose(self.model, self.now(), self.panes.probe_log.results, only):
            self.paint_header()

    def resync_all(self) -> None:
        self.rows.dirty |= set(self.model.topology.service_keys()) | set(self.tree.services_shown())
        self.details.dirty = self.timeline.dirty = True
        self._repaint()

    # ---- the widgets' data ----

    def paint_header(self) -> None:
        now, s = self.now(), self.scope
        dns = self.rows.findings.dns(now)
        self._mark_stale()
        self.header.show(header_text(s.context_name, s.shown_name(), findings_badge(dns) if dns else None,
                                     self.connection_text(), self.recording.mark(), self.read_only,
                                     s.filter_text), now)

    def connection_text(self) -> Text:
        """The header's source state: the streams here, the replay's position in ReplayScreen."""
        return summary(self.states.values(), self.failure, self.now())

    def _mark_stale(self) -> None:
        trees = self.query(ServiceTree)
        if trees:  # closing: the widgets go first
            mark_stale(trees.first(), stale_for(self.states.values(), self.now()) is not None)

    def paint_timeline(self) -> None:
        """Hidden: left dirty, painted when next shown."""
        if self.bottom.current != "timeline-pane":
            self.timeline.dirty = True
            return
        key = None
        data = self.tree.selected_data() if self.timeline.selected_only else None
        if data and data[0] != "ns" and len(data) > 1:
            key = data[1]
        if self.timeline.paint(self.model, self.panes.probe_log, key, self.scope.namespace_name, self.scope.view_ns):
            self.fit_bottom()

    def _paint_details(self) -> None:
        self.details.paint(self.bottom.current == "details-pane")

    def details_text(self) -> Text:
        return self.details.text_for(self.synced, self.tree, self.model, self.now(), self.rows.findings,
                                     self.states, self.scope)

    def _pane_shown(self, current: str | None) -> None:
        """The bottom pane switched: paint what was left stale while it was hidden."""
        self.fit_bottom()
        if current == "timeline-pane" and self.timeline.dirty:
            self.paint_timeline()
        elif current == "details-pane":
            self.details.paint(True)

    def paint_tabs(self) -> None:
        self.bottom.paint_tabs()

    def fit_bottom(self) -> None:
        """The pane's rows (layout.PaneSize, bottom.py); the tree is hidden while the pane is maximised."""
        if not self.is_attached or not self.query("#bottom"):
            # Resize and focus events come during start-up and shutdown too, when the widgets are not there.
            return
        self.tree.display = not self.bottom.pane_size.maximized
        self.bottom.fit(self.size.height - self.fixed_rows(), self.tree.virtual_size.height)

    def fixed_rows(self) -> int:
        # The open filter docks its 3 rows above the footer: uncounted, the screen scrolled the header away.
        return sum(w.outer_size.height for w in self.query("#header, #pane-tabs, Footer, #filter") if w.display)

    # ---- what the keys, the panes and the tree change ----

    def refilter(self) -> None:
        """The scope's filter or view changed: the header says so, every row is rebuilt."""
        self.paint_header()
        self.resync_all()

    def on_delete_done(self, m: DeleteDone) -> None:
        ok = [r for r in m.results if r.ok]
        if ok:
            self.notify(f"deleted {R.plural(len(ok), 'pod')}: watch the IPs go and come back", timeout=4)

    def on_probes_changed(self, m: ProbesChanged) -> None:
        if m.timeline:
            self.timeline.dirty = True
            self._schedule_flush()
        self.paint_tabs()

    def on_probe_answered(self, m: ProbeAnswered) -> None:
        self.recording.record_probe(m.result)
        if m.counted:
            # Refused requests are evidence for a port finding (model/refusals.py): diagnose and repaint
            # the row with each result (one row every PROBE_INTERVAL).
            self.rows.mark([m.result.service])
            self.details.dirty = True
            self._schedule_flush()
            self.paint_tabs()

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.details.dirty = True
        if self.timeline.selected_only:
            self.timeline.dirty = True
        self._schedule_flush()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.scope.filter_text = event.value.strip()
        self.refilter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            box.display = False
            self.call_after_refresh(self.fit_bottom)
        self.tree.focus()

    async def shutdown(self) -> None:
        """Quit: the recording gets its end, the debug pods go (the app calls this once the widgets are gone)."""
        self.recording.close()
        await self.panes.cleanup_debug_pods()
