"""Decoding `application/vnd.kubernetes.protobuf` request bodies into the JSON form the store holds.

kubectl's `create <kind>` subcommands send protobuf. The envelope is the magic `k8s\\x00` followed by a
runtime.Unknown {typeMeta, raw}; raw is the object's message. Field tables come from the Go struct tags
(data/k8s-protobuf.json, see data/regen_protobuf.py). Go always marshals non-pointer scalars, so the
decoder applies Go's JSON rules afterwards: zero values of `omitempty` scalars are dropped, pointers and
messages kept as sent.
"""

from __future__ import annotations

import base64
import functools
import json
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAGIC = b"k8s\x00"
_TABLE_PATH = Path(__file__).parent / "data" / "k8s-protobuf.json"
_RBAC_TABLE_PATH = _TABLE_PATH.with_name("k8s-protobuf-rbac.json")

_GROUP_PKG = {"": "core", "apps": "apps", "discovery.k8s.io": "discovery", "autoscaling": "autoscaling",
              "policy": "policy", "meta.k8s.io": "meta", "rbac.authorization.k8s.io": "rbac",
              "authorization.k8s.io": "authorization", "authentication.k8s.io": "authentication",
              "batch": "batch", "coordination.k8s.io": "coordination", "networking.k8s.io": "networking"}


class ProtobufError(ValueError):
    pass


@functools.lru_cache(maxsize=1)
def _tables() -> dict[str, list[list[Any]]]:
    return {**json.loads(_TABLE_PATH.read_text()), **json.loads(_RBAC_TABLE_PATH.read_text())}


@functools.cache
def _fields(message: str) -> dict[int, tuple[str, str, str]]:
    return {f[0]: (f[1], f[2], f[3]) for f in _tables().get(message, [])}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtobufError("varint too long")


def _read_fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value): an int for a varint, bytes otherwise; the message's table says which."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
            if pos > len(buf):
                raise ProtobufError("truncated field")
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _scalar(kind: str, wire: int, value: Any) -> Any:
    if kind == "string":
        return value.decode("utf-8", "replace")
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return _signed(value)
    if kind == "uint":
        return value
    if kind == "sint":
        return (value >> 1) ^ -(value & 1)
    if kind == "double":
        return struct.unpack("<d", value)[0]
    if kind == "float":
        return struct.unpack("<f", value)[0]
    raise ProtobufError(f"unknown scalar kind {kind}")


def _packed(kind: str, raw: bytes) -> list[Any]:
    out, pos = [], 0
    while pos < len(raw):
        v, pos = _varint(raw, pos)
        out.append(_scalar(kind, 0, v))
    return out


def _special(name: str, raw: bytes) -> Any:
    fields = {n: v for n, _, v in _read_fields(raw)}
    if name in ("meta/v1.Time", "meta/v1.MicroTime"):
        seconds = _signed(fields.get(1, 0))
        nanos = fields.get(2, 0)
        if seconds == 0 and nanos == 0:
            return None
        dt = datetime.fromtimestamp(seconds + nanos / 1e9, UTC)
        if name == "meta/v1.MicroTime":
            return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if name == "intstr.IntOrString":
        if fields.get(1, 0) == 1:
            return fields.get(3, b"").decode()
        return _signed(fields.get(2, 0))
    if name == "resource.Quantity":
        return fields.get(1, b"").decode()
    if name == "runtime.RawExtension":
        raw_json = fields.get(1, b"")
        return json.loads(raw_json) if raw_json else None
    if name == "meta/v1.FieldsV1":
        raw_json = fields.get(1, b"")
        return json.loads(raw_json) if raw_json else {}
    if name in ("time.Duration", "meta/v1.Duration"):
        return _signed(fields.get(1, 0))
    raise KeyError(name)


_SPECIAL = {"meta/v1.Time", "meta/v1.MicroTime", "intstr.IntOrString", "resource.Quantity", "runtime.RawExtension",
            "meta/v1.FieldsV1", "time.Duration", "meta/v1.Duration"}


def _value(kind: str, wire: int, value: Any) -> Any:
    if kind.startswith("msg:"):
        name = kind[4:]
        if name in _SPECIAL:
            return _special(name, value)
        return decode_message(name, value)
    return _scalar(kind, wire, value)


def decode_message(message: str, buf: bytes) -> dict[str, Any]:
    fields = _fields(message)
    out: dict[str, Any] = {}
    inline: list[dict[str, Any]] = []
    for number, wire, value in _read_fields(buf):
        spec = fields.get(number)
        if spec is None:
            continue  # unknown to this table (a newer field): dropped, as an older apiserver would
        name, kind, flags = spec
        if kind.startswith("map:"):
            inner = kind[4:]
            entry = {n: (w, v) for n, w, v in _read_fields(value)}
            key = entry.get(1, (2, b""))[1].decode()
            w, v = entry.get(2, (2, b""))
            out.setdefault(name, {})[key] = _value(inner, w, v) if 2 in entry else ("" if inner == "string" else None)
            continue
        if "r" in flags:
            if wire == 2 and not kind.startswith("msg:") and kind not in ("string", "bytes"):
                out.setdefault(name, []).extend(_packed(kind, value))
            else:
                out.setdefault(name, []).append(_value(kind, wire, value))
            continue
        decoded = _value(kind, wire, value)
        if name == "":
            if isinstance(decoded, dict):
                inline.append(decoded)
            continue
        if "p" not in flags and "o" in flags and decoded in ("", 0, False) and not isinstance(decoded, dict):
            continue
        if decoded is None and kind in ("msg:meta/v1.Time", "msg:meta/v1.MicroTime"):
            continue
        out[name] = decoded
    for extra in inline:
        for k, v in extra.items():
            out.setdefault(k, v)
    return out


def is_protobuf(content_type: str) -> bool:
    return content_type.split(";")[0].strip() == "application/vnd.kubernetes.protobuf"


def decode(body: bytes) -> dict[str, Any]:
    """The object in a protobuf request body, with apiVersion and kind from its envelope."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf envelope prefix")
    env = {n: v for n, _, v in _read_fields(body[len(MAGIC):])}
    type_meta = {n: v.decode() for n, _, v in _read_fields(env.get(1, b""))}
    api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
    group, _, version = api_version.rpartition("/")
    if kind in ("DeleteOptions", "Status", "ListOptions", "GetOptions", "CreateOptions", "UpdateOptions", "PatchOptions"):
        message = f"meta/v1.{kind}"
    else:
        message = f"{_GROUP_PKG.get(group, group)}/{version}.{kind}"
    if message not in _tables():
        raise ProtobufError(f"no protobuf decoding for {api_version}/{kind}")
    obj = decode_message(message, env.get(2, b""))
    return {"apiVersion": api_version, "kind": kind, **obj}
