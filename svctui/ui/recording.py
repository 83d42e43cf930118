"""The record key: toggles a flight recording of the current session (svctui/kube/recorder.py writes
it). Starting writes what the model holds now as lists, then taps the watch's sink; the header shows
"● REC" while on. A new watch (namespace or context switch) ends the recording: it is about one
cluster and one scope."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from rich.text import Text

from svctui.kube.recorder import Recorder, RecorderError
from svctui.model.probe import ProbeResult
from svctui.model.sanitize import plain

if TYPE_CHECKING:
    from textual.app import App

    from svctui.kube.watch import ClusterWatch
    from svctui.model.cluster import ClusterModel

    from .clock import Now

    _Host = App[None]
else:
    _Host = object  # at run time the App comes in beside the mixin


def recording_path(now: float, directory: str | None = None) -> str:
    """A new file's name; -2, -3, ... when that second has one already (Recorder never overwrites)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = os.path.join(directory or os.environ.get("SVCTUI_RECORDINGS") or ".", f"svctui-{stamp}")
    path, n = f"{base}.svcrec", 1
    while os.path.lexists(path):
        n += 1
        path = f"{base}-{n}.svcrec"
    return path


class RecordingMixin(_Host):
    if TYPE_CHECKING:  # what SvctuiApp provides
        model: ClusterModel
        synced: bool
        context_name: str
        namespace_name: str
        now: Now

        def _paint_header(self) -> None: ...

    recorder: Recorder | None = None
    cluster_watch: ClusterWatch | None = None

    def action_record(self) -> None:
        if self.recorder is not None:
            self.stop_recording("stopped")
            return
        watch = self.cluster_watch
        if watch is None or not self.synced:
            self.notify("nothing to record yet: the first lists are not in", severity="warning")
            return
        now = self.now()
        path = recording_path(now)
        try:
            rec = Recorder(path, {"context": self.context_name, "namespace": self.namespace_name, "service": None},
                           self.model, self.now)
        except RecorderError as exc:
            self.notify(plain(str(exc), 200), title="cannot record", severity="error")
            return
        rec.snapshot(self.model, now)
        watch.sink.tap = rec
        self.recorder = rec
        self.notify(f"recording to {plain(path)} (press again to stop)", timeout=4)
        self._paint_header()

    def stop_recording(self, why: str) -> None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return
        if self.cluster_watch is not None and self.cluster_watch.sink.tap is rec:
            self.cluster_watch.sink.tap = None
        rec.close()
        if rec.error:
            self.notify(plain(rec.error, 200), title="recording", severity="error")
        else:
            self.notify(f"recording {why}: {plain(rec.path)} ({rec.bytes / 1024:.0f} KiB)", timeout=6)
        self._paint_header()

    def record_probe(self, r: ProbeResult) -> None:
        rec = self.recorder
        if rec is not None:
            rec.probe(r.time, r.service, r.ok, r.status)

    def close_recording(self) -> None:
        # Quitting while recording: the file gets its end record (every frame is on disk already).
        rec, self.recorder = self.recorder, None
        if rec is not None:
            rec.close()

    def recording_mark(self) -> Text:
        rec = self.recorder
        if rec is None:
            return Text()
        if rec.error:
            return Text("  ✕ REC failed", "bold red")
        return Text("  ● REC", "bold red")
