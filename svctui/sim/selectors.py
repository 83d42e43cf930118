"""Label and field selectors, parsed and matched as apimachinery does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request

_KEY_CHARS = re.compile(r"[A-Za-z0-9_./-]+")
_VALUE_CHARS = re.compile(r"[A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # = != in notin exists !exists gt lt
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        has = self.key in labels
        if self.op in ("=", "==", "in"):
            return has and labels[self.key] in self.values
        if self.op in ("!=", "notin"):
            return not has or labels[self.key] not in self.values
        if self.op == "exists":
            return has
        if self.op == "!exists":
            return not has
        if self.op in ("gt", "lt"):
            if not has:
                return False
            try:
                value = int(labels[self.key])
            except ValueError:
                return False
            bound = int(self.values[0])
            return value > bound if self.op == "gt" else value < bound
        return False


class LabelSelector:
    def __init__(self, requirements: list[Requirement]):
        self.requirements = requirements

    def matches(self, labels: dict[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def equality_pairs(self) -> list[tuple[str, str]]:
        """key=value requirements, which an index can answer."""
        return [(r.key, r.values[0]) for r in self.requirements if r.op in ("=", "==") or (r.op == "in" and len(r.values) == 1)]

    def is_empty(self) -> bool:
        return not self.requirements


def _selector_error(text: str, detail: str) -> ApiError:
    return bad_request(f"unable to parse requirement: {detail}") if detail else bad_request(f"invalid selector: {text!r}")


class _Lexer:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def peek(self, s: str) -> bool:
        self.skip()
        return self.text.startswith(s, self.pos)

    def take(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def word(self, pattern: re.Pattern[str]) -> str:
        self.skip()
        m = pattern.match(self.text, self.pos)
        if not m:
            return ""
        self.pos = m.end()
        return m.group(0)

    def done(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)


def parse_label_selector(text: str | None) -> LabelSelector:
    if not text or not text.strip():
        return LabelSelector([])
    lx = _Lexer(text)
    reqs: list[Requirement] = []
    while True:
        if lx.take("!"):
            key = lx.word(_KEY_CHARS)
            if not key:
                raise bad_request(f"unable to parse requirement: found '{text[lx.pos:lx.pos+1]}', expected: identifier")
            reqs.append(Requirement(key, "!exists"))
        else:
            key = lx.word(_KEY_CHARS)
            if not key:
                raise bad_request(f"unable to parse requirement: found '{text[lx.pos:lx.pos+1] or ''}', expected: !, identifier, or 'end of string'")
            _validate_key(key)
            if lx.take("=="):
                reqs.append(Requirement(key, "==", (_value(lx),)))
            elif lx.take("!="):
                reqs.append(Requirement(key, "!=", (_value(lx),)))
            elif lx.take("="):
                reqs.append(Requirement(key, "=", (_value(lx),)))
            elif lx.take(">"):
                reqs.append(Requirement(key, "gt", (_int_value(lx),)))
            elif lx.take("<"):
                reqs.append(Requirement(key, "lt", (_int_value(lx),)))
            elif _take_keyword(lx, "notin"):
                reqs.append(Requirement(key, "notin", _set(lx)))
            elif _take_keyword(lx, "in"):
                reqs.append(Requirement(key, "in", _set(lx)))
            else:
                reqs.append(Requirement(key, "exists"))
        if lx.done():
            break
        if not lx.take(","):
            raise bad_request(f"unable to parse requirement: found '{text[lx.pos:]}', expected: ',' or 'end of string'")
    return LabelSelector(reqs)


def _take_keyword(lx: _Lexer, kw: str) -> bool:
    lx.skip()
    if lx.text.startswith(kw, lx.pos):
        after = lx.text[lx.pos + len(kw): lx.pos + len(kw) + 1]
        if after in ("", " ", "("):
            lx.pos += len(kw)
            return True
    return False


def _value(lx: _Lexer) -> str:
    v = lx.word(_VALUE_CHARS)
    if len(v) > 63:
        raise bad_request(f"values[0]: Invalid value: {v!r}: must be no more than 63 characters")
    return v


def _int_value(lx: _Lexer) -> str:
    v = lx.word(_VALUE_CHARS)
    try:
        int(v)
    except ValueError:
        raise bad_request("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer") from None
    return v


def _set(lx: _Lexer) -> tuple[str, ...]:
    if not lx.take("("):
        raise bad_request("unable to parse requirement: found '', expected: '('")
    values: list[str] = []
    while True:
        values.append(lx.word(_VALUE_CHARS))
        if lx.take(")"):
            break
        if not lx.take(","):
            raise bad_request("unable to parse requirement: found '', expected: ',', ')' or identifier")
    return tuple(values)


_NAME_PART = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


def _validate_key(key: str) -> None:
    name = key.rsplit("/", 1)[-1]
    if not _NAME_PART.match(name):
        raise bad_request(
            f"unable to parse requirement: <nil>: Invalid value: \"{key}\": name part must consist of alphanumeric "
            "characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )


def selector_from_object(sel: dict[str, Any] | None) -> LabelSelector:
    """A metav1.LabelSelector (matchLabels + matchExpressions). An empty one matches everything."""
    if not sel:
        return LabelSelector([])
    reqs = [Requirement(k, "=", (v,)) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}
    for expr in sel.get("matchExpressions") or []:
        reqs.append(Requirement(expr["key"], ops[expr["operator"]], tuple(expr.get("values") or ())))
    return LabelSelector(reqs)


def selector_string(sel: dict[str, Any] | None) -> str:
    """metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key."""
    if not sel:
        return ""
    parts = []
    for r in sorted(selector_from_object(sel).requirements, key=lambda r: r.key):
        if r.op == "=":
            parts.append(f"{r.key}={r.values[0]}")
        elif r.op in ("in", "notin"):
            parts.append(f"{r.key} {r.op} ({','.join(sorted(r.values))})")
        elif r.op == "exists":
            parts.append(r.key)
        elif r.op == "!exists":
            parts.append(f"!{r.key}")
    return ",".join(parts)


def selector_from_map(sel: dict[str, str] | None) -> LabelSelector:
    return LabelSelector([Requirement(k, "=", (v,)) for k, v in sorted((sel or {}).items())])


def format_map(sel: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((sel or {}).items()))


# ---- field selectors ----

COMMON_FIELDS = {
    "metadata.name": lambda o: o["metadata"].get("name", ""),
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
}

EXTRA_FIELDS: dict[str, dict[str, Callable[[dict], str]]] = {
    "pods": {
        "spec.nodeName": lambda o: o.get("spec", {}).get("nodeName", ""),
        "spec.restartPolicy": lambda o: o.get("spec", {}).get("restartPolicy", ""),
        "spec.schedulerName": lambda o: o.get("spec", {}).get("schedulerName", ""),
        "spec.serviceAccountName": lambda o: o.get("spec", {}).get("serviceAccountName", ""),
        "spec.hostNetwork": lambda o: "true" if o.get("spec", {}).get("hostNetwork") else "false",
        "status.phase": lambda o: o.get("status", {}).get("phase", ""),
        "status.podIP": lambda o: o.get("status", {}).get("podIP", ""),
        "status.nominatedNodeName": lambda o: o.get("status", {}).get("nominatedNodeName", ""),
    },
    "events": {
        "involvedObject.kind": lambda o: o.get("involvedObject", {}).get("kind", ""),
        "involvedObject.namespace": lambda o: o.get("involvedObject", {}).get("namespace", ""),
        "involvedObject.name": lambda o: o.get("involvedObject", {}).get("name", ""),
        "involvedObject.uid": lambda o: o.get("involvedObject", {}).get("uid", ""),
        "involvedObject.apiVersion": lambda o: o.get("involvedObject", {}).get("apiVersion", ""),
        "involvedObject.resourceVersion": lambda o: o.get("involvedObject", {}).get("resourceVersion", ""),
        "involvedObject.fieldPath": lambda o: o.get("involvedObject", {}).get("fieldPath", ""),
        "reason": lambda o: o.get("reason", ""),
        "reportingComponent": lambda o: o.get("reportingComponent", ""),
        "source": lambda o: o.get("source", {}).get("component", ""),
        "type": lambda o: o.get("type", ""),
    },
    "namespaces": {"status.phase": lambda o: o.get("status", {}).get("phase", "")},
    "nodes": {"spec.unschedulable": lambda o: "true" if o.get("spec", {}).get("unschedulable") else "false"},
    "replicasets": {"status.replicas": lambda o: str(o.get("status", {}).get("replicas", 0))},
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    equal: bool
    value: str
    getter: Callable[[dict], str]

    def matches(self, obj: dict) -> bool:
        return (self.getter(obj) == self.value) == self.equal


class FieldSelector:
    def __init__(self, reqs: list[FieldRequirement]):
        self.reqs = reqs

    def matches(self, obj: dict) -> bool:
        return all(r.matches(obj) for r in self.reqs)

    def name(self) -> str | None:
        for r in self.reqs:
            if r.field == "metadata.name" and r.equal:
                return r.value
        return None


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i: i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_field_selector(text: str | None, plural: str, kind_label: str) -> FieldSelector:
    if not text or not text.strip():
        return FieldSelector([])
    fields = dict(COMMON_FIELDS)
    fields.update(EXTRA_FIELDS.get(plural, {}))
    reqs: list[FieldRequirement] = []
    for part in _split_unescaped(text, ","):
        if not part:
            continue
        for op, equal in (("!=", False), ("==", True), ("=", True)):  # noqa: B007 (read after the break)
            idx = _find_unescaped(part, op)
            if idx >= 0:
                field = part[:idx].strip()
                value = _unescape(part[idx + len(op):])
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        if field not in fields:
            raise bad_request(f"field label not supported: {field}")
        reqs.append(FieldRequirement(field, equal, value, fields[field]))
    return FieldSelector(reqs)


def _find_unescaped(text: str, op: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(op, i):
            return i
        i += 1
    return -1
