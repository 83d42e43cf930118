"""The timeline's rows: one endpoint change, however many Services it shows up in.

The ledger records a change once per Service (each Service has its own stopwatch and ghosts), so a pod
behind nginx-service and nginx-nodeport yields two entries for one event. The operator reads one event:
grouped here, the row names every Service it touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .churn import ChurnEntry
from .objects import Key


@dataclass(frozen=True, slots=True)
class TimelineRow:
    entry: ChurnEntry  # the first Service's entry: time, address, pod and conditions are the same in all
    services: tuple[Key, ...]  # sorted, every Service that saw this change


# Each Service's EndpointSlice is its own object, updated by the controller one after the other: the
# same pod's change reaches two Services some milliseconds apart. Within this many seconds, it is one event.
SAME_EVENT = 1.0


def _event(e: ChurnEntry) -> tuple[object, ...]:
    # The same endpoint making the same transition, seen through another Service.
    return (e.change, e.address, e.pod, e.conditions, e.before, e.reused_from)


def group_changes(entries: Iterable[ChurnEntry], window: float = SAME_EVENT) -> list[TimelineRow]:
    """Oldest first (by each event's first entry); an event's Services each appear once. A Service seen
    making the same change twice is two events (a flapping endpoint), however close together."""
    groups: list[list[ChurnEntry]] = []
    open_: dict[tuple[object, ...], list[ChurnEntry]] = {}  # the latest group per signature
    for e in sorted(entries, key=lambda e: e.time):
        sig = _event(e)
        group = open_.get(sig)
        if group is None or e.time - group[0].time > window or any(g.service == e.service for g in group):
            group = open_[sig] = []
            groups.append(group)
        group.append(e)
    out = []
    for group in groups:
        services = tuple(sorted({e.service for e in group}))
        out.append(TimelineRow(group[0], services))
    return out


def service_names(services: tuple[Key, ...], qualified: set[str]) -> str:
    """`a, b`: a name alone, `ns/name` where another namespace has a Service of that name too."""
    return ", ".join(f"{ns}/{name}" if name in qualified else name for ns, name in services)
