"""Every private name of Textual (and of Rich under it) that svctui relies on, in one place.

The tree and the paint path reach into Textual's internals for speed (a Tree of 100,000 rows drawn without
Text objects, one repaint per frame); see ui/paint.py and ui/widgets/. Those uses stay where they are: an
accessor per attribute would cost a call per drawn line. This module is their inventory instead, checked
by tests/ui/test_textual_private.py against the installed Textual: every attribute and module named here
must exist, every private method we override or call must keep its parameters, and no private name may be
used under svctui/ui without being listed here. When Textual moves under us (the pin is textual~=8.2),
that test says which name went, not a blank screen.
"""

from __future__ import annotations

# class (dotted path) → private attributes read or written on its instances.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "textual.widgets._tree.TreeNode": (
        "_allow_expand", "_children", "_expanded", "_hover", "_hover_", "_id", "_label", "_line", "_parent",
        "_selected", "_selected_", "_tree", "_updates",
    ),
    "textual.widgets.Tree": ("_tree_lines", "_tree_lines_cached", "_tree_nodes"),
    # _styles_cache: LineTree puts its own (ReusingStylesCache) in Widget's place.
    "textual.widget.Widget": ("_layout_required", "_repaint_required", "_scroll_required", "_styles_cache"),
    "textual.screen.Screen": ("_dirty_widgets", "_layout_required", "_recompose_required", "_scroll_required"),
    "textual.app.App": ("_batch_count", "_bindings", "_keymap"),
    "rich.text.Text": ("_length", "_spans", "_text"),
    "rich.style.Style": ("_meta",),
}

# Attributes a class sets only later (not on a fresh instance): checked in its source instead.
LATE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "textual.widgets.Tree": ("_pseudo_class_state",),  # set in render_lines; LineTree sets it first
}

# method (dotted path) → its parameters, for the private methods svctui overrides or calls. An override
# of a renamed method would silently never run again: these are the ones to watch.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "textual.widgets.Tree._add_node": ("self", "parent", "label", "data", "expand"),
    "textual.widgets.Tree._invalidate": ("self",),
    "textual.widgets.Tree._on_mouse_move": ("self", "event"),
    "textual.widgets._tree.TreeNode._expand": ("self", "expand_all"),
    "textual.widgets._tree.TreeNode._reset": ("self",),
    "textual.widgets.Tree._render_line": ("self", "y", "x1", "x2", "base_style"),
    "textual.widgets.Tree._on_click": ("self", "event"),
    "textual.widgets.Tree._clear_line_cache": ("self",),
    "textual.widgets.Tree._new_id": ("self",),
    "textual.widget.Widget._scroll_update": ("self", "virtual_size"),
    "textual.screen.Screen._on_timer_update": ("self",),
}

# private module → the names imported from it.
MODULES: dict[str, tuple[str, ...]] = {
    "textual._styles_cache": ("StylesCache",),
}


def all_names() -> frozenset[str]:
    """Every private attribute or method name listed above (module names aside)."""
    methods = {path.rpartition(".")[2] for path in SIGNATURES}
    late = {name for names in LATE_ATTRIBUTES.values() for name in names}
    return frozenset(name for names in ATTRIBUTES.values() for name in names) | methods | late
