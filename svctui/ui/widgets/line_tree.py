"""A Tree that, after an edit, repaints only the lines that look different.

Textual's Tree answers any added or removed node by clearing its line cache (keyed by line number
and a tree-wide edit counter) and asking for a layout of the whole screen, so one new endpoint row
re-renders every visible line of the tree and reflows every widget; a label change re-renders the
node and every visible line below it. At one event per pod that was most of the time from a watch
event to the terminal.

Here each node's strip is kept with a key of everything its rendering reads: its edit count, the
guides' inputs along its path (hover, selected, last child), whether the cursor or the mouse is on
it, the widths, focus and pseudo classes. A node whose line only moved (rows inserted above it) hands
back the same strip, so its styling is reused too (styled_lines.py). That is why the strips drawn
here carry no line number in their meta, as Tree's do: the mouse events get it from their position.
After an edit the lines are rebuilt once (at the end of the owner's batch of edits, or on the next
turn of the tree's queue), and only the lines that now show another node or key are marked for
repaint. A change in the number of lines updates the scrollbars without a screen layout. A full
repaint (scrolling, resize, styles) renders through the same cache.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from .styled_lines import ReusingStylesCache
from .tree_draw import Components, draw_line

_KEEP = 4096  # cached lines kept before those off screen are dropped


class LineNode(TreeNode):
    _tree: LineTree  # TreeNode's own attribute: a LineNode lives only in a LineTree

    def set_label(self, label) -> None:
        # Tree repaints the node and every line below it, one message later; here its own line, now.
        self._updates += 1
        self._label = self._tree.process_label(label)
        self._tree._node_changed(self)


class LineTree(Tree):
    NODE: type[LineNode] = LineNode  # what _add_node makes (a subclass may extend it)
    # The scrollbars follow the line count (watch below); no screen layout is needed for it.
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self._lt_nodes: dict[int, tuple[tuple, int, Strip]] = {}  # node id → (key, line, strip)
        self._lt_shown: dict[int, tuple[int, tuple]] = {}  # line → (node id, key) last drawn there
        self._lt_sync_pending = False
        # Tree sets it in render_lines; the keys read it before that.
        self._pseudo_class_state = None  # type: ignore[assignment]
        self._lt_components: dict[object, Components] = {}
        self._lt_draws = type(self).render_label is Tree.render_label  # tree_draw renders Tree's labels only
        self._lt_style: Style | None = None
        self._lt_frame: tuple | None = None
        self.lines_rendered = 0  # strips built (a benchmark and the tests look at it)
        self._styles_cache = ReusingStylesCache()

    def watch_virtual_size(self, size: Size) -> None:
        if self.is_mounted:
            self._scroll_update(size)

    def _frame(self) -> tuple:
        """What every line's rendering reads from the widget (asked once per render, not per line):
        the hover and cursor lines, then what goes into every line's key as it is."""
        return (self.hover_line, self.cursor_line, self.size.width, self.virtual_size.width, self.has_focus,
                self._pseudo_class_state, self.show_guides, self.guide_depth, self.label_room())

    @staticmethod
    def _line_key(y: int, line, frame: tuple) -> tuple:
        path = line.path
        node = path[-1]
        hover_line = frame[0]
        return (
            node._updates, line.last,
            tuple((n._hover_, n._selected_, n.is_last) for n in path[:-1]),
            hover_line >= 0 and any(n._hover_ for n in path), hover_line == y, frame[1] == y, frame[2:],
        )

    def render_lines(self, crop):
        # rich_style walks every ancestor's styles: once per render here, not once per line.
        self._pseudo_class_state = self.get_pseudo_class_state()
        self._lt_style = self.rich_style
        self._lt_frame = self._frame()
        try:
            return super().render_lines(crop)
        finally:
            self._lt_style = self._lt_frame = None

    def render_line(self, y: int) -> Strip:
        if self._lt_frame is None:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        # _lt_style is set with _lt_frame.
        return self._render_line(y + scroll_y, scroll_x, scroll_x + self._lt_frame[2], self._lt_style)  # type: ignore[arg-type]

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        lines = self._tree_lines
        if y >= len(lines):
            self._lt_shown.pop(y, None)
            return Strip.blank(self.size.width, base_style)
        line = lines[y]
        node_id = line.node._id
        key = self._line_key(y, line, self._lt_frame or self._frame())
        held = self._lt_nodes.get(node_id)
        if held is not None and held[0] == key:
            # Tree's own lines (a subclass with its own render_label) carry their line number: re-tag.
            strip = held[2] if held[1] == y or self._lt_draws else _moved(held[2], y)
        else:
            pad_width = max(self.virtual_size.width, self.size.width)
            if self._lt_draws:
                state = (self._pseudo_class_state, self.has_focus)
                components = self._lt_components.get(state)
                if components is None:
                    components = self._lt_components[state] = Components.of(self)
                strip = draw_line(self, y, line, base_style, components, pad_width, self.fit_label,
                                  (self._lt_frame or self._frame())[-1])
            else:
                strip = super()._render_line(y, 0, pad_width, base_style)
            self.lines_rendered += 1
        if len(self._lt_nodes) >= _KEEP or len(self._lt_shown) >= _KEEP:
            self._drop_offscreen()
        self._lt_nodes[node_id] = (key, y, strip)
        self._lt_shown[y] = (node_id, key)
        return strip.crop(x1, x2)

    def label_room(self) -> int:
        """The cells a line has: `size` counts the vertical scrollbar's column, the lines do not."""
        return self.scrollable_content_region.width

    def fit_label(self, label: Text, width: int) -> Text:
        """The label as drawn in `width` cells: whole here (the end is cut), a subclass may drop parts."""
        return label

    def _line_at(self, event) -> int:
        offset = event.get_content_offset(self)
        if offset is None:
            return -1
        y = offset.y + self.scroll_offset.y
        return y if 0 <= y < len(self._tree_lines) else -1

    # Textual calls each class's handler in turn, this one first: Tree's then reads the line here.
    def _on_mouse_move(self, event) -> None:
        self._tag_line(event)

    def _on_click(self, event) -> None:  # type: ignore[override]  # Textual awaits a handler only if it must
        self._tag_line(event)

    def _tag_line(self, event) -> None:
        line = self._line_at(event)
        if line >= 0:
            event.style = event.style + Style.from_meta({"line": line})

    def _drop_offscreen(self) -> None:
        top = self.scroll_offset.y
        bottom = top + self.size.height
        self._lt_shown = {y: v for y, v in self._lt_shown.items() if top <= y < bottom}
        on_screen = {v[0] for v in self._lt_shown.values()}
        self._lt_nodes = {n: v for n, v in self._lt_nodes.items() if n in on_screen}

    def _add_node(self, parent, label, data, expand: bool = False):
        node = self.NODE(self, parent, self._new_id(), label, data, expanded=expand)
        self._tree_nodes[node._id] = node
        self._updates += 1
        return node

    def process_label(self, label):
        # Tree copies every label to keep its first line; a one-line Text is kept as given (labels
        # here are built for the tree and never changed after).
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def _node_changed(self, node: TreeNode) -> None:
        if self._tree_lines_cached is None:  # lines are rebuilt (and compared) soon
            return
        y = node._line - self.scroll_offset.y
        if node._line >= 0 and 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def flush_lines(self) -> None:
        """Compare the lines now rather than on the next turn of the queue (at the end of a batch of
        edits, so that the frame that follows shows them)."""
        if self._lt_sync_pending:
            self._sync_lines()

    def _invalidate(self) -> None:
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        if not self._lt_sync_pending:
            self._lt_sync_pending = True
            self.call_later(self.flush_lines)

    def _sync_lines(self) -> None:
        """Rebuild the lines and mark for repaint each visible one that now looks different."""
        self._lt_sync_pending = False
        if not self.is_mounted:
            return
        lines = self._tree_lines
        top = self.scroll_offset.y
        height = self.size.height
        width = self.size.width
        held = self._lt_shown
        frame = self._frame()
        for y in range(top, top + height):
            have = held.get(y)
            if y < len(lines):
                line = lines[y]
                if have is None or have != (line.node._id, self._line_key(y, line, frame)):
                    self.refresh(Region(0, y - top, width, 1))
            elif have is not None:
                del held[y]
                self.refresh(Region(0, y - top, width, 1))

    def clear(self):
        # Node ids start again from 0: a kept strip could match a new node.
        self._lt_nodes.clear()
        self._lt_shown.clear()
        return super().clear()

    def notify_style_update(self) -> None:
        self._lt_components.clear()
        self._lt_nodes.clear()
        self._lt_shown.clear()
        super().notify_style_update()


def _moved(strip: Strip, y: int) -> Strip:
    """The strip of a line drawn at another line number: every styled segment carries {"line": y}."""
    here = Style.from_meta({"line": y})
    return Strip([Segment(text, style + here if style is not None and style._meta else style, control)
                  for text, style, control in strip], strip.cell_length)
