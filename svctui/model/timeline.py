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


def _event(e: ChurnEntry) -> tuple[object, ...]:
    # Same moment, same endpoint, same transition: the same event seen through another Service.
    return (e.time, e.change, e.address, e.pod, e.conditions, e.before, e.reused_from)


def group_changes(entries: Iterable[ChurnEntry]) -> list[TimelineRow]:
    """In the order of each event's first entry; a Service listed twice for one event counts once."""
    rows: dict[tuple[object, ...], list[ChurnEntry]] = {}
    for e in entries:
        rows.setdefault(_event(e), []).append(e)
    out = []
    for group in rows.values():
        services = tuple(sorted({e.service for e in group}))
        first = next(e for e in group if e.service == services[0])
        out.append(TimelineRow(first, services))
    return out


def service_names(services: tuple[Key, ...], qualified: set[str]) -> str:
    """`a, b`: a name alone, `ns/name` where another namespace has a Service of that name too."""
    return ", ".join(f"{ns}/{name}" if name in qualified else name for ns, name in services)
