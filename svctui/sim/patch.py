"""PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.

Strategic merge follows apimachinery's rules for the common cases: lists with a patch merge key are
merged by that key (`$patch: delete` removes an element, `$patch: replace` replaces the list), merge
lists of scalars are unions, other lists are replaced, `null` deletes a key. Ordering directives
(`$setElementOrder/…`) and `$retainKeys` are honoured as far as kubectl apply needs them.
"""

from __future__ import annotations

from typing import Any

import orjson

from . import errors as E
from . import schemas
from .resources import ResourceType

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def apply_patch(rt: ResourceType, obj: dict[str, Any], patch_type: str, body: bytes) -> Any:
    patch_type = patch_type.split(";")[0].strip()
    if patch_type == APPLY:
        raise E.ApiError(415, "UnsupportedMediaType",
                         "server-side apply is not supported by the simulated cluster; use client-side apply")
    try:
        patch = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError as exc:
        raise E.bad_request(f"error decoding patch: {exc}") from None
    if patch_type == MERGE:
        if not isinstance(patch, dict):
            raise E.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        return merge_patch(obj, patch)
    if patch_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise E.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return json_patch(obj, patch)
    if patch_type == STRATEGIC:
        if not isinstance(patch, dict):
            raise E.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
        return strategic_merge(obj, patch, schemas.root_for(rt))
    raise E.ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: {MERGE}, {JSON_PATCH}, {STRATEGIC}")


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


# ---- JSON patch ----

def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise E.bad_request(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise E.ApiError(422, "Invalid", "the server rejected our request due to an error in our request") from None
        elif isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            raise E.ApiError(422, "Invalid", "the server rejected our request due to an error in our request")
    return cur, parts[-1]


def _get(doc: Any, parts: list[str]) -> Any:
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        else:
            cur = cur[p]
    return cur


def json_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    for op in ops:
        kind = op.get("op")
        parts = _pointer(op.get("path", ""))
        try:
            if kind == "test":
                if _get(doc, parts) != op.get("value"):
                    raise E.ApiError(422, "Invalid", "the server rejected our request due to an error in our request")
                continue
            if kind in ("move", "copy"):
                src = _pointer(op.get("from", ""))
                value = orjson.loads(orjson.dumps(_get(doc, src)))
                if kind == "move":
                    doc = _remove(doc, src)
                doc = _add(doc, parts, value)
                continue
            if kind == "add":
                doc = _add(doc, parts, op.get("value"))
            elif kind == "remove":
                doc = _remove(doc, parts)
            elif kind == "replace":
                doc = _remove(doc, parts)
                doc = _add(doc, parts, op.get("value"))
            else:
                raise E.bad_request(f"Unexpected kind: {kind}")
        except (KeyError, IndexError, ValueError, TypeError):
            raise E.ApiError(422, "Invalid", "the server rejected our request due to an error in our request") from None
    return doc


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent, last = _parent(doc, parts)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            idx = int(last)
            if idx < 0 or idx > len(parent):
                raise IndexError(idx)
            parent.insert(idx, value)
    else:
        parent[last] = value
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    parent, last = _parent(doc, parts)
    if isinstance(parent, list):
        del parent[int(last)]
    else:
        del parent[last]
    return doc


# ---- strategic merge ----

def strategic_merge(original: Any, patch: Any, schema: dict[str, Any] | None) -> Any:
    if not isinstance(patch, dict):
        return patch
    if not isinstance(original, dict):
        original = {}
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    retain = patch.get("$retainKeys")
    orders: dict[str, list[Any]] = {}
    deletes: dict[str, list[Any]] = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            deletes[k.split("/", 1)[1]] = v
            continue
        if v is None:
            original.pop(k, None)
            continue
        sub = schemas.child(schema, k)
        original[k] = _merge_value(original.get(k), v, sub)
    for field, values in deletes.items():
        if isinstance(original.get(field), list):
            original[field] = [x for x in original[field] if x not in values]
    for field, order in orders.items():
        if isinstance(original.get(field), list):
            original[field] = _reorder(original[field], order, schemas.child(schema, field))
    if isinstance(retain, list):
        for k in list(original):
            if k not in retain:
                del original[k]
    return original


def _merge_value(orig: Any, patch: Any, schema: dict[str, Any] | None) -> Any:
    if isinstance(patch, dict):
        return strategic_merge(orig if isinstance(orig, dict) else {}, patch, schema)
    if isinstance(patch, list):
        return _merge_list(orig if isinstance(orig, list) else [], patch, schema)
    return patch


def _merge_list(orig: list[Any], patch: list[Any], schema: dict[str, Any] | None) -> list[Any]:
    node = schemas.resolve(schema) or {}
    strategy = node.get("x-kubernetes-patch-strategy", "")
    key = node.get("x-kubernetes-patch-merge-key")
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [p for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")]
    if "merge" not in strategy.split(","):
        return [strategic_merge({}, p, schemas.items(schema)) if isinstance(p, dict) else p for p in patch]
    if not key:
        out = list(orig)
        for p in patch:
            if p not in out:
                out.append(p)
        return out
    out = [dict(x) if isinstance(x, dict) else x for x in orig]
    item_schema = schemas.items(schema)
    for p in patch:
        if not isinstance(p, dict):
            continue
        kv = p.get(key)
        idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == kv), None)
        if p.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(strategic_merge({}, p, item_schema))
        else:
            out[idx] = strategic_merge(out[idx], p, item_schema)
    return out


def _reorder(values: list[Any], order: list[Any], schema: dict[str, Any] | None) -> list[Any]:
    node = schemas.resolve(schema) or {}
    key = node.get("x-kubernetes-patch-merge-key")

    def ident(x: Any) -> Any:
        if key and isinstance(x, dict):
            return x.get(key)
        return orjson.dumps(x)

    wanted = [ident(o) for o in order]
    pos = {w: i for i, w in enumerate(wanted)}
    ordered = sorted((v for v in values if ident(v) in pos), key=lambda v: pos[ident(v)])
    rest = [v for v in values if ident(v) not in pos]
    return ordered + rest
