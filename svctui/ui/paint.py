"""Paint a repaint now, not a frame later.

A widget's refresh reaches the terminal after three queue hops (the widget's idle, an Update message
on the screen, the screen's idle resuming its frame timer) and then the timer's next tick: 10 ms
(median) behind the model on the benchmark's deletions, most of svctui's lag behind kubectl. The app's
repaint is already coalesced and rate-limited (one per frame past a short burst), so at its end the
widgets it refreshed are handed to the compositor at once, the way the frame timer would.

Only plain repaints: when the screen or one of these widgets needs a layout, a scroll or a recompose,
or the app is inside a batch, this does nothing and Textual's own frame paints as usual. It reads
Textual internals (Screen._dirty_widgets and _on_timer_update, Widget._repaint_required); if they are
not there (another Textual), it does nothing either. tests/ui/test_paint.py pins the behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable


def _with_scrollbars(widgets: Iterable) -> Iterable:
    for w in widgets:
        yield w
        for bar in (getattr(w, "_vertical_scrollbar", None), getattr(w, "_horizontal_scrollbar", None)):
            if bar is not None:
                yield bar


def paint_now(screen, widgets: Iterable) -> bool:
    """Send the widgets' pending repaints to the terminal now; True if a frame was painted."""
    try:
        app = screen.app
        if (app._batch_count or not screen.is_current or screen._layout_required or screen._scroll_required
                or screen._recompose_required):
            return False
        dirty = []
        for w in _with_scrollbars(widgets):
            if w._layout_required or w._scroll_required:
                return False
            if w._repaint_required and w.display and w.is_attached:
                dirty.append(w)
        if not dirty:
            return False
        for w in dirty:
            w._repaint_required = False  # its idle would post the Update this replaces
            screen._dirty_widgets.add(w)
        screen._on_timer_update()
    except AttributeError:
        return False
    return True
