"""Each Service's degradations in a recording: the same model and churn ledger the live view runs,
fed the recorded lists and events at their recorded times, watched for stopwatches starting and
stopping. Pure: no clock, no I/O (the caller hands over a loaded Recording).

A degradation is a stopwatch episode: from the ready count dropping below the steady count to it
being back ("recovered") or the steady count settling lower ("rescaled"), or the recording's end
("ongoing"). Its phases are the ledger's (first endpoint gone, first replacement seen, replacement
ready, first OK request when a probe ran); its endpoint lists are the churn entries in that window.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import recording as fmt
from .churn import ADDED, CHANGED, REMOVED, ChurnEntry, Episode, Recovery
from .cluster import Changes, ClusterModel
from .objects import Key
from .store import ENDPOINTSLICE

ONGOING = "ongoing"
TICK = 1.0  # as the app: the ledger settles steady counts on a tick about once a second


@dataclass(frozen=True, slots=True)
class Degradation:
    service: Key
    started: float
    ended: float | None  # None: still degraded when the recording ends
    outcome: str  # recovered | rescaled | ongoing
    steady: int  # ready endpoints expected
    min_ready: int
    first_removed: float | None
    first_replacement: float | None
    replacement_ready: float | None
    first_success: float | None
    probed: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reused: tuple[tuple[str, str], ...]  # (IP, the pod that held it before)
    flapped: tuple[str, ...]  # IPs gone and back, or whose readiness turned more than once, in the window

    def duration(self, end: float) -> float:
        return (self.ended if self.ended is not None else end) - self.started


@dataclass(slots=True)
class ServiceReport:
    service: Key
    degradations: list[Degradation] = field(default_factory=list)
    series: list[tuple[float, int, int]] = field(default_factory=list)  # (t, ready, endpoints), on change


@dataclass(slots=True)
class Report:
    start: float
    end: float
    services: dict[Key, ServiceReport]
    torn: bool = False
    ended: bool = False


@dataclass(slots=True)
class _Open:
    episode: Episode
    min_ready: int
    entries: list[ChurnEntry] = field(default_factory=list)


def analyse(rec: fmt.Recording, only: Key | None = None) -> Report:
    model = ClusterModel()
    services: dict[Key, ServiceReport] = {}
    open_: dict[Key, _Open] = {}
    last: dict[Key, Recovery | None] = {}
    last_tick = rec.start

    def wanted(key: Key) -> bool:
        return only is None or key == only

    def look(keys: set[Key], entries: list[ChurnEntry], t: float) -> None:
        for e in entries:
            o = open_.get(e.service)
            if o is not None:
                o.entries.append(e)
        for key in keys:
            if not wanted(key):
                continue
            sw = model.ledger.stopwatch(key)
            view = model.topology.view(key)
            rep = services.get(key)
            if rep is None and view is None:
                continue
            if rep is None:
                rep = services[key] = ServiceReport(key)
            if view is not None and model.listed(ENDPOINTSLICE, key[0]):  # before, 0 ready means "not listed"
                point = (t, view.counts.ready, view.counts.total)
                if not rep.series or rep.series[-1][1:] != point[1:]:
                    rep.series.append(point)
            if sw is None:
                continue
            o = open_.get(key)
            if sw.last is not None and sw.last is not last.get(key):
                last[key] = sw.last
                if o is not None:
                    rep.degradations.append(_closed(key, o, sw.last))
                    del open_[key]
                    o = None
                elif rep.degradations and rep.degradations[-1].started == sw.last.started:
                    # Requests recovered after the endpoints did: the ledger amends the last recovery.
                    rep.degradations[-1] = replace(rep.degradations[-1], first_success=sw.last.first_success)
            if sw.episode is not None:
                if o is None or o.episode is not sw.episode:
                    # Entries of the batch that started it belong to it.
                    o = open_[key] = _Open(sw.episode, sw.ready,
                                           [e for e in entries if e.service == key and e.time >= sw.episode.started])
                o.min_ready = min(o.min_ready, sw.ready)

    for r in rec.records:
        while r.t - last_tick >= TICK:
            last_tick += TICK
            look(model.tick(last_tick), [], last_tick)
        ch = _feed(model, r)
        if ch is not None:
            look(ch.services, ch.entries, r.t)
    end = max(rec.end, last_tick)
    for key, o in open_.items():
        services[key].degradations.append(_closed(key, o, None))
    return Report(rec.start, end, services, rec.torn, rec.ended)


def _feed(model: ClusterModel, r: fmt.Record) -> Changes | None:
    if isinstance(r, fmt.ListRecord):
        return model.replace_all(r.kind, r.objs, r.t, r.namespace)
    if isinstance(r, fmt.EventsRecord):
        out = Changes()
        for etype, obj in r.events:
            ch = model.apply(r.kind, etype, obj, r.t)
            out.deltas.extend(ch.deltas)
            out.services |= ch.services
            out.entries.extend(ch.entries)
        return out
    if isinstance(r, fmt.ProbeRecord):
        model.ledger.note_request(r.service, r.t, r.ok)
        return Changes(services={r.service})
    return None


def _closed(key: Key, o: _Open, rec: Recovery | None) -> Degradation:
    ep = o.episode
    entries = o.entries
    added = tuple(sorted({e.address for e in entries if e.change == ADDED}))
    removed = tuple(sorted({e.address for e in entries if e.change == REMOVED}))
    reused = tuple(sorted({(e.address, e.reused_from) for e in entries if e.change == ADDED and e.reused_from}))
    # A pod deletion is one IP going (terminating, then gone) and another coming: no flap. A flap is an
    # IP that went and came back, or whose readiness turned more than once.
    changes: dict[str, int] = {}
    for e in entries:
        if e.change == CHANGED:
            changes[e.address] = changes.get(e.address, 0) + 1
    flapped = tuple(sorted((set(added) & set(removed)) | {a for a, n in changes.items() if n > 1}))
    if rec is not None:
        return Degradation(key, rec.started, rec.ended, rec.outcome, rec.steady, o.min_ready,
                           rec.first_removed, rec.first_replacement, rec.replacement_ready, rec.first_success,
                           rec.probed, added, removed, reused, flapped)
    return Degradation(key, ep.started, None, ONGOING, ep.steady, o.min_ready, ep.first_removed,
                       ep.first_replacement, ep.replacement_ready, ep.first_success, ep.probed,
                       added, removed, reused, flapped)
