"""OpenAPI v3 documents: enough for `kubectl apply` (server-side field validation, strategic merge)
and `kubectl explain`.

Per group-version: the resources' paths, each PATCH operation tagged with x-kubernetes-group-version-kind
and declaring the fieldValidation and dryRun query parameters, and the component schemas of the kinds.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import orjson

from . import resources as R
from . import schemas

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# As kube-apiserver publishes them in v3 (OpenAPIV3OneOfTypes): kubectl explain names the field's type
# after the $ref (`targetPort <IntOrString>`), so these stay components rather than being inlined.
_INT_OR_STRING = {"format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]}
_QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}
_INT_OR_STRING_NAME = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY_NAME = "io.k8s.apimachinery.pkg.api.resource.Quantity"

_PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)


def _param(name: str, type_: str = "string", where: str = "query", required: bool = False) -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "in": where, "schema": {"type": type_, "uniqueItems": True}}
    if required:
        p["required"] = True
    return p


def _gvk(rt: R.ResourceType, kind: str | None = None, group: str | None = None, version: str | None = None) -> dict[str, str]:
    return {"group": rt.group if group is None else group, "version": rt.version if version is None else version,
            "kind": kind or rt.kind}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema_name: str) -> dict[str, Any]:
    return {"content": {"*/*": {"schema": _ref(schema_name)}}, "required": True}


def _responses(schema_name: str, *codes: str) -> dict[str, Any]:
    return {c: {"description": "OK", "content": {"application/json": {"schema": _ref(schema_name)}}} for c in codes}


def _object_ops(rt: R.ResourceType, def_name: str, kind: str | None = None, gv: tuple[str, str] | None = None) -> dict[str, Any]:
    g, v = gv or (rt.group, rt.version)
    gvk = _gvk(rt, kind, g, v)
    write_params = [_param("dryRun"), _param("fieldManager"), _param("fieldValidation")]
    return {
        "get": {"operationId": f"read{kind or rt.kind}", "responses": _responses(def_name, "200"),
                "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk},
        "put": {"operationId": f"replace{kind or rt.kind}", "parameters": write_params,
                "requestBody": _json_body(def_name), "responses": _responses(def_name, "200", "201"),
                "x-kubernetes-action": "put", "x-kubernetes-group-version-kind": gvk},
        "patch": {
            "operationId": f"patch{kind or rt.kind}",
            "parameters": write_params + [_param("force", "boolean")],
            "requestBody": {"content": {t: {"schema": _ref(_META + "Patch")} for t in _PATCH_TYPES}, "required": True},
            "responses": _responses(def_name, "200", "201"),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
        },
        "delete": {"operationId": f"delete{kind or rt.kind}",
                   "parameters": [_param("dryRun"), _param("gracePeriodSeconds", "integer"),
                                  _param("propagationPolicy")],
                   "requestBody": {"content": {"*/*": {"schema": _ref(_META + "DeleteOptions")}}},
                   "responses": _responses(_META + "Status", "200", "202"),
                   "x-kubernetes-action": "delete", "x-kubernetes-group-version-kind": gvk},
        "parameters": [_param("name", where="path", required=True), _param("pretty")]
        + ([_param("namespace", where="path", required=True)] if rt.namespaced else []),
    }


def _collection_ops(rt: R.ResourceType, def_name: str) -> dict[str, Any]:
    gvk = _gvk(rt)
    list_params = [_param(p) for p in ("continue", "fieldSelector", "labelSelector", "resourceVersion",
                                       "resourceVersionMatch")] + [
        _param("allowWatchBookmarks", "boolean"), _param("limit", "integer"), _param("sendInitialEvents", "boolean"),
        _param("timeoutSeconds", "integer"), _param("watch", "boolean")]
    return {
        "get": {"operationId": f"list{rt.kind}", "parameters": list_params,
                "responses": _responses(def_name + "List", "200"),
                "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": gvk},
        "post": {"operationId": f"create{rt.kind}",
                 "parameters": [_param("dryRun"), _param("fieldManager"), _param("fieldValidation")],
                 "requestBody": _json_body(def_name), "responses": _responses(def_name, "200", "201", "202"),
                 "x-kubernetes-action": "post", "x-kubernetes-group-version-kind": gvk},
        "delete": {"operationId": f"deletecollection{rt.kind}", "parameters": list_params,
                   "responses": _responses(_META + "Status", "200"),
                   "x-kubernetes-action": "deletecollection", "x-kubernetes-group-version-kind": gvk},
        "parameters": [_param("pretty")] + ([_param("namespace", where="path", required=True)] if rt.namespaced else []),
    }


def _convert(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _convert(v) for k, v in node.items() if k != "enum"}
    if isinstance(node, list):
        return [_convert(x) for x in node]
    return node


def _component(name: str, node: dict[str, Any]) -> dict[str, Any]:
    """A definition as the apiserver's v3 document has it: descriptions on the type and its properties, and a
    property that is a $ref wrapped in allOf (a $ref's siblings, its description, are ignored in OpenAPI 3.0)."""
    docs = schemas.descriptions().get(name, {})
    if name == _INT_OR_STRING_NAME:
        out = dict(_INT_OR_STRING)
    elif name == _QUANTITY_NAME:
        out = dict(_QUANTITY)
    else:
        out = _convert(node)
    if docs.get(""):
        out["description"] = docs[""]
    props = out.get("properties")
    if isinstance(props, dict):
        for key, prop in list(props.items()):
            if not isinstance(prop, dict):
                continue
            if "$ref" in prop:
                prop = {"allOf": [{"$ref": prop["$ref"]}], **{k: v for k, v in prop.items() if k != "$ref"}}
                props[key] = prop
            if docs.get(key):
                prop["description"] = docs[key]
    return out


def _closure(names: list[str]) -> dict[str, Any]:
    defs = schemas.definitions()
    out: dict[str, Any] = {}
    todo = [n for n in names if n in defs]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out[n] = _component(n, defs[n])
        for ref in _refs(defs[n]):
            if ref not in out:
                todo.append(ref)
    out[_META + "Patch"] = {"type": "object"}
    return out


def _refs(node: Any) -> list[str]:
    acc: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                acc.append(v.rsplit("/", 1)[-1])
            else:
                acc.extend(_refs(v))
    elif isinstance(node, list):
        for x in node:
            acc.extend(_refs(x))
    return acc


def group_versions() -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for rt in R.ALL:
        if (rt.group, rt.version) not in seen:
            seen.append((rt.group, rt.version))
    return seen


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@functools.cache
def document(group: str, version: str) -> bytes | None:
    rts = [rt for rt in R.ALL if rt.group == group and rt.version == version]
    if not rts:
        return None
    paths: dict[str, Any] = {}
    wanted: list[str] = [_META + "Status", _META + "DeleteOptions"]
    for rt in rts:
        def_name = schemas.definition_name(rt.group, rt.version, rt.kind)
        wanted += [def_name, def_name + "List"]
        coll = "/" + rt.base_path("{namespace}" if rt.namespaced else None).lstrip("/")
        paths[coll] = _collection_ops(rt, def_name)
        paths[coll + "/{name}"] = _object_ops(rt, def_name)
        for sub in rt.subresources:
            if sub.name == "scale":
                scale = "io.k8s.api.autoscaling.v1.Scale"
                wanted.append(scale)
                paths[coll + "/{name}/scale"] = _object_ops(rt, scale, "Scale", ("autoscaling", "v1"))
            elif sub.name == "status":
                ops = _object_ops(rt, def_name)
                ops.pop("delete")
                paths[coll + "/{name}/status"] = ops
        if not rt.namespaced:
            continue
        all_path = "/" + rt.base_path(None).lstrip("/")
        paths[all_path] = {"get": _collection_ops(rt, def_name)["get"], "parameters": [_param("pretty")]}
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.2"},
        "paths": paths,
        "components": {"schemas": _closure(wanted)},
    }
    return orjson.dumps(doc)


@functools.lru_cache(maxsize=1)
def index() -> bytes:
    paths = {}
    for g, v in group_versions():
        doc = document(g, v) or b""
        h = hashlib.sha512(doc).hexdigest()[:128].upper()
        paths[gv_path(g, v)] = {"serverRelativeURL": f"/openapi/v3/{gv_path(g, v)}?hash={h}"}
    return orjson.dumps({"paths": paths})
