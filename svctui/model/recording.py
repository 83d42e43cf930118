"""The flight recorder's file format: what the model was fed, frame by frame (see README, "Recordings").

A recording holds what the watch streams handed the model (ModelSink.apply / replace_all), i.e. the
converted objects, not the raw API JSON: those are the only fields svctui reads (a Pod is ~20 of its
hundreds), so a recording is a tenth of the wire size, and replaying it through the same sink calls
gives the same model, churn ledger and stopwatches as the live session had.

Layout: MAGIC, then frames. A frame is a 4-byte big-endian length and that many bytes of one deflate
stream, cut with Z_SYNC_FLUSH after whole records: the compressor keeps its window across frames (the
same pod names and labels recur), and every complete frame decodes on its own end. A writer killed in
the middle of a frame leaves a torn last frame, which the reader drops (`Recording.torn`).
Decompressed, the stream is JSON lines (UTF-8), one record each; every record has "k" (its kind) and "t"
(seconds since the epoch, the clock the model was given). Unknown kinds and fields are skipped, so a
later version may add them; VERSION changes only when a record's meaning does.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, TypeVar

from .objects import (
    ContainerPort,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Key,
    Pod,
    Service,
    ServicePort,
    Workload,
)
from .store import ENDPOINTSLICE, POD, SERVICE, WORKLOAD_KINDS, Obj

MAGIC = b"SVCTUI-REC\n"
VERSION = 1

HEADER = "header"  # first record: version, when, what was watched
LIST = "list"  # a full list of one kind (namespace or all): ModelSink.replace_all
EVENTS = "ev"  # watch events of one kind in one batch: ModelSink.apply
PROBE = "probe"  # one probe request's outcome against a Service
PHASE = "phase"  # a stopwatch that stopped: the live session's Recovery, for cross-checking a replay
END = "end"  # a clean stop (its absence is not an error: SIGKILL, power loss)

_LEN = struct.Struct(">I")
MAX_FRAME = 64 << 20  # a length beyond this is garbage, not a frame


class RecordingError(ValueError):
    """Not a recording, or one this version cannot read."""


# ---- objects ----------------------------------------------------------------------------------------

_SCALARS = frozenset({str, int, float, bool, type(None)})
_MISSING = object()
# Per class: (field, default or _MISSING), in declaration order. Built once: a first list of 100,000
# pods goes through encode_obj once each.
_SPECS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _spec(cls: type) -> tuple[tuple[str, Any], ...]:
    spec = _SPECS.get(cls)
    if spec is None:
        if is_dataclass(cls):
            spec = tuple((f.name, _MISSING if f.default is MISSING else f.default) for f in fields(cls))
        else:
            defaults = getattr(cls, "_field_defaults", {})
            spec = tuple((n, defaults.get(n, _MISSING)) for n in getattr(cls, "_fields", ()))
        _SPECS[cls] = spec
    return spec


def _names(cls: type) -> tuple[str, ...]:
    return tuple(n for n, _ in _spec(cls))


def encode_obj(obj: Any) -> dict[str, Any]:
    """A model object as a dict of the fields that differ from their defaults."""
    out: dict[str, Any] = {}
    scalars = _SCALARS
    for name, default in _spec(type(obj)):
        v = getattr(obj, name)
        if default is not _MISSING and type(v) is type(default) and v == default:
            continue
        out[name] = v if type(v) in scalars else _plain(v)
    return out


def _plain(v: Any) -> Any:
    t = type(v)
    if t in _SCALARS:
        return v
    if t is tuple:
        return [x if type(x) in _SCALARS else _plain(x) for x in v]
    return encode_obj(v)  # a model dataclass or NamedTuple


def _pairs(v: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in v)


def _strs(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v)


_T = TypeVar("_T")
_KNOWN: dict[type, frozenset[str]] = {}


def _build(cls: type[_T], d: Any, nested: dict[str, Any]) -> _T:
    if not isinstance(d, dict):
        raise RecordingError(f"expected an object for {cls.__name__}, got {type(d).__name__}")
    known = _KNOWN.get(cls)
    if known is None:
        known = _KNOWN[cls] = frozenset(_names(cls))
    kw: dict[str, Any] = {}
    for name, v in d.items():
        if name not in known:
            continue  # a field a later version added
        conv = nested.get(name)
        kw[name] = conv(v) if conv is not None and v is not None else v
    try:
        return cls(**kw)
    except TypeError as exc:
        raise RecordingError(f"bad {cls.__name__}: {exc}") from None


def _service(d: Any) -> Service:
    return _build(Service, d, {
        "cluster_ips": _strs, "external_ips": _strs, "lb_ingress": _strs, "ip_families": _strs,
        "ports": lambda v: tuple(_build(ServicePort, p, {}) for p in v),
        "selector": _pairs, "labels": _pairs,
    })


def _endpoint(d: Any) -> Endpoint:
    return _build(Endpoint, d, {"addresses": _strs, "hint_zones": _strs})


def _slice(d: Any) -> EndpointSlice:
    return _build(EndpointSlice, d, {
        "ports": lambda v: tuple(_build(EndpointPort, p, {}) for p in v),
        "endpoints": lambda v: tuple(_endpoint(e) for e in v),
        "labels": _pairs,
    })


def _pod(d: Any) -> Pod:
    return _build(Pod, d, {
        "labels": _pairs, "pod_ips": _strs,
        "container_ports": lambda v: tuple(_build(ContainerPort, p, {}) for p in v),
    })


def _workload(d: Any) -> Workload:
    return _build(Workload, d, {})


# The workloads (their desired replicas) too: without them a replayed scale would read as a recovery.
_DECODERS: dict[str, Callable[[Any], Obj]] = {SERVICE: _service, ENDPOINTSLICE: _slice, POD: _pod,
                                               **dict.fromkeys(WORKLOAD_KINDS, _workload)}


def decode_obj(kind: str, d: Any) -> Obj:
    try:
        dec = _DECODERS[kind]
    except KeyError:
        raise RecordingError(f"unknown kind {kind!r}") from None
    return dec(d)


# ---- records ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ListRecord:
    t: float
    kind: str
    namespace: str | None
    objs: tuple[Obj, ...]


@dataclass(frozen=True, slots=True)
class EventsRecord:
    t: float
    kind: str
    events: tuple[tuple[str, Obj], ...]


@dataclass(frozen=True, slots=True)
class ProbeRecord:
    t: float
    service: Key
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PhaseRecord:
    t: float
    service: Key
    recovery: dict[str, Any]


Record = ListRecord | EventsRecord | ProbeRecord | PhaseRecord


def list_record(t: float, kind: str, namespace: str | None, objs: Iterable[Obj]) -> dict[str, Any]:
    return {"k": LIST, "t": t, "kind": kind, "ns": namespace, "objs": [encode_obj(o) for o in objs]}


def events_record(t: float, kind: str, events: Iterable[tuple[str, Obj]]) -> dict[str, Any]:
    return {"k": EVENTS, "t": t, "kind": kind, "ev": [[et, encode_obj(o)] for et, o in events]}


def probe_record(t: float, service: Key, ok: bool, detail: str = "") -> dict[str, Any]:
    return {"k": PROBE, "t": t, "svc": list(service), "ok": ok, "detail": detail}


def phase_record(t: float, service: Key, recovery: Any) -> dict[str, Any]:
    return {"k": PHASE, "t": t, "svc": list(service), "recovery": encode_obj(recovery)}


def header_record(t: float, scope: dict[str, Any]) -> dict[str, Any]:
    return {"k": HEADER, "t": t, "format": "svctui-recording", "version": VERSION, "scope": scope}


def _key(v: Any) -> Key:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)):
        raise RecordingError(f"bad Service key {v!r}")
    return (v[0], v[1])


def parse_record(d: Any) -> Record | None:
    """A decoded JSON line as a Record; None for kinds this version does not replay (header, end, later ones)."""
    if not isinstance(d, dict):
        raise RecordingError("a record is not an object")
    k, t = d.get("k"), d.get("t")
    if not isinstance(t, int | float):
        raise RecordingError(f"record {k!r} has no time")
    t = float(t)
    if k == LIST:
        kind = str(d.get("kind"))
        ns = d.get("ns")
        return ListRecord(t, kind, ns if isinstance(ns, str) else None,
                          tuple(decode_obj(kind, o) for o in d.get("objs") or ()))
    if k == EVENTS:
        kind = str(d.get("kind"))
        return EventsRecord(t, kind, tuple((str(e[0]), decode_obj(kind, e[1])) for e in d.get("ev") or ()))
    if k == PROBE:
        return ProbeRecord(t, _key(d.get("svc")), bool(d.get("ok")), str(d.get("detail") or ""))
    if k == PHASE:
        rec = d.get("recovery")
        return PhaseRecord(t, _key(d.get("svc")), rec if isinstance(rec, dict) else {})
    return None


# ---- frames -----------------------------------------------------------------------------------------

def _stdlib_dumps(record: Any) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


class FrameEncoder:
    """Records → bytes to append: one frame per `frame()` call, each ending on a record boundary."""

    def __init__(self, level: int = 6, dumps: Callable[[Any], bytes] | None = None) -> None:
        self._z = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._lines: list[bytes] = []
        # The writer hands in orjson.dumps (5× the stdlib's speed on a first list); the model stays stdlib-only.
        self._dumps = dumps or _stdlib_dumps

    def add(self, record: dict[str, Any]) -> None:
        self._lines.append(self._dumps(record) + b"\n")

    @property
    def pending(self) -> bool:
        return bool(self._lines)

    def frame(self) -> bytes:
        data = b"".join(self._lines)
        self._lines.clear()
        body = self._z.compress(data) + self._z.flush(zlib.Z_SYNC_FLUSH)
        return _LEN.pack(len(body)) + body


@dataclass
class Recording:
    header: dict[str, Any]
    records: list[Record]
    torn: bool = False  # the last frame was incomplete (the writer was killed mid-write) and was dropped
    ended: bool = False  # the writer stopped cleanly
    ended_at: float | None = None  # when (the end record's time)
    skipped: int = 0  # records that could not be read, left out
    other: list[dict[str, Any]] = field(default_factory=list)  # records this version does not replay

    @property
    def start(self) -> float:
        t = self.header.get("t")
        return float(t) if isinstance(t, int | float) else (self.records[0].t if self.records else 0.0)

    @property
    def end(self) -> float:
        """The end record's time, or the last record's: a recording lasts until it was stopped."""
        last = self.records[-1].t if self.records else self.start
        return max(last, self.ended_at) if self.ended_at is not None else last


def iter_lines(data: bytes) -> tuple[list[bytes], bool]:
    """(JSON lines of every complete frame, torn?)."""
    if not data.startswith(MAGIC):
        raise RecordingError("not an svctui recording (bad magic)")
    z = zlib.decompressobj(-15)
    pos, n = len(MAGIC), len(data)
    chunks: list[bytes] = []
    torn = False
    while pos < n:
        if pos + _LEN.size > n:
            torn = True
            break
        (size,) = _LEN.unpack_from(data, pos)
        if size > MAX_FRAME or pos + _LEN.size + size > n:
            torn = True
            break
        body = data[pos + _LEN.size:pos + _LEN.size + size]
        try:
            out = z.decompress(body)
        except zlib.error:
            torn = True
            break
        if not out.endswith(b"\n") and out:
            torn = True  # a frame always ends a record; this one was cut short
            break
        chunks.append(out)
        pos += _LEN.size + size
    return b"".join(chunks).splitlines(), torn


def loads(data: bytes, parse: Callable[[bytes], Any] = json.loads) -> Recording:
    """`parse`: a JSON parser raising ValueError (json.loads; readers may pass orjson.loads)."""
    lines, torn = iter_lines(data)
    if not lines:
        raise RecordingError("empty recording (no complete frame)")
    try:
        header = parse(lines[0])
    except ValueError:
        raise RecordingError("the header record is not JSON") from None
    if not isinstance(header, dict) or header.get("k") != HEADER:
        raise RecordingError("the first record is not a header")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordingError(f"recording format version {version!r}: this svctui reads up to {VERSION}")
    rec = Recording(header, [], torn)
    for line in lines[1:]:
        try:
            d = parse(line)
            r = parse_record(d)
        except (RecordingError, TypeError, ValueError, KeyError, IndexError, AttributeError):  # ValueError: bad JSON
            # One bad record (a bug, a disk error inside a frame) must not cost the rest of an incident.
            rec.skipped += 1
            continue
        if r is not None:
            rec.records.append(r)
        elif isinstance(d, dict) and d.get("k") == END:
            rec.ended = True
            t = d.get("t")
            rec.ended_at = float(t) if isinstance(t, int | float) else None
        elif isinstance(d, dict):
            rec.other.append(d)
    return rec
