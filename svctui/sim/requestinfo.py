"""What a request asks to do, as kube-apiserver's RequestInfoFactory reads it from method, path and query."""

from __future__ import annotations

from typing import Any

from .rbac import Attributes

_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
# Since 1.31 a websocket GET on these is authorized as create (AuthorizePodWebsocketUpgradeCreatePermission).
_STREAMING = ("exec", "attach", "portforward")


def attributes(method: str, path: str, query: Any) -> Attributes:
    parts = [p for p in path.split("/") if p]
    non_resource = Attributes(verb=method.lower(), resource_request=False, path=path)
    if not parts or parts[0] not in ("api", "apis"):
        return non_resource
    if parts[0] == "api":
        if len(parts) < 3:
            return non_resource
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            return non_resource
        group, version, rest = parts[1], parts[2], parts[3:]
    verb = _VERBS.get(method, method.lower())
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if not name:
        if verb == "get":
            verb = "watch" if (query.get("watch") or "").lower() not in ("", "0", "false") else "list"
        elif verb == "delete":
            verb = "deletecollection"
        if verb in ("list", "watch"):
            # A list or watch of one object by field selector is authorized for that name.
            for req in (query.get("fieldSelector") or "").split(","):
                key, sep, value = req.partition("=")
                if sep and key.strip() == "metadata.name":
                    name = value.removeprefix("=").strip()
    elif sub in _STREAMING and resource == "pods" and verb == "get":
        verb = "create"
    return Attributes(verb=verb, resource_request=True, group=group, version=version, resource=resource,
                      subresource=sub, namespace=namespace, name=name, path=path)
