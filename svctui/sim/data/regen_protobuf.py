"""Regenerate k8s-protobuf.json: field tables for decoding Kubernetes protobuf request bodies.

kubectl's `create <kind>` subcommands (create namespace/deployment/service/configmap ...) send their
objects as `application/vnd.kubernetes.protobuf`. The sim decodes them with a table of every struct's
fields, read from the Go struct tags of k8s.io/api and k8s.io/apimachinery:

    python -m svctui.sim.data.regen_protobuf /path/to/kubernetes/api /path/to/kubernetes/apimachinery

(both are git checkouts; only their *.go files are read). Each entry: [number, json name, kind, flags]
where kind is a scalar (string, bytes, int, uint, bool, double, float, sint), `msg:<pkg>.<Struct>`
or `map:<value kind>`, and flags is a string of r (repeated), p (pointer), o (omitempty).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PACKAGES = {
    "k8s.io/api/core/v1": "core/v1",
    "k8s.io/api/apps/v1": "apps/v1",
    "k8s.io/api/discovery/v1": "discovery/v1",
    "k8s.io/api/autoscaling/v1": "autoscaling/v1",
    "k8s.io/api/policy/v1": "policy/v1",
    "k8s.io/api/batch/v1": "batch/v1",
    "k8s.io/api/coordination/v1": "coordination/v1",
    "k8s.io/api/networking/v1": "networking/v1",
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    "k8s.io/api/rbac/v1": "rbac/v1",
    "k8s.io/api/authorization/v1": "authorization/v1",
    "k8s.io/api/authentication/v1": "authentication/v1",
}
# Their messages go to a file of their own, so that either file regenerates without touching the other.
SEPARATE = {"rbac/v1", "authorization/v1", "authentication/v1"}
# Types with hand-written codecs in the decoder.
SPECIAL = {"meta/v1.Time", "meta/v1.MicroTime", "intstr.IntOrString", "resource.Quantity", "runtime.RawExtension",
           "meta/v1.Duration", "meta/v1.Fields", "meta/v1.FieldsV1"}

STRUCT = re.compile(r"^type (\w+) struct \{$")
ALIAS = re.compile(r"^type (\w+) (\[\]\w+|map\[\w+\][\w.]+|string|int32|int64|bool|float64|\[\]byte)\s*$")
FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([\w.*\[\]]+)\s+`([^`]*)`")
IMPORT = re.compile(r'^\s*(\w+)?\s*"([^"]+)"')
SCALARS = {"string": "string", "bool": "bool", "int32": "int", "int64": "int", "int": "int", "uint32": "uint",
           "uint64": "uint", "float64": "double", "float32": "float", "byte": "int"}


def _tag(tags: str, key: str) -> str | None:
    m = re.search(key + r':"([^"]*)"', tags)
    return m.group(1) if m else None


def parse_package(path: Path, pkg: str, tables: dict, aliases: dict) -> None:
    for f in sorted(path.glob("*.go")):
        if f.name.endswith("_test.go") or f.name.startswith("zz_generated") or f.name == "generated.pb.go":
            continue
        imports: dict[str, str] = {}
        lines = f.read_text().splitlines()
        in_import = False
        struct = None
        for line in lines:
            if line.startswith("import ("):
                in_import = True
                continue
            if in_import:
                if line.startswith(")"):
                    in_import = False
                    continue
                m = IMPORT.match(line)
                if m:
                    alias = m.group(1) or m.group(2).rsplit("/", 1)[-1]
                    imports[alias] = m.group(2)
                continue
            if struct is None:
                m = STRUCT.match(line)
                if m:
                    struct = m.group(1)
                    tables[f"{pkg}.{struct}"] = {"_imports": imports, "fields": []}
                    continue
                m = ALIAS.match(line)
                if m:
                    aliases[f"{pkg}.{m.group(1)}"] = (m.group(2), imports)
                continue
            if line.startswith("}"):
                struct = None
                continue
            m = FIELD.match(line)
            if not m:
                continue
            gotype, tags = m.group(2), m.group(3)
            proto = _tag(tags, "protobuf")
            if not proto:
                continue
            js = (_tag(tags, "json") or "").split(",")
            tables[f"{pkg}.{struct}"]["fields"].append({
                "go": gotype, "proto": proto, "json": js[0], "omitempty": "omitempty" in js[1:],
                "key": _tag(tags, "protobuf_key"), "val": _tag(tags, "protobuf_val"),
            })


def qualify(gotype: str, pkg: str, imports: dict[str, str]) -> str:
    if "." in gotype:
        alias, name = gotype.split(".", 1)
        path = imports.get(alias, alias)
        short = PACKAGES.get(path, path.rsplit("/", 1)[-1])
        return f"{short}.{name}"
    return f"{pkg}.{gotype}"


def kind_of(gotype: str, pkg: str, imports: dict[str, str], aliases: dict) -> tuple[str, bool]:
    """(kind, repeated) for a Go type, following named aliases."""
    t = gotype.lstrip("*")
    if t == "[]byte":
        return "bytes", False
    if t.startswith("[]"):
        inner, _ = kind_of(t[2:], pkg, imports, aliases)
        return inner, True
    if t.startswith("map["):
        val = t[t.index("]") + 1:]
        inner, rep = kind_of(val, pkg, imports, aliases)
        return "map:" + inner + ("[]" if rep else ""), True
    if t in SCALARS:
        return SCALARS[t], False
    q = qualify(t, pkg, imports)
    if q == "types.UID":
        return "string", False
    if q in aliases:
        target, aimports = aliases[q]
        return kind_of(target, q.rsplit(".", 1)[0], aimports, aliases)
    return "msg:" + q, False


def main(api: str, machinery: str) -> None:
    roots = {"k8s.io/api": Path(api), "k8s.io/apimachinery": Path(machinery)}
    tables: dict = {}
    aliases: dict = {}
    for path, short in PACKAGES.items():
        for prefix, root in roots.items():
            if path.startswith(prefix):
                parse_package(root / path[len(prefix) + 1:], short, tables, aliases)
    out: dict[str, list] = {}
    for qname, t in tables.items():
        pkg = qname.rsplit(".", 1)[0]
        fields = []
        for f in t["fields"]:
            parts = f["proto"].split(",")
            if len(parts) < 3:
                continue
            number = int(parts[1])
            kind, rep = kind_of(f["go"], pkg, t["_imports"], aliases)
            if kind == "int" and parts[0] == "zigzag64":
                kind = "sint"
            flags = ("r" if rep or parts[2] == "rep" else "") + ("p" if f["go"].startswith("*") else "") + (
                "o" if f["omitempty"] else "")
            fields.append([number, f["json"], kind, flags])
        if fields:
            out[qname] = fields
    apart = {k: v for k, v in out.items() if k.rsplit(".", 1)[0] in SEPARATE}
    rest = {k: v for k, v in out.items() if k not in apart}
    for name, part in (("k8s-protobuf.json", rest), ("k8s-protobuf-rbac.json", apart)):
        target = Path(__file__).with_name(name)
        target.write_text(json.dumps(part, separators=(",", ":"), sort_keys=True))
        print(f"{len(part)} messages, {target.stat().st_size} bytes -> {target}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
