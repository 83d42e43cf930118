"""The flight recorder's writer: a ModelSink tap that appends what the model is fed to a recording.

Each sink call (one watch batch, one list) is one frame, written with a single os.write on an
O_APPEND descriptor and not buffered in Python: whatever stops the process between two calls (SIGINT,
SIGTERM, an exception) leaves only complete frames; a kill inside a write leaves a torn last frame,
which the reader drops. The format is svctui/model/recording.py's.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import orjson

from svctui.model import recording as fmt
from svctui.model.cluster import Changes, ClusterModel
from svctui.model.objects import Key
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE, Obj

log = logging.getLogger("svctui.kube")


class RecorderError(OSError):
    pass


class Recorder:
    def __init__(self, path: str, scope: dict[str, Any], model: ClusterModel | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        try:
            # O_EXCL: a recording is never overwritten (it may be the only copy of an incident).
            self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        except FileExistsError:
            raise RecorderError(f"{path} already exists: choose another file (recordings are never overwritten)") from None
        except OSError as exc:
            raise RecorderError(f"cannot create {path}: {exc.strerror}") from None
        self.path = path
        self.model = model
        self.clock = clock
        self.error: str | None = None  # the first write failure; recording stops there
        self.frames = 0
        self.bytes = 0
        self._enc = fmt.FrameEncoder(dumps=orjson.dumps)
        self._recoveries: dict[Key, object] = {}
        self._append(fmt.MAGIC)
        self._enc.add(fmt.header_record(clock(), scope))
        self._write()

    @property
    def closed(self) -> bool:
        return self._fd is None

    # ---- SinkTap ----

    def listed(self, now: float, kind: str, namespace: str | None, objs: list[Obj]) -> None:
        self._add(fmt.list_record(now, kind, namespace, objs))

    def events(self, now: float, kind: str, events: list[tuple[str, Obj]]) -> None:
        self._add(fmt.events_record(now, kind, events))

    def delivered(self, changes: Changes) -> None:
        """A stopwatch that stopped in this batch is written as a phase record (the live session's
        verdict, which a replay should reproduce)."""
        model = self.model
        if model is None or self._fd is None:
            return
        for key in changes.services:
            sw = model.ledger.stopwatch(key)
            last = sw.last if sw is not None else None
            if last is not None and self._recoveries.get(key) is not last:
                self._recoveries[key] = last
                self._enc.add(fmt.phase_record(last.ended, key, last))
        if self._enc.pending:
            self._write()

    # ---- the rest ----

    def probe(self, now: float, service: Key, ok: bool, detail: str = "") -> None:
        self._add(fmt.probe_record(now, service, ok, detail))

    def snapshot(self, model: ClusterModel, now: float) -> None:
        """What the model holds now, as lists: a recording started mid-session replays from here.
        Stopwatches running at this moment start afresh in the replay (their start is not in it)."""
        store = model.store
        for kind, objs in ((SERVICE, store.services), (ENDPOINTSLICE, store.slices), (POD, store.pods)):
            self._add(fmt.list_record(now, kind, None, list(objs.values())))
        for key in model.topology.service_keys():
            sw = model.ledger.stopwatch(key)
            if sw is not None and sw.last is not None:
                self._recoveries[key] = sw.last  # already over: not this recording's

    def close(self) -> None:
        if self._fd is None:
            return
        self._enc.add({"k": fmt.END, "t": self.clock()})
        self._write()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def _add(self, record: dict[str, Any]) -> None:
        if self._fd is None:
            return
        self._enc.add(record)
        self._write()

    def _write(self) -> None:
        self._append(self._enc.frame())
        self.frames += 1

    def _append(self, data: bytes) -> None:
        fd = self._fd
        if fd is None:
            return
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            self.bytes += len(data)
        except OSError as exc:
            self.error = f"recording to {self.path} stopped: {exc.strerror}"
            log.error("%s", self.error)
            self._fd = None
            try:
                os.close(fd)
            except OSError:
                pass
