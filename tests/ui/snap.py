"""SVG snapshots under the top-level snapshots/ directory.

`SVCTUI_UPDATE_SNAPSHOTS=1 pytest tests/ui` (re)writes baselines. On a mismatch the actual SVG is
written next to the baseline as <name>.actual.svg, to open or convert with svg2png."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"


def check_snapshot(app, name: str) -> None:
    # A focused input's cursor blinks (on, off every 0.5 s): stop it, shown, so the capture does not depend on
    # when in the blink it was taken (a pane snapshot failed on this alone).
    from textual.widgets import Input

    for box in app.screen.query(Input):
        box.cursor_blink = False  # Input's watcher pauses the timer and shows the cursor
    # simplify: the same screen can reach the compositor in differently split segments.
    svg = app.export_screenshot(title=f"svctui — {name}", simplify=True)
    SNAPSHOTS.mkdir(exist_ok=True)
    base = SNAPSHOTS / f"{name}.svg"
    actual = SNAPSHOTS / f"{name}.actual.svg"
    if os.environ.get("SVCTUI_UPDATE_SNAPSHOTS") == "1":
        base.write_text(svg, encoding="utf-8")
        actual.unlink(missing_ok=True)
        return
    if not base.exists():
        actual.write_text(svg, encoding="utf-8")
        raise AssertionError(f"no baseline {base}; wrote {actual}. Look at it, then run with "
                             f"SVCTUI_UPDATE_SNAPSHOTS=1 to accept it.")
    if base.read_text(encoding="utf-8") != svg:
        actual.write_text(svg, encoding="utf-8")
        raise AssertionError(f"snapshot {name} differs from {base}; the screen as drawn is in {actual} "
                             f"(/work/shared/tools/svg2png turns it into a PNG). If the change is right, "
                             f"rerun with SVCTUI_UPDATE_SNAPSHOTS=1.")
    actual.unlink(missing_ok=True)
