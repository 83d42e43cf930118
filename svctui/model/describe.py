"""An object as the model holds it, as YAML-like lines for a read-only describe view (k9s's `y`/`d`).

It shows what svctui knows (the fields the watch keeps), not the server's full object: no GET, so it
works in a watch-only RBAC setup and costs the cluster nothing. Values are returned raw; the screen
renders them literally.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

INDENT = "  "
# UIDs are 36 random characters an operator does not read (names say which object; kubectl get -o yaml
# has them): left out, the view fits more at 80×24 and the same cluster state shows the same screen.
HIDDEN = ("uid", "target_uid")
TIMES = ("created", "start_time", "deleting_since")  # epoch seconds in the model, RFC 3339 as kubectl shows


def _when(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_pairs(v: Any) -> bool:
    # Labels and selectors are frozen as sorted (key, value) string pairs.
    return isinstance(v, tuple) and bool(v) and all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in v)


def _fields(obj: Any) -> list[tuple[str, Any]] | None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    asdict = getattr(obj, "_asdict", None)  # NamedTuple
    if callable(asdict):
        return list(asdict().items())
    return None


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def lines(obj: Any, depth: int = 0) -> list[str]:
    """`name: value` per field, nested objects and lists indented; empty fields left out."""
    out: list[str] = []
    pad = INDENT * depth
    for name, v in _fields(obj) or []:
        if v is None or v == () or v == "" or name in HIDDEN:
            continue
        if _is_pairs(v):
            out.append(f"{pad}{name}:")
            out += [f"{pad}{INDENT}{k}: {val}" for k, val in v]
        elif _fields(v) is not None:
            out.append(f"{pad}{name}:")
            out += lines(v, depth + 1)
        elif isinstance(v, (tuple, list)):
            out.append(f"{pad}{name}:")
            for item in v:
                sub = lines(item, depth + 2) if _fields(item) is not None else []
                if sub:
                    out.append(f"{pad}{INDENT}- {sub[0].strip()}")
                    out += sub[1:]
                else:
                    out.append(f"{pad}{INDENT}- {_scalar(item)}")
        elif name in TIMES and isinstance(v, (int, float)):
            out.append(f"{pad}{name}: {_when(v)}")
        else:
            out.append(f"{pad}{name}: {_scalar(v)}")
    return out
