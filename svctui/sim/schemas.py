"""The Kubernetes 1.32 type schemas (trimmed, shipped in data/): for strategic merge, pruning and OpenAPI."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .resources import ResourceType

_PATH = Path(__file__).parent / "data" / "k8s-1.32-schemas.json"
_RBAC_PATH = _PATH.with_name("k8s-1.32-schemas-rbac.json")

_GROUP_PKG = {"": "core", "apps": "apps", "discovery.k8s.io": "discovery", "autoscaling": "autoscaling",
              "policy": "policy", "rbac.authorization.k8s.io": "rbac", "authorization.k8s.io": "authorization",
              "authentication.k8s.io": "authentication", "batch": "batch", "coordination.k8s.io": "coordination",
              "networking.k8s.io": "networking"}


@functools.lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    return {**json.loads(_PATH.read_text()), **json.loads(_RBAC_PATH.read_text())}


@functools.lru_cache(maxsize=1)
def descriptions() -> dict[str, dict[str, str]]:
    """Per definition: "" the type's description, else a property's (for OpenAPI documents only)."""
    path = _PATH.with_name("k8s-1.32-descriptions.json")
    return json.loads(path.read_text()) if path.exists() else {}


def definition_name(group: str, version: str, kind: str) -> str:
    return f"io.k8s.api.{_GROUP_PKG.get(group, group)}.{version}.{kind}"


def root_for(rt: ResourceType) -> dict[str, Any] | None:
    return definitions().get(definition_name(rt.group, rt.version, rt.kind))


def resolve(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """Follow $ref (and allOf wrappers) to the schema a node stands for."""
    seen = 0
    while node is not None and seen < 20:
        seen += 1
        if "$ref" in node:
            node = definitions().get(node["$ref"].rsplit("/", 1)[-1])
            continue
        if "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
            continue
        return node
    return node


def child(node: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    node = resolve(node)
    if not node:
        return None
    props = node.get("properties")
    if props and key in props:
        return props[key]
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    return None


def items(node: dict[str, Any] | None) -> dict[str, Any] | None:
    node = resolve(node)
    if not node:
        return None
    return node.get("items")


def is_open(node: dict[str, Any] | None) -> bool:
    """True where any key is allowed (maps, free-form objects)."""
    node = resolve(node)
    if node is None:
        return True
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return True
    if "properties" not in node:
        return node.get("type") in (None, "object") or "additionalProperties" in node
    return False
