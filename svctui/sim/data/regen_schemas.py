"""Regenerate k8s-1.32-schemas.json from the kubernetes-validate package (a test dependency).

The sim ships the trimmed result so that it needs no schema package at run time:
    python -m svctui.sim.data.regen_schemas
Kept: every definition reachable from the kinds the sim serves, without descriptions, with
OpenAPI-style single types ("string" rather than ["string", "null"]); the descriptions go to
k8s-1.32-descriptions.json, read only for the OpenAPI documents (`kubectl explain`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOTS = [
    "io.k8s.api.core.v1.Namespace", "io.k8s.api.core.v1.Node", "io.k8s.api.core.v1.Pod",
    "io.k8s.api.core.v1.Service", "io.k8s.api.core.v1.Endpoints", "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Event", "io.k8s.api.discovery.v1.EndpointSlice", "io.k8s.api.apps.v1.Deployment",
    "io.k8s.api.apps.v1.ReplicaSet", "io.k8s.api.apps.v1.StatefulSet", "io.k8s.api.autoscaling.v1.Scale",
    "io.k8s.api.policy.v1.Eviction", "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.api.core.v1.Binding",
]
KINDS_ADDED = [
    "io.k8s.api.apps.v1.DaemonSet", "io.k8s.api.core.v1.Secret", "io.k8s.api.core.v1.ServiceAccount", "io.k8s.api.batch.v1.Job",
    "io.k8s.api.coordination.v1.Lease", "io.k8s.api.networking.v1.Ingress", "io.k8s.api.networking.v1.IngressClass",
]
DESCRIPTIONS = "k8s-1.32-descriptions.json"
LISTS = [r + "List" for r in ROOTS[:11] + KINDS_ADDED]
ROOTS += KINDS_ADDED
# A file of their own, so that kinds added to ROOTS and these regenerate without touching each other.
RBAC_ROOTS = [
    "io.k8s.api.rbac.v1.Role", "io.k8s.api.rbac.v1.ClusterRole", "io.k8s.api.rbac.v1.RoleBinding",
    "io.k8s.api.rbac.v1.ClusterRoleBinding", "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
    "io.k8s.api.authorization.v1.SelfSubjectRulesReview", "io.k8s.api.authentication.v1.SelfSubjectReview",
]
RBAC_LISTS = [r + "List" for r in RBAC_ROOTS[:4]]


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "description":
                continue
            if k == "type" and isinstance(v, list):
                types = [t for t in v if t != "null"]
                v = types[0] if len(types) == 1 else types
            if k == "$ref":
                v = "#/components/schemas/" + v.rsplit("/", 1)[-1]
            out[k] = _clean(v)
        return out
    if isinstance(node, list):
        return [_clean(x) for x in node]
    return node


def _refs(node: Any, acc: set[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                acc.add(v.rsplit("/", 1)[-1])
            else:
                _refs(v, acc)
    elif isinstance(node, list):
        for x in node:
            _refs(x, acc)


def main() -> None:
    # A test dependency, needed only to regenerate: the sim reads the trimmed files it wrote.
    import kubernetes_validate

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / "v1.32.0-local"
    defs = json.loads((base / "_definitions.json").read_text())["$defs"]
    _write(defs, ROOTS + LISTS, "k8s-1.32-schemas.json")
    _write(defs, RBAC_ROOTS + RBAC_LISTS, "k8s-1.32-schemas-rbac.json")


def _write(defs: dict[str, Any], roots: list[str], filename: str) -> None:
    keep: set[str] = set()
    todo = [r for r in roots if r in defs]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        acc: set[str] = set()
        _refs(defs[name], acc)
        todo.extend(acc - keep)
    out = {name: _clean(defs[name]) for name in sorted(keep)}
    target = Path(__file__).with_name(filename)
    target.write_text(json.dumps(out, separators=(",", ":"), sort_keys=True))
    print(f"{len(out)} definitions, {target.stat().st_size} bytes -> {target}")
    docs = {name: _descriptions(defs[name]) for name in sorted(keep)}
    target = Path(__file__).with_name(DESCRIPTIONS)
    target.write_text(json.dumps({k: v for k, v in docs.items() if v}, separators=(",", ":"), sort_keys=True))
    print(f"descriptions: {target.stat().st_size} bytes -> {target}")


def _descriptions(node: dict) -> dict[str, str]:
    """`kubectl explain` text, kept apart from the schemas the sim validates with: "" for the type itself,
    then one entry per property."""
    out = {}
    if node.get("description"):
        out[""] = node["description"]
    for key, prop in (node.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("description"):
            out[key] = prop["description"]
    return out


if __name__ == "__main__":
    main()
