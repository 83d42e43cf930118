"""LineTree (repaints only the lines that changed) against Textual's own Tree as the reference: the
same edits applied to both, side by side, must leave the same characters on the terminal grid; the
strips it draws itself must equal Tree's, segment for segment, styles and meta included (but the
line number, which LineTree's strips leave out so that a moved row keeps its strip)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Tree

from svctui.ui.widgets.line_tree import LineTree
from svctui.ui.widgets.tree_draw import Components, draw_line

from .grid import ScreenGrid

W, H = 44, 14


class Pair(App):
    CSS = "Tree { width: 1fr; height: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Tree("ref", id="ref")
            yield LineTree("ours", id="ours")


def segments(strip, drop_line: bool = False) -> list[tuple]:
    """(text, style without meta, meta, control) of each segment; Tree's line number left out if asked."""
    out = []
    for seg in strip:
        meta = dict(seg.style.meta) if seg.style is not None else {}
        if drop_line:
            meta.pop("line", None)
        out.append((seg.text, seg.style.clear_meta_and_links() if seg.style is not None else None, meta, seg.control))
    return out


def label(i: int, extra: str = "") -> Text:
    return Text.assemble((f"svc-{i:02d}", "bold"), "  ", ("ready", "green"), extra)


class Mirror:
    """The same edits on both trees; nodes found by their data."""

    def __init__(self, app: Pair) -> None:
        self.trees = [app.query_one("#ref", Tree), app.query_one("#ours", LineTree)]
        for t in self.trees:
            t.show_root = False
            t.guide_depth = 3

    def node(self, tree: Tree, data):
        if data is None:
            return tree.root
        return next(n for n in tree._tree_nodes.values() if n.data == data)

    def add(self, parent, data, text: Text, before=None, expand=False, leaf=False) -> None:
        for t in self.trees:
            p = self.node(t, parent)
            at = None if before is None else self.node(t, before)
            if leaf:
                p.add_leaf(text.copy(), data, before=at)
            else:
                p.add(text.copy(), data, before=at, expand=expand)

    def do(self, data, op: str, *args) -> None:
        for t in self.trees:
            getattr(self.node(t, data), op)(*args)

    def cursor(self, line: int) -> None:
        for t in self.trees:
            t.cursor_line = line


async def flat(pilot, m: Mirror, n: int) -> None:
    """A namespace of n Service rows on both trees, drawn."""
    m.add(None, ("ns",), Text("default"), expand=True)
    for i in range(n):
        m.add(("ns",), ("svc", i), label(i))
    await pilot.pause()


def halves(grid: ScreenGrid) -> tuple[list[str], list[str]]:
    half = grid.width // 2
    rows = ["".join(r) for r in grid.rows]
    return [r[:half].rstrip() for r in rows], [r[half:].rstrip() for r in rows]


async def settle(pilot, mirror: Mirror, grid: ScreenGrid, step: str) -> None:
    await pilot.pause()
    await pilot.pause()
    ref, ours = halves(grid)
    assert ours == ref, f"after {step}:\n" + "\n".join(f"{a:<{W // 2}}|{b}" for a, b in zip(ref, ours, strict=False))


async def test_edits_leave_the_same_screen_as_textuals_tree():
    app = Pair()
    grid = ScreenGrid(app, (W, H))
    async with app.run_test(size=(W, H)) as pilot:
        app.set_focus(None)
        m = Mirror(app)
        m.add(None, ("ns",), Text("default  3 services"), expand=True)
        for i in range(3):
            m.add(("ns",), ("svc", i), label(i), expand=True)
            for j in range(2):
                m.add(("svc", i), ("ep", i, j), Text(f"10.0.{i}.{j}  ready"), leaf=True)
        await settle(pilot, m, grid, "building")
        m.cursor(3)
        await settle(pilot, m, grid, "moving the cursor")
        # rows inserted above others: every line below moves down
        m.add(("ns",), ("svc", -1), label(99, " new"), before=("svc", 0), expand=True)
        m.add(("svc", 0), ("ep", 0, -1), Text("10.0.0.9  not ready"), before=("ep", 0, 0), leaf=True)
        await settle(pilot, m, grid, "inserting above")
        m.do(("svc", 1), "set_label", label(1, "  2/3"))
        await settle(pilot, m, grid, "relabelling")
        m.do(("ep", 0, 1), "remove")  # the last child goes: its sibling becomes the last (└─)
        await settle(pilot, m, grid, "removing a last child")
        m.do(("svc", 0), "collapse")
        await settle(pilot, m, grid, "collapsing")
        m.do(("svc", 0), "expand")
        m.do(("svc", 2), "remove")
        await settle(pilot, m, grid, "expanding and removing")
        for k in range(12):  # more lines than fit: the scrollbar appears without a screen layout
            m.add(("svc", 1), ("ep", 1, 10 + k), Text(f"10.0.1.{10 + k}  ready"), leaf=True)
        await settle(pilot, m, grid, "growing past the bottom")
        for t in m.trees:
            t.scroll_end(animate=False)
        await settle(pilot, m, grid, "scrolling to the end")
        assert "10.0.1.21" in "\n".join(halves(grid)[1])


async def test_a_row_inserted_above_does_not_re_render_the_rows_below_nor_lay_out_the_screen():
    app = Pair()
    async with app.run_test(size=(W, H)) as pilot:
        m = Mirror(app)
        await flat(pilot, m, 8)
        ours = m.trees[1]
        layouts = []
        refresh_layout = app.screen._refresh_layout
        app.screen._refresh_layout = lambda *a, **kw: (layouts.append(1), refresh_layout(*a, **kw))
        before = ours.lines_rendered
        ours.root.children[0].add(label(99), ("svc", -1), before=0)  # ours only: Tree would lay out
        await pilot.pause()
        await pilot.pause()
        # the new row, and its parent (Tree counts an added child as an update of the parent);
        # the eight below only moved: their strips are handed back as they are (no line number in them)
        assert ours.lines_rendered - before == 2
        assert layouts == []
        assert "svc-99" in ours.render_lines(ours.region.reset_offset)[1].text


async def test_the_mouse_on_a_moved_row_finds_that_row():
    app = Pair()
    async with app.run_test(size=(W, H)) as pilot:
        m = Mirror(app)
        await flat(pilot, m, 5)
        m.add(("ns",), ("svc", -1), label(99), before=("svc", 0))
        m.add(("ns",), ("svc", -2), label(98), before=("svc", 0))
        await pilot.pause()
        await pilot.pause()
        ours = m.trees[1]
        # line 3 showed svc-02 before the inserts; it shows svc-00 now, from svc-00's moved strip
        # (the strip's meta has no line number: the mouse's line comes from its position)
        await pilot.hover("#ours", offset=(8, 3))
        await pilot.pause()
        assert ours.hover_line == 3
        await pilot.click("#ours", offset=(8, 3))
        await pilot.pause()
        assert ours.cursor_node is not None and ours.cursor_node.data == ("svc", 0)


async def test_drawn_lines_equal_textuals_segment_for_segment():
    app = Pair()
    async with app.run_test(size=(W, H)) as pilot:
        m = Mirror(app)
        m.add(None, ("ns",), Text("default  2 services"), expand=True)
        m.add(("ns",), ("svc", 0), label(0), expand=True)
        m.add(("svc", 0), ("sl", 0), Text("slice-a  IPv4", style="italic"), expand=True)
        for j in range(3):
            m.add(("sl", 0), ("ep", j), Text.assemble(("+ ", "green"), (f"10.0.0.{j}", "yellow"), "  ready"), leaf=True)
        m.add(("ns",), ("svc", 1), label(1))
        m.add(None, ("ns2",), Text("kube-system"))
        await pilot.pause()
        tree = m.trees[1]
        checked = 0
        for focus in (False, True):
            app.set_focus(tree if focus else None)
            await pilot.pause()
            for cursor, hover in ((-1, -1), (2, -1), (3, 4), (5, 5), (0, 3)):
                tree.cursor_line, tree.hover_line = cursor, hover
                await pilot.pause()
                tree._pseudo_class_state = tree.get_pseudo_class_state()
                style = tree.rich_style
                components = Components.of(tree)
                pad = max(tree.virtual_size.width, tree.size.width)
                for y, line in enumerate(tree._tree_lines):
                    tree._updates += 1  # no cache hit in Tree's own cache
                    want = Tree._render_line(tree, y, 0, pad, style)
                    got = draw_line(tree, y, line, style, components, pad)
                    assert all(s.style is None or "line" not in s.style.meta for s in got)
                    assert segments(got) == segments(want, drop_line=True), \
                        f"line {y} (focus={focus}, cursor={cursor}, hover={hover})"
                    assert got.cell_length == want.cell_length
                    checked += 1
        assert checked == 2 * 5 * 8
