"""Namespace → Service → EndpointSlice → endpoint, updated one Service at a time.

`sync_service(key, head)` reconciles that Service's subtree: labels change in place (set_label only
when the Text differs, so untouched rows are not repainted), rows are inserted or removed where they
belong, and nothing else in the tree is looked at. Rows below a Service are built only while they can
be seen: `head` is the Service row alone; while the Service (and its namespace) is expanded, the tree
asks `children_for(key)` for the full row and reconciles the children. A collapsed Service's children
are left as they were and marked stale; expanding it (by key, mouse or code: `_expand` is hooked)
rebuilds them before the expanded node is drawn. Expansion lives on the nodes that survive; for rows
that come and go (filtered out, re-created), the last choice is remembered by row identity. The
cursor stays on its row; if that row goes, it moves to its nearest survivor (once per `batch()`).
Namespace labels count their Service nodes; the name column per namespace comes from a histogram of
the name lengths shown there, so neither needs a scan of all Services.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from svctui.model.objects import Key

from ..columns import fit
from ..rows import NAME_CAP, S_DIM, S_NAME, S_WARN, Label, Row, t
from .line_tree import LineNode, LineTree

Node = TreeNode[tuple]


class _Node(LineNode):
    """A tree node that lets its ServiceTree build what it is about to show, before it is drawn."""

    def _expand(self, expand_all: bool) -> None:
        tree = self._tree
        if isinstance(tree, ServiceTree) and not self._expanded:
            tree._before_expand(self)
        super()._expand(expand_all)


class ServiceTree(LineTree):
    NODE = _Node
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor.down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor.up"),
        Binding("enter", "select_cursor", "Expand", show=False, id="tree.toggle"),
    ]

    def __init__(self, **kw) -> None:
        super().__init__("cluster", data=("root",), **kw)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = True
        self._svc_nodes: dict[Key, Node] = {}
        self._ns_nodes: dict[str, Node] = {}
        self._ns_width: dict[str, int] = {}
        self._remembered: dict[tuple, bool] = {}
        self.animated: set[Key] = set()
        # Decides whether a Service row that first appears is opened (small trees open fully).
        self.expand_new: Callable[[Key, Row], bool] = lambda key, row: False
        # The full row (children included) of a Service, built now: asked for only while it is expanded.
        self.children_for: Callable[[Key], Row | None] = lambda key: None
        # What a namespace's rows cannot show (e.g. its EndpointSlices are forbidden), for its label.
        self.ns_note: Callable[[str], str] = lambda ns: ""
        self.updates = 0  # label changes + structural edits (tests check that idle updates do nothing)
        self._stale: set[Key] = set()  # collapsed Services whose child nodes were not kept current
        self._name_lens: dict[str, Counter] = {}  # ns → Counter of (capped) name lengths shown
        self._batch: list | None = None  # [cursor at batch start, fallback] while in batch()
        self._counted: set[Key] = set()  # Services in _name_lens (shown, or about to be)

    # ---- queries ----

    def service_node(self, key: Key) -> Node | None:
        return self._svc_nodes.get(key)

    def services_shown(self) -> list[Key]:
        return list(self._svc_nodes)

    def service_count(self) -> int:
        return len(self._svc_nodes)

    def keys_in_view(self) -> set[Key]:
        """The Services with a row (their own or a child's) on the lines in the window now."""
        y0 = int(self.scroll_offset.y)
        out: set[Key] = set()
        for line in self._tree_lines[y0:y0 + max(1, self.size.height)]:
            data = line.node.data
            if data and data[0] != "ns":
                out.add(data[1])
        return out

    def services_in(self, ns: str) -> list[Key]:
        node = self._ns_nodes.get(ns)
        return [c.data[1] for c in node._children] if node is not None else []

    def shows_children(self, key: Key) -> bool:
        """The Service's child rows are on the tree's lines (it and its namespace are expanded)."""
        node = self._svc_nodes.get(key)
        return node is not None and node._expanded and node._parent is not None and node._parent._expanded

    def selected_data(self) -> tuple | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def name_width(self, ns: str) -> int:
        return self._ns_width.get(ns, 0)

    def want_name_width(self, ns: str, keys: Iterable[Key]) -> bool:
        """Names are padded to a column per namespace; True when the column must widen or shrink."""
        width = min(NAME_CAP, max((len(k[1]) for k in keys), default=0))
        if width != self._ns_width.get(ns):
            self._ns_width[ns] = width
            return True
        return False

    def will_show(self, key: Key, shown: bool) -> None:
        """Before a batch's syncs: whether this Service will be shown, for the namespace's name column."""
        counted = self._counted
        if shown == (key in counted):
            return
        lens = self._name_lens.get(key[0])
        if lens is None:
            lens = self._name_lens[key[0]] = Counter()
        n = min(NAME_CAP, len(key[1]))
        if shown:
            lens[n] += 1
            counted.add(key)
        else:
            lens[n] -= 1
            if not lens[n]:
                del lens[n]
            counted.discard(key)

    def update_name_width(self, ns: str) -> bool:
        """The name column of `ns` from the lengths shown; True when it must widen or shrink (then
        every Service of the namespace needs its label again)."""
        lens = self._name_lens.get(ns)
        width = max(lens, default=0) if lens else 0
        if width != self._ns_width.get(ns):
            self._ns_width[ns] = width
            return True
        return False

    # ---- updates ----

    def clear_all(self) -> None:
        self.clear()
        self._svc_nodes.clear()
        self._ns_nodes.clear()
        self._ns_width.clear()
        self.animated.clear()
        self._stale.clear()
        self._name_lens.clear()
        self._counted.clear()

    # Shadows Widget.batch, an async context manager that Widget.recompose enters: this tree must never
    # be recomposed (it is not; its rows are nodes, not child widgets).
    @contextmanager
    def batch(self) -> Iterator[None]:  # type: ignore[override]
        """Syncs inside restore the cursor once, at the end (each restore rebuilds the tree's lines)."""
        if self._batch is not None:
            yield
            return
        self._batch = [self.cursor_node, None]
        try:
            yield
        finally:
            cursor, fallback = self._batch
            self._batch = None
            self._restore_cursor(cursor, fallback)
            self.flush_lines()

    def _cursor(self) -> Node | None:
        return self._batch[0] if self._batch is not None else self.cursor_node

    def _done(self, cursor: Node | None, fallback: Node | None) -> None:
        if self._batch is not None:
            if fallback is not None:
                self._batch[1] = fallback
        else:
            self._restore_cursor(cursor, fallback)

    def sync_service(self, key: Key, row: Row | None, ns_label: Callable[[str], Text] | None = None) -> None:
        """Make the tree show this Service: `row` is its row (children may be left out: they are asked
        of `children_for` when they can be seen); None: not shown."""
        cursor = self._cursor()
        node = self._svc_nodes.get(key)
        if row is None:
            self.will_show(key, False)
            self.animated.discard(key)
            self._stale.discard(key)
            if node is not None:
                fallback = self._fallback(node, cursor)
                self._remove(node)
                del self._svc_nodes[key]
                ns_node = self._ns_nodes.get(key[0])
                if ns_node is not None and not ns_node.children:
                    fallback = self._fallback(ns_node, cursor) or fallback
                    ns_node.remove()
                    del self._ns_nodes[key[0]]
                self._done(cursor, fallback)
            return
        self.will_show(key, True)
        if node is None:
            ns_node = self._namespace_node(key[0], ns_label)
            siblings = ns_node._children
            if not siblings or siblings[-1].data[1][1] < key[1]:
                at = None  # keys usually come sorted: append
            else:
                at = bisect.bisect_left([c.data[1][1] for c in siblings], key[1])
            expand = self._remembered.get(row.data)
            if expand is None:
                expand = self.expand_new(key, row)
            if expand and ns_node._expanded and not row.children:
                row = self.children_for(key) or row
            node = ns_node.add(row.label, row.data, before=at, expand=expand, allow_expand=row.expandable)
            self._svc_nodes[key] = node
            self.updates += 1
            self._fill(node, row.children)
            self._set_animated(key, row)
            if expand and ns_node._expanded:
                self._stale.discard(key)
            else:
                self._stale.add(key)
            self._done(cursor, None)
            return
        if self.shows_children(key):
            full = row if row.children else (self.children_for(key) or row)
            self._relabel(node, full)
            fallback = self._reconcile(node, full.children, cursor)
            self._stale.discard(key)
            self._set_animated(key, full)
            self._done(cursor, fallback)
        else:
            self._relabel(node, row)
            self._stale.add(key)
            self._set_animated(key, row)

    def _set_animated(self, key: Key, row: Row) -> None:
        if row.animated:
            self.animated.add(key)
        else:
            self.animated.discard(key)

    def _before_expand(self, node: Node) -> None:
        """About to expand `node`: bring the Service rows it will show up to date first."""
        data = node.data
        if not data:
            return
        if data[0] == "svc":
            if node._parent is not None and node._parent._expanded:
                self._refresh_children(data[1])
        elif data[0] == "ns":
            for child in list(node._children):
                if child._expanded:
                    self._refresh_children(child.data[1])

    def _refresh_children(self, key: Key) -> None:
        node = self._svc_nodes.get(key)
        if node is None or (key not in self._stale and node._children):
            return
        row = self.children_for(key)
        if row is None:
            return
        cursor = self._cursor()
        self._relabel(node, row)
        fallback = self._reconcile(node, row.children, cursor)
        self._stale.discard(key)
        self._set_animated(key, row)
        self._done(cursor, fallback)

    def set_namespace_label(self, ns: str, label: Text | None = None) -> None:
        node = self._ns_nodes.get(ns)
        if node is None:
            return
        if label is None:
            label = namespace_label(ns, len(node._children), self.ns_note(ns))
        if node.label != label:
            node.set_label(label)

    def _namespace_node(self, ns: str, ns_label: Callable[[str], Text] | None = None) -> Node:
        node = self._ns_nodes.get(ns)
        if node is None:
            names = [c.data[1] for c in self.root.children]
            at = bisect.bisect_left(names, ns)
            data = ("ns", ns)
            node = self.root.add(ns_label(ns) if ns_label is not None else namespace_label(ns, 0), data,
                                 before=at if at < len(names) else None,
                                 expand=self._remembered.get(data, True))
            self._ns_nodes[ns] = node
        return node

    # ---- Textual hooks ----

    def get_label_width(self, node: Node) -> int:
        # What render_label's Text measures (icon + label), without building it: _build asks this of
        # every line after each structural change.
        label = node._label
        width = label.cell_width() if type(label) is Label else label.cell_len
        return width + (2 if node._allow_expand else 0)

    def fit_label(self, label: Text, width: int) -> Text:
        return fit(label, width, getattr(label, "layout", None))

    def _relabel(self, node: Node, row: Row) -> None:
        if node.label != row.label:
            node.set_label(row.label)
            self.updates += 1
        if node.allow_expand != row.expandable:
            node.allow_expand = row.expandable
            self.updates += 1

    def _fill(self, parent: Node, rows: list[Row]) -> None:
        for r in rows:
            child = parent.add(r.label, r.data, expand=self._remembered.get(r.data, True), allow_expand=r.expandable)
            if r.children:
                self._fill(child, r.children)

    def _reconcile(self, parent: Node, rows: list[Row], cursor: Node | None) -> Node | None:
        """Children of `parent` become `rows`, in order, keeping every node whose identity survives."""
        fallback: Node | None = None
        wanted = {r.data for r in rows}
        for child in list(parent.children):
            if child.data not in wanted:
                fb = self._fallback(child, cursor)
                fallback = fb or fallback
                self._remove(child)
        existing = {c.data: c for c in parent.children}
        kept_order = [c.data for c in parent.children]
        wanted_order = [r.data for r in rows if r.data in existing]
        if kept_order != wanted_order:
            # Reordering is rare (names and IPs sort stably); re-add the out-of-place nodes.
            for child in list(parent.children):
                fallback = self._fallback(child, cursor) or fallback
                self._remove(child)
            existing = {}
        for i, r in enumerate(rows):
            node = existing.get(r.data)
            if node is None:
                before = i if i < len(parent.children) else None
                node = parent.add(r.label, r.data, before=before,
                                  expand=self._remembered.get(r.data, True), allow_expand=r.expandable)
                self.updates += 1
                if r.children:
                    self._fill(node, r.children)
            else:
                self._relabel(node, r)
                fb = self._reconcile(node, r.children, cursor)
                fallback = fb or fallback
        return fallback

    def _remove(self, node: Node) -> None:
        if node.allow_expand:
            self._remembered[node.data] = node.is_expanded
        node.remove()
        self.updates += 1

    @staticmethod
    def _fallback(node: Node, cursor: Node | None) -> Node | None:
        """Where the cursor goes if `node` (holding it, or an ancestor of it) is removed."""
        if cursor is None:
            return None
        n: Node | None = cursor
        while n is not None and n is not node:
            n = n.parent
        if n is None:
            return None
        parent = node.parent
        if parent is None:
            return None
        siblings = list(parent.children)
        i = siblings.index(node)
        for s in siblings[i + 1:] + siblings[:i][::-1]:
            return s
        return parent

    def _restore_cursor(self, cursor: Node | None, fallback: Node | None) -> None:
        if cursor is None:
            return
        _ = self.last_line  # rebuild lines so line numbers are current
        alive = self._tree_nodes
        target: Node | None = cursor if cursor.id in alive else None
        if target is None:
            target = self._successor(cursor.data)
        if target is None:
            target = fallback if fallback is not None and fallback.id in alive else None
        n = cursor.parent
        while target is None and n is not None:
            target = n if n.id in alive and not n.is_root else None
            n = n.parent
        if target is None:
            return
        if target is not cursor or self.cursor_line != target._line:
            self.move_cursor(target)

    def _successor(self, data: tuple | None) -> Node | None:
        """The row that continues a removed one: an endpoint that vanished lives on as its ghost row,
        a ghost whose IP came back as the endpoint again."""
        if not data or data[0] not in ("ep", "ghost"):
            return None
        svc = self._svc_nodes.get(data[1])
        if svc is None:
            return None
        want = ("ghost" if data[0] == "ep" else "ep", data[1], data[2])
        for node in self._walk(svc):
            if node.data == want:
                return node
        return None

    # ---- remembering the user's choices ----

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        self._remembered[event.node.data] = True

    def _on_tree_node_collapsed(self, event: Tree.NodeCollapsed) -> None:
        self._remembered[event.node.data] = False

    # ---- selection ----

    def expand_services(self) -> None:
        """Open every Service row the user has not closed (a small tree, found small late)."""
        with self.batch():
            for node in self._svc_nodes.values():
                if not node._expanded and self._remembered.get(node.data) is not False:  # type: ignore[arg-type]
                    node.expand()

    def reveal(self, key: Key) -> bool:
        """Open a Service down to its endpoints and put the cursor on it."""
        node = self._svc_nodes.get(key)
        if node is None:
            return False
        node.parent.expand() if node.parent is not None else None
        node.expand()
        for child in node.children:
            if child.allow_expand:
                child.expand()
        _ = self.last_line
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        return True

    def select_data(self, data: tuple) -> bool:
        for node in self._walk(self.root):
            if node.data == data:
                _ = self.last_line
                self.move_cursor(node)
                return True
        return False

    def _walk(self, node: Node):
        for c in node.children:
            yield c
            yield from self._walk(c)


def namespace_label(ns: str, count: int, note: str = "") -> Text:
    label = t((ns, S_NAME), "  ", (f"{count} service{'s' if count != 1 else ''}", S_DIM))
    return t(label, "  ", (f"? {note}", S_WARN)) if note else label
