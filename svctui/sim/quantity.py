"""resource.Quantity strings ("100m", "1.5", "64Mi", "1e3") as numbers, for QoS classes and scheduling."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(([eE][+-]?[0-9]+)|[a-zA-Z]*)$")


def parse(value: Any) -> Decimal | None:
    """The quantity's value, or None if it is not a valid quantity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value.strip())
    if not m:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return None
    suffix = m.group(2)
    if m.group(3):
        return number * (Decimal(10) ** int(suffix[1:]))
    if suffix not in _SUFFIX:
        return None
    return number * _SUFFIX[suffix]


def milli(value: Any) -> int:
    """CPU in millicores (0 when absent or invalid)."""
    q = parse(value)
    return int((q * 1000).to_integral_value(rounding="ROUND_CEILING")) if q is not None else 0


def units(value: Any) -> int:
    """Memory, pods and the like as whole units (0 when absent or invalid)."""
    q = parse(value)
    return int(q.to_integral_value(rounding="ROUND_CEILING")) if q is not None else 0
