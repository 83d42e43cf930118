"""Asking the cluster before offering a mutation: SelfSubjectAccessReview (what `kubectl auth can-i` sends).

A mutation the user may not do is explained up front ("not permitted to delete pods in demo") rather than
confirmed and then refused pod by pod. When the review cannot be asked (a cluster without the API, the
review itself refused, the network) the answer is unknown, and unknown does not block: the mutation's own
request is then the check, and its error is reported as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from kubernetes_asyncio.client import ApiClient

from . import api as kapi

PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


@dataclass(frozen=True, slots=True)
class Permission:
    verb: str
    resource: str
    namespace: str
    group: str = ""
    subresource: str = ""

    @property
    def text(self) -> str:
        """`delete pods`, `create pods/exec` (kubectl auth can-i's spelling, group-qualified when not core)."""
        res = f"{self.resource}.{self.group}" if self.group else self.resource
        return f"{self.verb} {res}/{self.subresource}" if self.subresource else f"{self.verb} {res}"


def review_body(perm: Permission) -> dict[str, Any]:
    attrs = {"namespace": perm.namespace, "verb": perm.verb, "group": perm.group, "resource": perm.resource}
    if perm.subresource:
        attrs["subresource"] = perm.subresource
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs}}


async def can_i(api: ApiClient, perm: Permission, timeout: float = 10.0) -> bool | None:
    """True or False as the cluster's authorizer answers; None when it could not be asked."""
    try:
        reply = await kapi.send(api, "POST", PATH, body=review_body(perm), timeout=kapi._timeout(timeout))
    except asyncio.CancelledError:
        raise
    except Exception:  # unknown, not denied: the mutation itself will report what goes wrong
        return None
    if reply.status >= 300:
        return None
    try:
        allowed = (orjson.loads(reply.body).get("status") or {}).get("allowed")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return allowed if isinstance(allowed, bool) else None


async def missing(api: ApiClient, perms: Iterable[Permission], timeout: float = 10.0) -> list[Permission]:
    """The permissions the cluster says the user lacks (unknown answers are not counted)."""
    perms = list(perms)
    answers = await asyncio.gather(*(can_i(api, p, timeout) for p in perms))
    return [p for p, ok in zip(perms, answers, strict=True) if ok is False]


def refusal(lacking: list[Permission]) -> str:
    """`not permitted to delete pods in demo`; several joined: `create pods, create pods/exec`."""
    if not lacking:
        return ""
    ns = lacking[0].namespace
    where = f" in {ns}" if ns else " at the cluster scope"
    return f"not permitted to {', '.join(p.text for p in lacking)}{where}"


def delete_pods(namespace: str) -> list[Permission]:
    return [Permission("delete", "pods", namespace)]


def debug_pod(namespace: str) -> list[Permission]:
    """A debug pod is created, then exec'd into (the nslookup/curl panes)."""
    return [Permission("create", "pods", namespace), Permission("create", "pods", namespace, subresource="exec")]
