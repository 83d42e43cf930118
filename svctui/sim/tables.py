"""Server-side Tables (meta.k8s.io/v1), so `kubectl get` prints the columns a real cluster prints.

Each kind registers a printer: its column definitions and a function from object to cells, as in
kubernetes/pkg/printers/internalversion/printers.go. Kinds without a printer get NAME and AGE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .clock import Clock, parse_time
from .resources import ResourceType

Column = dict[str, Any]


def col(name: str, type_: str = "string", description: str = "", priority: int = 0, fmt: str = "") -> Column:
    return {"name": name, "type": type_, "format": fmt, "description": description or name, "priority": priority}


NAME_COLUMN = col("Name", fmt="name", description="Name must be unique within a namespace. Is required when creating "
                  "resources, although some resources may allow a client to request the generation of an "
                  "appropriate name automatically. Name is primarily intended for creation idempotence and "
                  "configuration definition. Cannot be updated. More info: "
                  "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE_COLUMN = col("Age", description="CreationTimestamp is a timestamp representing the server time when this object "
                 "was created. It is not guaranteed to be set in happens-before order across separate operations. "
                 "Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by "
                 "the system. Read-only. Null for lists. More info: "
                 "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")


@dataclass
class Printer:
    columns: list[Column]
    cells: Callable[[dict[str, Any], float], list[Any]]


_PRINTERS: dict[tuple[str, str], Printer] = {}


def register(rt: ResourceType, columns: list[Column], cells: Callable[[dict[str, Any], float], list[Any]]) -> None:
    _PRINTERS[rt.key] = Printer(columns, cells)


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: str | None, now: float) -> str:
    t = parse_time(timestamp)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _default_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], age(obj["metadata"].get("creationTimestamp"), now)]


_DEFAULT = Printer([NAME_COLUMN, AGE_COLUMN], _default_cells)


def printer_for(rt: ResourceType) -> Printer:
    return _PRINTERS.get(rt.key, _DEFAULT)


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def row(rt: ResourceType, obj: dict[str, Any], now: float, include: str = "Metadata") -> dict[str, Any]:
    r: dict[str, Any] = {"cells": printer_for(rt).cells(obj, now)}
    if include == "Object":
        r["object"] = obj
    elif include != "None":
        r["object"] = partial_metadata(obj)
    return r


def table(rt: ResourceType, objs: list[dict[str, Any]], clock: Clock, *, include: str = "Metadata",
          columns: bool = True, rv: str | None = None, cont: str | None = None,
          remaining: int | None = None) -> dict[str, Any]:
    now = clock.now()
    meta: dict[str, Any] = {}
    if rv is not None:
        meta["resourceVersion"] = rv
    if cont:
        meta["continue"] = cont
    if remaining is not None:
        meta["remainingItemCount"] = remaining
    out: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if columns:
        out["columnDefinitions"] = printer_for(rt).columns
    out["rows"] = [row(rt, o, now, include) for o in objs]
    return out
