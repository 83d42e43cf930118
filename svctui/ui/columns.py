"""A row label that fits the width the tree has: columns drop by rank, the name is cut in the middle.

rows.py builds each label in full and records its columns (`Layout`); the tree asks `fit` for the
cells it has left after the guides, at draw time, so a resize or a narrower terminal never cuts the
IP, the state or the badge off the end. Order of giving way: the name field first shrinks to leave
`reserve` cells for the rest (the same cut on every row of a level, so the columns after it stay
aligned), then the droppable columns go, highest rank first, then the name gives up what is left
down to `least`. What still does not fit is cut at the end by the tree, as before.

No Textual here: labels are Rich Texts, and tests/ui/test_columns.py checks fit on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text


@dataclass(frozen=True, slots=True)
class Layout:
    # (start, end, rank, short) in the label's characters; each range holds its leading separator.
    # `short`: what the range becomes instead of going (a badge keeps its mark and count).
    drops: tuple[tuple[int, int, int, Text | None], ...] = ()
    # (start, end, least): the name field (name and padding), never cut below `least` cells.
    flex: tuple[int, int, int] | None = None
    # Cells the name field leaves for the rest of the row before any column is dropped.
    reserve: int = 0


def middle(s: str, limit: int) -> str:
    """nginx-deployment-69c4ddb64f-ngjw6 → nginx-deploy…f-ngjw6: names differ at the end (a pod's
    hash, a Service's suffix), so a cut keeps both ends and drops the middle."""
    if len(s) <= limit or limit < 2:
        return s
    tail = (limit - 1) // 2
    return s[: limit - 1 - tail] + "…" + s[len(s) - tail:]


def fit(label: Text, width: int, layout: Layout | None) -> Text:
    """`label` as it fits in `width` cells (the label itself when nothing needs to give way)."""
    if layout is None:
        return label
    text = label.plain
    total = cell_len(text)
    flex = layout.flex
    field = 0  # the name field's width after cutting (cells; names are ASCII after sanitizing)
    if flex is not None:
        a, b, least = flex
        field = b - a
        if layout.reserve:
            room = width - layout.reserve - cell_len(text[:a])
            field = min(field, max(least, room))
        total -= (b - a) - field
    if total <= width:
        return label if flex is None or field == flex[1] - flex[0] else _rebuild(label, [], flex, field)
    over = total - width
    dropped: list[tuple[int, int, Text | None]] = []
    for a, b, _rank, short in sorted(layout.drops, key=lambda d: -d[2]):
        if over <= 0:
            break
        dropped.append((a, b, short))
        over -= cell_len(text[a:b]) - (short.cell_len if short is not None else 0)
    if over > 0 and flex is not None:
        field = max(flex[2], field - over)
    if flex is not None and field == flex[1] - flex[0]:
        flex = None
    return _rebuild(label, dropped, flex, field)


def _rebuild(label: Text, dropped: list[tuple[int, int, Text | None]], flex: tuple[int, int, int] | None,
             field: int) -> Text:
    edits = list(dropped)
    if flex is not None:
        a, b = flex[0], flex[1]
        raw = label.plain[a:b]
        name = raw.rstrip(" ")
        style = next((s.style for s in label._spans if s.start <= a < s.end), "")
        edits.append((a, b, Text(middle(name, field).ljust(field), style)))
    out = Text(no_wrap=True, overflow="ellipsis")
    pos = 0
    for a, b, repl in sorted(edits, key=lambda e: e[0]):
        if a > pos:
            out.append_text(label[pos:a])
        if repl is not None:
            out.append_text(repl)
        pos = b
    if pos < len(label.plain):
        out.append_text(label[pos:])
    return out
