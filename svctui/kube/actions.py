"""The mutations svctui offers: deleting one pod, or the pods behind a Service (what seed 000 does with
`kubectl delete pods -l app=nginx`).

The caller names the pods (namespace, name, uid) it showed the user in the confirmation, and each
delete carries a uid precondition: if a pod of that name was replaced in the meantime, the new one
is left alone and the conflict is reported, so exactly what was confirmed is deleted, nothing else.
Under --read-only every call is refused before any request is made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from kubernetes_asyncio.client import ApiClient

from ..model.deleteplan import PodRef
from . import api as kapi

__all__ = ["DeleteResult", "PodRef", "ReadOnlyError", "delete_pod", "delete_pods", "refuse_if_read_only"]


class ReadOnlyError(Exception):
    """A mutation was asked for while svctui runs with --read-only."""


@dataclass(frozen=True, slots=True)
class DeleteResult:
    pod: PodRef
    error: str | None = None  # None: the API server accepted the delete

    @property
    def ok(self) -> bool:
        return self.error is None


def refuse_if_read_only(read_only: bool, what: str) -> None:
    if read_only:
        raise ReadOnlyError(f"read-only mode: refusing to {what} (started with --read-only)")


async def delete_pod(api: ApiClient, pod: PodRef, *, read_only: bool, timeout: float = 30.0) -> DeleteResult:
    refuse_if_read_only(read_only, f"delete {pod.text}")
    path = f"/api/v1/namespaces/{quote(pod.namespace, safe='')}/pods/{quote(pod.name, safe='')}"
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
    if pod.uid:
        body["preconditions"] = {"uid": pod.uid}
    try:
        reply = await kapi.send(api, "DELETE", path, body=body, timeout=kapi._timeout(timeout))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # network errors: reported per pod, never raised into the UI
        return DeleteResult(pod, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if reply.status < 300:
        return DeleteResult(pod)
    if reply.status == 404:
        return DeleteResult(pod, "already gone (404 NotFound)")
    err = kapi.response_error(api, reply.json(200), reply.status, reply.reason)
    return DeleteResult(pod, f"{err.code} {err.reason}: {err.message}".strip())


async def delete_pods(api: ApiClient, pods: Iterable[PodRef], *, read_only: bool) -> list[DeleteResult]:
    """Deletes each pod (concurrently, as the ReplicaSet sees one burst, like kubectl's -l delete)."""
    pods = list(pods)
    refuse_if_read_only(read_only, f"delete {len(pods)} pod(s)")
    return list(await asyncio.gather(*(delete_pod(api, p, read_only=read_only) for p in pods)))
