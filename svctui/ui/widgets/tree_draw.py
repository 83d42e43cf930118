"""One Tree line as a Strip: the segments of Textual's Tree._render_line, built without Text.

Textual builds each line as a Text (guides, then a copy of the label re-styled twice), renders it
through Rich's span machinery and pads it: about 0.2 ms a line with its styles cached, 0.7 ms when
they are not (every refresh clears them). Here the guides are plain segments, the label is rendered
once on its own and each of its segments gets the line's styles added, in the order Rich would
combine them (style addition is associative): line style, label segment, label style, node meta.
One difference: no line number in the meta (Tree puts it on every segment), so that a row that moves
keeps its strip; LineTree finds the mouse's line from its position. tests/ui/test_line_tree.py
compares the two segment for segment, styles and the rest of the meta included.

Only for trees that keep Tree.render_label (LineTree falls back to Textual's path otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widgets import Tree

TOGGLE_STYLE = Style.from_meta({"toggle": True})  # as textual.widgets._tree's


class Components(NamedTuple):
    """The component styles a line reads, looked up once per style state instead of once per line."""
    base_hidden: bool
    hover_hidden: bool
    selected_hidden: bool
    guide: Style
    guide_hover: Style
    guide_selected: Style
    highlight_line: Style
    label: Style
    highlight: Style
    cursor: Style

    @classmethod
    def of(cls, tree: Tree) -> Components:
        styles, rich = tree.get_component_styles, tree.get_component_rich_style
        guide = rich("tree--guides", partial=True)
        return cls(
            styles("tree--guides").color.a == 0,
            styles("tree--guides-hover").color.a == 0,
            styles("tree--guides-selected").color.a == 0,
            guide,
            guide + rich("tree--guides-hover", partial=True),
            guide + rich("tree--guides-selected", partial=True),
            rich("tree--highlight-line"),
            rich("tree--label", partial=True),
            rich("tree--highlight", partial=True),
            rich("tree--cursor", partial=False),
        )


def _guides(tree: Tree, style: Style, hidden: bool) -> tuple[str, str, str, str]:
    if tree.show_guides and not hidden:
        lines = tree.LINES["default"]
        if style.bold:
            lines = tree.LINES["bold"]
        elif style.underline2:
            lines = tree.LINES["double"]
    else:
        lines = ("  ", "  ", "  ", "  ")
    depth = max(0, tree.guide_depth - 2)
    return tuple(f"{c[0]}{c[1] * depth} " for c in lines)  # type: ignore[return-value]


def draw_line(tree: Tree, y: int, line, base_style: Style, c: Components, pad_width: int,
              fit: Callable[[Text, int], Text] | None = None, room: int = 0) -> Strip:
    path = line.path
    node = path[-1]
    has_focus = tree.has_focus
    hover_line = tree.hover_line
    is_hover = hover_line >= 0 and any(n._hover for n in path)
    line_style = c.highlight_line if is_hover else base_style

    segments: list[Segment] = []
    add = segments.append
    width = 0
    hover = path[0]._hover
    selected = path[0]._selected and has_focus
    guide_style = c.guide
    hidden = True
    for n in path[1:]:
        hidden = c.base_hidden
        if hover:
            guide_style = c.guide_hover
            hidden = c.hover_hidden
        if selected:
            guide_style = c.guide_selected
            hidden = c.selected_hidden
        if n is not node:
            space, vertical, _, _ = _guides(tree, guide_style, hidden)
            guide = space if n.is_last else vertical
            add(Segment(guide, line_style + guide_style))
            width += cell_len(guide)
        hover = hover or n._hover
        selected = (selected or n._selected) and has_focus
    if len(path) > 1:
        _, _, terminator, cross = _guides(tree, guide_style, hidden)
        guide = terminator if line.last else cross
        add(Segment(guide, line_style + guide_style))
        width += cell_len(guide)

    label_style = c.label
    if hover_line == y:
        label_style += c.highlight
    if tree.cursor_line == y:
        label_style += c.cursor
    node_meta = Style(meta={"node": node._id})
    tail = label_style + node_meta
    if node._allow_expand:
        icon = tree.ICON_NODE_EXPANDED if node.is_expanded else tree.ICON_NODE
        add(Segment(icon, line_style + (line_style + TOGGLE_STYLE) + node_meta))
        width += cell_len(icon)
    label = node._label
    if fit is not None:
        # The label as it fits the `room` cells less the guides (ServiceTree drops columns by priority).
        label = fit(label, room - width)
    if label._spans:
        parts = label.render(tree.app.console)
    else:
        parts = (Segment(label.plain, tree.app.console.get_style(label.style) if label.style else None),)
    for text, style, _ in parts:
        if text:
            add(Segment(text, line_style + style + tail if style is not None else line_style + tail))
    width += label.cell_len
    if pad_width > width:
        add(Segment(" " * (pad_width - width), line_style))
    return Strip(segments)
