"""The app's debug session: kube's DebugSession behind the two gates a UI needs.

* read-only: no pod is ever created (`DebugPodError(kind="read-only")`); exec into nothing.
* consent: the first pod in a namespace is created only after `approve(namespace, pod, image)` says yes
  (the app asks with a prompt and remembers a yes for the namespace until quit).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from svctui.kube import access_review
from svctui.kube.debugpod import DebugPodError, DebugSession, pod_name

Approve = Callable[[str, str, str], Awaitable[bool]]
READ_ONLY = "read-only"
DECLINED = "declined"
NOT_PERMITTED = "not-permitted"


class GatedSession(DebugSession):
    def __init__(self, api: Any, *, approve: Approve, read_only: bool, **kw: Any) -> None:
        super().__init__(api, **kw)
        self.approve = approve
        self.read_only = read_only

    def has_pod(self, namespace: str) -> bool:
        return namespace in self._ready

    async def pod(self, namespace: str, on_progress: Callable[[str], Any] | None = None) -> str:
        if namespace not in self._ready:
            if self.read_only:
                raise DebugPodError("read-only mode (--read-only): svctui creates no debug pods, so nothing runs "
                                    "from inside the cluster", READ_ONLY)
            # Asked before the prompt: a yes to a pod the user may not create would only end in a 403.
            lacking = await access_review.missing(self.api, access_review.debug_pod(namespace), timeout=5.0)
            if lacking:
                raise DebugPodError(f"{access_review.refusal(lacking)}: svctui cannot run a debug pod there",
                                    NOT_PERMITTED)
            if not await self.approve(namespace, pod_name(self.session_id), self.image):
                raise DebugPodError(f"cancelled: no debug pod in namespace {namespace}", DECLINED)
        return await super().pod(namespace, on_progress)

    async def close_executor(self) -> None:
        """Release the exec client, whatever it was doing (quit: the watch's API client may be closing)."""
        if self._executor is not None:
            try:
                await self._executor.close()
            except Exception:  # noqa: BLE001
                pass
            self._executor = None
