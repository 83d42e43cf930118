"""One EndpointSlice event's path from the watch to the painted row is the one ARCHITECTURE.md draws:
kube/sink.py → ui/screens/main.py → ui/tree_rows.py → ui/rows.py → ui/widgets/service_tree.py →
ui/paint.py, in that order, without passing through the App or any other owner. Measured by profiling
the app's own thread (the sim runs on another) while a pod turns not ready, through the real path."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import make_app, settle, wait_for
from .simops import pod_names, set_ready

ROOT = Path(__file__).resolve().parents[2] / "svctui"
NGINX = ("default", "nginx-service")
PIPELINE = ["kube/sink.py", "ui/screens/main.py", "ui/tree_rows.py", "ui/rows.py", "ui/widgets/service_tree.py",
            "ui/paint.py"]
# Owners an endpoint change has no business passing through. (Helpers the stages consult are not
# checked: the model, the doctor, the timeline's and the bottom pane's sizing when the timeline fills.)
NOT_ON_THE_PATH = {"ui/app.py", "ui/watching.py", "ui/screens/main_keys.py", "ui/recording.py",
                   "ui/panes/controller.py", "ui/panes/jobs.py", "ui/tabs.py"}


def _segments(calls: list[tuple[str, str]]) -> list[list[str]]:
    """The svctui files entered from each sink flush to the paint_now that follows it."""
    out, cur = [], None
    for path, name in calls:
        if path == "kube/sink.py" and name == "flush":
            cur = [path]
        elif cur is not None:
            cur.append(path)
            if path == "ui/paint.py" and name == "paint_now":
                out.append(cur)
                cur = None
    return out


async def test_an_endpoint_change_takes_six_files_in_one_direction(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.complete and app.main.tree.service_node(NGINX),
                       what="tree")
        await settle(pilot, sim)
        pod = sim.call(lambda c: pod_names(c, "default", "nginx"))[0]
        calls: list[tuple[str, str]] = []
        root = str(ROOT) + "/"

        def profile(frame, event, arg):
            if event == "call":
                f = frame.f_code.co_filename
                if f.startswith(root):
                    calls.append((f[len(root):], frame.f_code.co_name))

        before = app.main.repaints
        sys.setprofile(profile)
        try:
            sim.call(lambda c: set_ready(c, "default", pod, False))
            await wait_for(pilot, lambda: any(not r.endpoint.ready for r in app.main.model.topology.view(NGINX)
                                              .rows.values()) and app.main.repaints > before, what="not ready")
            await pilot.pause(0.1)
        finally:
            sys.setprofile(None)
    segments = _segments(calls)
    assert segments, "no sink flush reached paint_now"
    for seg in segments:
        files = list(dict.fromkeys(seg))  # first entry order
        assert not NOT_ON_THE_PATH & set(files), (set(files) & NOT_ON_THE_PATH, files)
        on_path = [f for f in files if f in PIPELINE]
        if "ui/tree_rows.py" in on_path:  # a flush that rebuilt rows: the whole pipeline, in order
            assert on_path == PIPELINE, files
