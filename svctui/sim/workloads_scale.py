"""The autoscaling/v1 Scale subresource of Deployments, ReplicaSets and StatefulSets."""

from __future__ import annotations

from typing import Any

from . import errors as E
from .apiserver import Api, deep_copy
from .resources import ResourceType
from .selectors import selector_string


def read_scale(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    md = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": md["name"],
            "namespace": md.get("namespace"),
            "uid": md.get("uid"),
            "resourceVersion": md.get("resourceVersion"),
            "creationTimestamp": md.get("creationTimestamp"),
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
        "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": selector_string(obj.get("spec", {}).get("selector"))},
    }


def write_scale(api: Api, rt: ResourceType, obj: dict[str, Any], scale: dict[str, Any]) -> dict[str, Any]:
    name = obj["metadata"]["name"]
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv and rv != obj["metadata"]["resourceVersion"]:
        raise E.conflict(rt, name)
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise E.bad_request('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal into Go struct field ScaleSpec.spec.replicas of type int32')
    if replicas < 0:
        raise E.ApiError(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0',
                         {"name": name, "group": "autoscaling", "kind": "Scale",
                          "causes": [{"reason": "FieldValueInvalid", "message": f"Invalid value: {replicas}: must be greater than or equal to 0", "field": "spec.replicas"}]})
    new = deep_copy(obj)
    new["spec"]["replicas"] = replicas
    return api.update(rt, obj["metadata"].get("namespace"), name, new)
