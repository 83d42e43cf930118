"""The record key: toggles a flight recording of the current session (svctui/kube/recorder.py writes
it). Starting writes what the model holds now as lists, then taps the watch's sink; the header shows
"● REC" while on. A new watch (namespace or context switch) ends the recording: it is about one
cluster and one scope."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from svctui.kube.recorder import Recorder, RecorderError
from svctui.model.probe import ProbeResult
from svctui.model.sanitize import plain

if TYPE_CHECKING:
    from svctui.kube.watch import ClusterWatch
    from svctui.model.cluster import ClusterModel

    from .clock import Now


def recording_path(now: float, directory: str | None = None) -> str:
    """A new file's name; -2, -3, ... when that second has one already (Recorder never overwrites)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = os.path.join(directory or os.environ.get("SVCTUI_RECORDINGS") or ".", f"svctui-{stamp}")
    path, n = f"{base}.svcrec", 1
    while os.path.lexists(path):
        n += 1
        path = f"{base}-{n}.svcrec"
    return path


class RecordingControl:
    """The recording of one watch: started from what the model holds, fed by the watch's sink (its tap),
    closed when the watch ends or the app quits. `notify` says what happened (the screen's toasts)."""

    def __init__(self, notify: Callable[..., object], now: Now) -> None:
        self.notify = notify
        self.now = now
        self.recorder: Recorder | None = None
        self._watch: ClusterWatch | None = None

    def toggle(self, watch: ClusterWatch | None, synced: bool, model: ClusterModel, context: str,
               namespace: str) -> None:
        if self.recorder is not None:
            self.stop("stopped")
            return
        if watch is None or not synced:
            self.notify("nothing to record yet: the first lists are not in", severity="warning")
            return
        now = self.now()
        path = recording_path(now)
        try:
            rec = Recorder(path, {"context": context, "namespace": namespace, "service": None}, model, self.now)
        except RecorderError as exc:
            self.notify(plain(str(exc), 200), title="cannot record", severity="error")
            return
        rec.snapshot(model, now)
        watch.sink.tap = rec
        self.recorder, self._watch = rec, watch
        self.notify(f"recording to {plain(path)} (press again to stop)", timeout=4)

    def stop(self, why: str) -> None:
        rec, self.recorder = self.recorder, None
        watch, self._watch = self._watch, None
        if rec is None:
            return
        if watch is not None and watch.sink.tap is rec:
            watch.sink.tap = None
        rec.close()
        if rec.error:
            self.notify(plain(rec.error, 200), title="recording", severity="error")
        else:
            self.notify(f"recording {why}: {plain(rec.path)} ({rec.bytes / 1024:.0f} KiB)", timeout=6)

    def record_probe(self, r: ProbeResult) -> None:
        rec = self.recorder
        if rec is not None:
            rec.probe(r.time, r.service, r.ok, r.status)

    def close(self) -> None:
        # Quitting while recording: the file gets its end record (every frame is on disk already).
        rec, self.recorder = self.recorder, None
        if rec is not None:
            rec.close()

    def mark(self) -> Text:
        rec = self.recorder
        if rec is None:
            return Text()
        if rec.error:
            return Text("  ✕ REC failed", "bold red")
        return Text("  ● REC", "bold red")
