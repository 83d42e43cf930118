"""The churn timeline pane: the ledger's entries and the probes' transitions, newest first.

The widget owns what its painting needs between repaints: which namespaces have a Service of each name
(a name twice is written with its namespace) and the lines already rendered (a new entry costs one line,
not the timeline). The screen tells it which Services changed (`note_services`) and when to paint.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from svctui.model.cluster import ClusterModel
from svctui.model.diagnose import DNS_SERVICE
from svctui.model.objects import Key
from svctui.model.probe import ProbeEntry, ProbeLog
from svctui.model.timeline import group_changes, service_names

from . import rows as R
from .clock import hms_ms
from .scope import ALL
from .timeline_lines import probe_line
from .widgets.lines import Lines

TIMELINE_ROWS = 300
# In a pod deletion: endpoints turn terminating, replacements appear, then the old ones go.
_CHANGE_RANK = {"changed": 0, "added": 1, "removed": 2}


class TimelinePane(Lines):
    def __init__(self) -> None:
        super().__init__(id="timeline-pane")
        self.dirty = True
        self.selected_only = False  # t: the selected Service's lines only
        self.empty = True  # nothing to show but the hint (the pane shrinks to one line)
        self._ns_by_name: dict[str, set[str]] = {}  # Service name → namespaces that have one
        self._cache: dict[int, tuple] = {}  # id(entry) → (entry, qualified, width, Text): lines shown

    def reset(self) -> None:
        """A new watch: a new model, nothing known of its names yet."""
        self._ns_by_name.clear()
        self._cache.clear()
        self.dirty = True

    def note_services(self, model: ClusterModel, services: Iterable[Key]) -> None:
        views = model.topology.view
        for key in services:
            spaces = self._ns_by_name.get(key[1])
            if views(key) is not None:
                if spaces is None:
                    self._ns_by_name[key[1]] = {key[0]}
                elif key[0] not in spaces:
                    spaces.add(key[0])
                    self.dirty = True  # that name now needs its namespace on the timeline
            elif spaces is not None and key[0] in spaces:
                spaces.discard(key[0])
                if not spaces:
                    del self._ns_by_name[key[1]]
                self.dirty = True

    def paint(self, model: ClusterModel, probe_log: ProbeLog, key: Key | None, namespace_name: str,
              view_ns: str | None) -> bool:
        """Newest first, TIMELINE_ROWS at most; `key`: the selected Service (with selected_only).
        Lines already shown keep their rendered Text (and the widget its strips). True when the pane
        turned empty or stopped being so (its height follows)."""
        self.dirty = False
        if self.selected_only and key is None:
            self.set_lines([Text("select a Service to see its timeline (t: all)", "dim")])
            return False
        if not self.selected_only:
            key = None
        changes = model.ledger.entries(key)[-TIMELINE_ROWS:]
        probes = probe_log.entries(key)[-TIMELINE_ROWS:]
        if key is None:
            # A view of one namespace shows its lines; a watch of one namespace keeps the lines of the
            # namespaces watched before (a switch keeps the timeline) but not the kube-dns stream's, which
            # is there for the header's DNS health only.
            hidden = None if namespace_name in (ALL, "…", DNS_SERVICE[0]) else DNS_SERVICE[0]
            changes = [e for e in changes if (view_ns is None or e.service[0] == view_ns)
                       and e.service[0] != hidden]
            probes = [e for e in probes if (view_ns is None or e.service[0] == view_ns)
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
        here = None if namespace_name == ALL else namespace_name
        twice = {k[1] for _, services in rows for k in services
                 if len(spaces.get(k[1], ())) > 1 or (here is not None and k[0] != here)}
        shown = [(e, services, service_names(services, twice)) for e, services in reversed(rows)]
        width = min(30, max((len(n) for _, _, n in shown), default=0))
        old: dict[int, tuple] = self._cache
        cache: dict[int, tuple] = {}
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
        self._cache = cache
        if not lines:
            lines = [Text("no endpoint changes yet: delete a pod (ctrl+d) or scale a Deployment to see churn", "dim")]
        self.set_lines(lines)
        if self.empty != (not cache):
            self.empty = not cache
            return True
        return False
