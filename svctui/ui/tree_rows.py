"""What the Service tree shows, kept current: which Services' rows are out of date, their findings,
and the building of their rows (ui/rows.py) into the tree. Owned by the main screen, which decides
when a repaint happens (screens/main.py); this decides what one repaint rebuilds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from svctui.model.cluster import ClusterModel
from svctui.model.objects import Key
from svctui.model.probe import ProbeResult

from . import rows as R
from .findings import FindingsTracker
from .widgets.service_tree import ServiceTree

# Rows a repaint rebuilds at most, besides new ones and those on screen (~0.15 ms each with their
# diagnosis): when the pods of 10,000 Services join the tree at once, the rest follows a frame
# later, and so on, instead of freezing the screen for 1.4 s.
REPAINT_BUDGET = 300
# Without a Service argument, the tree opens fully expanded while it has at most this many rows
# (about two screens at 80×24): beyond that an expanded tree is a wall, so Services start closed.
EXPAND_ROWS = 40

Visible = Callable[[Key], bool]


class TreeRows:
    def __init__(self) -> None:
        self.dirty: set[Key] = set()  # rows to rebuild
        self.diag_dirty: set[Key] = set()  # Services to diagnose again (from Changes.services)
        # Findings, shown per the grace rule.
        self.findings = FindingsTracker()
        self.expand_small = True  # new Services open expanded (the whole tree fits on a screen or two)

    def clear(self) -> None:
        self.dirty.clear()
        self.diag_dirty.clear()
        self.findings.clear()

    def mark(self, keys: Iterable[Key]) -> None:
        """These Services changed: their rows and their diagnosis are out of date."""
        keys = set(keys)
        self.dirty |= keys
        self.diag_dirty |= keys

    def tick(self, model: ClusterModel, tree: ServiceTree, now: float) -> set[Key]:
        """The clock moved: rows whose stopwatches settled or whose labels read the clock are out of date.
        Returns the Services whose readiness findings outlasted the grace period."""
        self.dirty |= model.tick(now)
        self.dirty |= tree.animated
        ripe = self.findings.tick(now)
        self.dirty |= ripe
        return ripe

    def diagnose(self, model: ClusterModel, now: float, probes: Callable[[Key], Sequence[ProbeResult]],
                 only: set[Key] | None = None) -> set[Key]:
        """The doctor again for the Services that changed since the last repaint (one batch), or for
        those of them in `only`. Returns the Services diagnosed."""
        if not self.diag_dirty:
            return set()
        if only is None:
            keys, self.diag_dirty = self.diag_dirty, set()
        else:
            keys = self.diag_dirty & only
            self.diag_dirty -= keys
        self.findings.update(model, keys, now, probes=probes)
        return keys

    def take(self, tree: ServiceTree) -> tuple[set[Key], bool]:
        """The rows this repaint rebuilds, and whether that is only a share of them (the rest waits in
        `dirty`): rows not yet on the tree (a first build is never split) and those on screen, then up
        to REPAINT_BUDGET others."""
        dirty, self.dirty = self.dirty, set()
        if len(dirty) <= REPAINT_BUDGET:
            return dirty, False
        now = {k for k in dirty if tree.service_node(k) is None}
        now |= dirty & tree.keys_in_view()
        rest = dirty - now
        take = set(islice(rest, REPAINT_BUDGET))
        self.dirty = rest - take
        return now | take, True

    def sync(self, tree: ServiceTree, model: ClusterModel, dirty: set[Key], now: float, visible: Visible) -> None:
        """Rebuild these Services' rows (only what can be seen is built) and their namespaces' labels."""
        services, views = model.store.services, model.topology.view
        by_ns: dict[str, list[tuple[Key, bool]]] = {}
        for key in dirty:
            shown = visible(key) and (key in services or views(key) is not None)
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

    def small_tree(self, model: ClusterModel, now: float, visible: Visible, height: int = EXPAND_ROWS) -> bool:
        """Would the whole tree, fully expanded, fit in EXPAND_ROWS rows and in the tree's `height` (a tree
        opened past the first screen hides Services and their badges)? Counted, not built; stops early."""
        limit = min(EXPAND_ROWS, height or EXPAND_ROWS)
        rows = 0
        spaces: set[str] = set()
        for k in model.topology.service_keys():
            if not visible(k):
                continue
            n = R.service_row_count(model, k, now, self.findings.shown(k, now), limit - rows)
            if n:
                rows += n
                spaces.add(k[0])
            if rows + len(spaces) > limit:
                return False
        return True

    def full_row(self, tree: ServiceTree, model: ClusterModel, key: Key, now: float, visible: Visible) -> R.Row | None:
        """A Service's row with all its children (the tree asks while the Service is expanded)."""
        if not visible(key):
            return None
        return R.service_row(model, key, now, tree.name_width(key[0]), self.findings.shown(key, now))
