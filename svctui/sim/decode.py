"""Decoding request bodies as the apiserver does: unknown fields and type errors, per fieldValidation."""

from __future__ import annotations

from typing import Any

from . import errors as E
from . import schemas
from .resources import ResourceType

_GO_TYPES = {"integer": "int32", "string": "string", "boolean": "bool", "number": "float64"}


class DecodeResult:
    def __init__(self) -> None:
        self.unknown: list[str] = []
        self.type_error: str | None = None


def check(rt: ResourceType, obj: dict[str, Any], kind: str | None = None) -> DecodeResult:
    """Drop unknown fields from obj (returning their paths) and find the first type error."""
    result = DecodeResult()
    root = schemas.root_for(rt) if kind is None else schemas.definitions().get(kind)
    if root is not None:
        _walk(obj, root, "", result)
    return result


def _walk(value: Any, schema: dict[str, Any] | None, path: str, result: DecodeResult) -> None:
    node = schemas.resolve(schema)
    if node is None or value is None:
        return
    if "oneOf" in node or node.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            _type_error(result, path, "intstr.IntOrString", value)
        return
    t = node.get("type")
    if t == "object" or "properties" in node:
        if not isinstance(value, dict):
            _type_error(result, path, "object", value)
            return
        props = node.get("properties")
        extra = node.get("additionalProperties")
        if props is None:
            if isinstance(extra, dict):
                for k, v in value.items():
                    _walk(v, extra, f"{path}[{k}]" if path else k, result)
            return
        for k in list(value):
            sub = props.get(k)
            if sub is None:
                if node.get("x-kubernetes-preserve-unknown-fields"):
                    continue
                result.unknown.append(f"{path}.{k}" if path else k)
                del value[k]
                continue
            _walk(value[k], sub, f"{path}.{k}" if path else k, result)
        return
    if t == "array":
        if not isinstance(value, list):
            _type_error(result, path, "array", value)
            return
        item = node.get("items")
        for i, v in enumerate(value):
            _walk(v, item, f"{path}[{i}]", result)
        return
    if t == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            _type_error(result, path, "int32" if node.get("format") != "int64" else "int64", value)
    elif t == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            _type_error(result, path, "float64", value)
    elif t == "string":
        if not isinstance(value, str):
            _type_error(result, path, "string", value)
    elif t == "boolean":
        if not isinstance(value, bool):
            _type_error(result, path, "bool", value)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _type_error(result: DecodeResult, path: str, want: str, value: Any) -> None:
    if result.type_error is None:
        result.type_error = f"json: cannot unmarshal {_json_type(value)} into Go struct field .{path} of type {want}"


def enforce(rt: ResourceType, obj: dict[str, Any], validation: str | None) -> list[str]:
    """Apply fieldValidation (Strict | Warn | Ignore); return warning texts. Raises 400 as the apiserver does."""
    result = check(rt, obj)
    prefix = f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
    if result.type_error:
        raise E.bad_request(prefix + result.type_error)
    mode = (validation or "Warn").strip()
    if mode not in ("Strict", "Warn", "Ignore"):
        raise E.bad_request(f'fieldValidation: Unsupported value: "{mode}": supported values: "Ignore", "Strict", "Warn"')
    if not result.unknown:
        return []
    if mode == "Strict":
        if len(result.unknown) == 1:
            raise E.bad_request(prefix + f'strict decoding error: unknown field "{result.unknown[0]}"')
        fields = ", ".join(f'unknown field "{u}"' for u in result.unknown)
        raise E.bad_request(prefix + f"strict decoding error: {fields}")
    if mode == "Warn":
        return [f'unknown field "{u}"' for u in result.unknown]
    return []
