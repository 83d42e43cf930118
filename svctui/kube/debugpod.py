"""Debug pods: one warm pod per namespace per svctui session, to run lookups and requests from inside.

The pod is created on first use in a namespace, compliant with Pod Security "restricted" so it starts in
locked-down namespaces too, labelled so leftovers can be found (`app.kubernetes.io/managed-by=svctui`,
`svctui.dev/session=<id>`), and carries activeDeadlineSeconds so the kubelet kills it even if every cleanup
path fails. Later commands exec into the same pod.

Two operators on one cluster: each pod names its owner (user, host, pid) and carries a heartbeat the owning
session renews every 30 s (heartbeat.py). `leftovers()` offers only pods whose owner is gone
(model/podowner.py decides), and `remove_leftovers()` checks again right before deleting, with the
resourceVersion it judged as a precondition: a renewal in between makes the delete fail, not succeed.

Never leak: `cleanup()` (async) or `cleanup_sync()` (the sync `kubernetes` client: works from a signal
handler or atexit, when the event loop is gone) delete the session's pods with grace 0;
`install_cleanup_handlers(session)` wires the latter to SIGTERM, SIGHUP (a dropped SSH session) and exit.
"""

from __future__ import annotations

import asyncio
import atexit
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from kubernetes_asyncio.client import ApiClient

from svctui.model.podowner import HEARTBEAT_SECONDS, SESSION, STALE_SECONDS, Here, owner_annotations, owner_of, verdict

from .api import ApiError, response_error, send
from .exec import ExecError, ExecResult, Executor
from .heartbeat import Heartbeat, Report, ServerClock, pid_alive, this_process
from .transport import KubeApiClient

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "svctui"
IMAGES = {"busybox": "busybox:1.36", "curl": "curlimages/curl:8.11.1", "netshoot": "nicolaka/netshoot:v0.13"}
DEFAULT_IMAGE = IMAGES["busybox"]
CONTAINER = "debug"
# The kubelet ends the pod after this long whatever happens to svctui (the sleep outlasts it); a session
# still running then gets a fresh pod on its next command.
DEFAULT_DEADLINE = 4 * 3600
IMAGE_ERRORS = {"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "RegistryUnavailable"}
START_ERRORS = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff"}
RESTRICTED_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "runAsGroup": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}


class DebugPodError(Exception):
    """Why the debug pod could not be had. `kind`: rbac, pod-security, quota, image, start, timeout, api."""

    def __init__(self, message: str, kind: str = "api"):
        super().__init__(message)
        self.kind = kind


def image_for(choice: str | None) -> str:
    """`busybox`, `curl`, `netshoot` or any image reference."""
    if not choice:
        return DEFAULT_IMAGE
    return IMAGES.get(choice, choice)


def pod_name(session_id: str) -> str:
    return f"svctui-debug-{session_id}"


def manifest(name: str, session_id: str, image: str, deadline: int = DEFAULT_DEADLINE,
             pull_policy: str | None = None, owner: dict[str, str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": image,
        "command": ["sleep", str(deadline + 300)],
        "securityContext": dict(RESTRICTED_CONTEXT),
        # Small but explicit: namespaces with a compute ResourceQuota reject pods without limits.
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "200m", "memory": "64Mi"}},
    }
    if pull_policy:
        container["imagePullPolicy"] = pull_policy
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {MANAGED_BY: MANAGER, SESSION: session_id, "app.kubernetes.io/name": "svctui-debug"},
            "annotations": {"svctui.dev/purpose": "svctui debug commands (nslookup, curl); deleted by its "
                                                  "session on quit, safe to delete once its heartbeat is stale",
                            **(owner or {})},
        },
        "spec": {
            "containers": [container],
            "restartPolicy": "Never",
            "activeDeadlineSeconds": deadline,
            "terminationGracePeriodSeconds": 0,
            "automountServiceAccountToken": False,  # it needs no API access
            "enableServiceLinks": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                "seccompProfile": {"type": "RuntimeDefault"}},
        },
    }


def classify(err: ApiError, namespace: str) -> DebugPodError:
    """A refused pod creation, in words: which rule said no."""
    msg = err.message
    if err.code == 403 and "violates PodSecurity" in msg:
        level = re.search(r'PodSecurity "([^"]+)"', msg)
        rules = msg.split('": ', 1)[-1] if '": ' in msg else msg
        return DebugPodError(f"Pod Security admission in namespace {namespace} "
                             f"({level.group(1) if level else 'enforced'}) rejected the debug pod: {rules}",
                             "pod-security")
    if err.code == 403 and ("exceeded quota" in msg or "must specify" in msg and "quota" in msg.lower()):
        return DebugPodError(f"ResourceQuota in namespace {namespace} leaves no room for the debug pod: {msg}", "quota")
    if err.code == 403:
        return DebugPodError(f"RBAC: not allowed to create pods in namespace {namespace} ({msg})", "rbac")
    if err.code == 422:
        return DebugPodError(f"the API server rejected the debug pod as invalid: {msg}", "api")
    return DebugPodError(f"could not create the debug pod in {namespace}: {msg}", "api")


async def call(api: ApiClient, method: str, path: str, query: list[tuple[str, str]] | None = None,
               body: Any = None, timeout: float = 30.0, content_type: str = "application/json",
               clock: ServerClock | None = None) -> Any:
    """One JSON request through the ApiClient (auth, TLS), raw JSON back; non-2xx raises ApiError.
    `clock` learns the server's time from the answer's Date header."""
    sent = clock.local() if clock is not None else 0.0
    reply = await send(api, method, path, query=query, body=body, content_type=content_type,
                       timeout=aiohttp.ClientTimeout(total=timeout))
    if clock is not None:
        clock.saw(reply.headers.get("Date"), sent, clock.local())
    parsed = reply.json()
    if reply.status >= 300:
        raise response_error(api, parsed, reply.status, reply.reason)
    return parsed


def _pods_path(ns: str, name: str | None = None) -> str:
    base = f"/api/v1/namespaces/{quote(ns)}/pods"
    return base if name is None else f"{base}/{quote(name)}"


def _waiting_problem(pod: dict[str, Any], image: str) -> DebugPodError | None:
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = waiting.get("reason") or ""
        detail = f"{reason}: {waiting.get('message')}" if waiting.get("message") else reason
        if reason in IMAGE_ERRORS:
            return DebugPodError(f'cannot pull image "{image}" ({detail}); choose another image or a registry '
                                 "mirror the cluster can reach", "image")
        if reason in START_ERRORS:
            return DebugPodError(f"the debug container cannot start ({detail})", "start")
        term = state.get("terminated")
        if term:
            return DebugPodError(f"the debug container exited ({term.get('reason') or ''} "
                                 f"exit code {term.get('exitCode')})", "start")
    if status.get("phase") in ("Failed", "Succeeded"):
        return DebugPodError(f"the debug pod ended: {status.get('phase')} {status.get('reason') or ''} "
                             f"{status.get('message') or ''}".strip(), "start")
    return None


def _running(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        "running" in (cs.get("state") or {}) for cs in status.get("containerStatuses") or [])


def _pending_note(pod: dict[str, Any]) -> str:
    status = pod.get("status") or {}
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("status") == "False":
            return f"not scheduled: {c.get('reason') or ''} {c.get('message') or ''}".strip()
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            return f"{waiting['reason']} {waiting.get('message') or ''}".strip()
    return status.get("phase") or "Pending"


@dataclass(frozen=True)
class Leftover:
    """A debug pod of another session, and what is known of its owner (all of it untrusted text)."""

    namespace: str
    name: str
    session: str
    created: str
    phase: str
    user: str = ""
    host: str = ""
    pid: int | None = None
    heartbeat_age: float | None = None
    why: str = ""  # why its owner counts as gone, or why not
    uid: str = ""
    resource_version: str = ""

    @property
    def owner(self) -> str:
        who = f"{self.user}@{self.host}" if self.user else self.host
        return f"{who} pid {self.pid}" if who and self.pid is not None else (who or f"session {self.session}")


@dataclass
class Removal:
    removed: list[str]  # ns/name deleted
    kept: list[str]  # ns/name left alone: its owner showed life again since it was offered


class DebugSession:
    """The debug pods of one svctui run. `session_id` defaults to a fresh random one."""

    def __init__(self, api: KubeApiClient, image: str | None = None, session_id: str | None = None,
                 deadline: int = DEFAULT_DEADLINE, ready_timeout: float = 120.0, pull_policy: str | None = None,
                 poll: float = 0.05, heartbeat_interval: float = HEARTBEAT_SECONDS,
                 stale_after: float = STALE_SECONDS, on_heartbeat: Report | None = None, here: Here | None = None,
                 clock: ServerClock | None = None):
        self.api = api
        self.image = image_for(image)
        self.session_id = session_id or (here.session if here else secrets.token_hex(4))
        self.here = here or this_process(self.session_id)
        self.stale_after = stale_after
        self.clock = clock or ServerClock()
        self.heartbeat = Heartbeat(self._patch, lambda: self.pods, self.clock, heartbeat_interval, on_heartbeat,
                                   gone=self._lost)
        self.deadline = deadline
        self.ready_timeout = ready_timeout
        self.pull_policy = pull_policy
        self.poll = poll
        # namespace -> pod name; recorded *before* the create, so cleanup covers a create whose answer was lost
        self.pods: dict[str, str] = {}
        self._ready: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._executor: Executor | None = None
        self._sync_config: Any = None
        self._cleanup_lock = threading.Lock()

    # ---- the warm pod ----
    def has_pod(self, namespace: str) -> bool:
        return namespace in self._ready

    async def pod(self, namespace: str, on_progress: Callable[[str], Any] | None = None) -> str:
        """The name of this session's running debug pod in namespace, creating it (and waiting) on first use."""
        if namespace in self._ready:
            return self.pods[namespace]
        lock = self._locks.setdefault(namespace, asyncio.Lock())
        async with lock:
            if namespace in self._ready:
                return self.pods[namespace]
            await self._refresh_sync_config()
            name = pod_name(self.session_id)
            self.pods[namespace] = name
            if on_progress:
                on_progress(f"creating debug pod {namespace}/{name} ({self.image})")
            offset = self.clock.offset
            for attempt in range(2):
                try:
                    await call(self.api, "POST", _pods_path(namespace), clock=self.clock,
                               body=manifest(name, self.session_id, self.image, self.deadline, self.pull_policy,
                                             owner_annotations(self.here, self.clock.now())))
                    break
                except ApiError as err:
                    if err.code != 409:
                        del self.pods[namespace]
                        raise classify(err, namespace) from None
                    # 409: created by an earlier call whose answer was lost, or this session's pod of
                    # earlier that ended (its activeDeadlineSeconds): that one goes, and a fresh one comes.
                    if attempt or not await self._remove_ended(namespace, name, on_progress):
                        break
                except aiohttp.ClientError as exc:
                    raise DebugPodError(f"cannot reach the API server: {exc}") from None
            self.heartbeat.start()  # from the create on: a pod still starting is owned too
            if self.clock.offset != offset:
                # The create's answer showed this clock is off: its heartbeat must not look stale (or
                # fresh) to others for a whole interval.
                await self.heartbeat.beat()
            await self._wait(namespace, name, on_progress)
            self._ready.add(namespace)
            return name

    async def _remove_ended(self, namespace: str, name: str, on_progress: Callable[[str], Any] | None) -> bool:
        """Delete this session's pod if it has ended (Failed, Succeeded) and wait until it is gone."""
        try:
            pod = await call(self.api, "GET", _pods_path(namespace, name))
        except ApiError:
            return False
        status = pod.get("status") or {}
        if status.get("phase") not in ("Failed", "Succeeded"):
            return False
        if on_progress:
            on_progress(f"debug pod {namespace}/{name} ended ({status.get('reason') or status.get('phase')}): "
                        "replacing it")
        end = time.monotonic() + 30
        try:
            await self._delete(namespace, name)
            while time.monotonic() < end:
                try:
                    await call(self.api, "GET", _pods_path(namespace, name))
                except ApiError as err:
                    if err.code == 404:
                        return True
                    raise
                await asyncio.sleep(self.poll)
        except (ApiError, aiohttp.ClientError):
            pass  # not ours to remove after all (RBAC): _wait says what the ended pod is
        return False

    async def _patch(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        await call(self.api, "PATCH", _pods_path(namespace, name), body=body, timeout=10,
                   content_type="application/merge-patch+json", clock=self.clock)

    def _lost(self, namespace: str) -> None:
        # Deleted by someone else (or gone at its deadline): the next command starts a fresh one.
        self._ready.discard(namespace)

    async def _wait(self, namespace: str, name: str, on_progress: Callable[[str], Any] | None) -> None:
        deadline = time.monotonic() + self.ready_timeout
        note = "Pending"
        while True:
            try:
                pod = await call(self.api, "GET", _pods_path(namespace, name))
            except ApiError as err:
                if err.code == 404:
                    raise DebugPodError(f"debug pod {namespace}/{name} disappeared while starting "
                                        "(deleted by someone else, or evicted)", "start") from None
                raise DebugPodError(f"cannot read debug pod {namespace}/{name}: {err.message}") from None
            if _running(pod):
                return
            problem = _waiting_problem(pod, self.image)
            if problem is not None:
                await self._delete(namespace, name)
                raise problem
            new_note = _pending_note(pod)
            if new_note != note and on_progress:
                on_progress(f"debug pod {namespace}/{name}: {new_note}")
            note = new_note
            if time.monotonic() > deadline:
                await self._delete(namespace, name)
                raise DebugPodError(f"debug pod {namespace}/{name} not running after {self.ready_timeout:g} s "
                                    f"({note})", "timeout")
            await asyncio.sleep(self.poll)

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = Executor(self.api)
        return self._executor

    async def exec(self, namespace: str, argv: Sequence[str], on_output: Callable[[str, bytes], Any] | None = None,
                   timeout: float = 30.0, on_progress: Callable[[str], Any] | None = None) -> ExecResult:
        """Run argv in the warm pod of namespace (created on first use)."""
        name = await self.pod(namespace, on_progress)
        try:
            return await self.executor.run(namespace, name, argv, CONTAINER, on_output, timeout)
        except ExecError as err:
            if err.code not in (404, 500) and "container not found" not in str(err):
                raise
        # The warm pod is gone (deadline, eviction, someone deleted it): start a fresh one, once.
        self._ready.discard(namespace)
        name = await self.pod(namespace, on_progress)
        return await self.executor.run(namespace, name, argv, CONTAINER, on_output, timeout)

    # ---- cleanup ----
    async def _delete(self, namespace: str, name: str) -> bool:
        try:
            await call(self.api, "DELETE", _pods_path(namespace, name), query=[("gracePeriodSeconds", "0")],
                       body={"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}, timeout=10)
            return True
        except ApiError as err:
            if err.code == 404:
                return False
            raise

    async def cleanup(self) -> list[str]:
        """Delete this session's pods (grace 0). Idempotent; returns `ns/name` of the pods it deleted."""
        deleted = []
        for ns, name in list(self.pods.items()):
            if await self._delete(ns, name):
                deleted.append(f"{ns}/{name}")
            self.pods.pop(ns, None)
            self._ready.discard(ns)
        return deleted

    async def close(self) -> list[str]:
        """cleanup() and release the exec client; returns what cleanup() deleted."""
        self.heartbeat.stop()
        try:
            return await self.cleanup()
        finally:
            if self._executor is not None:
                await self._executor.close()
                self._executor = None

    async def _refresh_sync_config(self) -> None:
        # Built while the loop is alive, so the signal path needs no awaiting (tokens may rotate: rebuilt per pod).
        from .transport import sync_configuration_for

        try:
            self._sync_config = sync_configuration_for(self.api, await self.api.material())
        except ApiError as err:  # no credential (the exec plugin failed): nothing can be created
            raise DebugPodError(err.message, "api") from None

    def cleanup_sync(self, timeout: float = 5.0) -> list[str]:
        """cleanup() with the blocking `kubernetes` client: for signal handlers and atexit. Never raises."""
        if not self.pods or self._sync_config is None:
            return []
        with self._cleanup_lock:
            from kubernetes.client import ApiClient as SyncApiClient
            from kubernetes.client import CoreV1Api
            from kubernetes.client.rest import ApiException

            deleted = []
            client = SyncApiClient(self._sync_config)
            try:
                core = CoreV1Api(client)
                for ns, name in list(self.pods.items()):
                    try:
                        core.delete_namespaced_pod(name, ns, grace_period_seconds=0, _preload_content=False,
                                                   _request_timeout=timeout)
                        deleted.append(f"{ns}/{name}")
                    except ApiException as exc:
                        if exc.status != 404:
                            continue  # keep it listed: a later path (atexit, leftovers) may manage
                    except Exception:  # noqa: BLE001 - best effort while the process is going away
                        continue
                    self.pods.pop(ns, None)
                    self._ready.discard(ns)
            finally:
                try:
                    client.close()
                except Exception:  # noqa: BLE001
                    pass
            return deleted

    # ---- other sessions ----
    def _judge(self, pod: dict[str, Any], now: float) -> tuple[bool, Leftover]:
        md = pod.get("metadata") or {}
        labels, annotations = md.get("labels") or {}, md.get("annotations") or {}
        owner = owner_of(labels, annotations, md.get("creationTimestamp"))
        v = verdict(owner, self.here, now, pid_alive, self.stale_after)
        item = Leftover(md.get("namespace", ""), md.get("name", ""), owner.session, md.get("creationTimestamp", ""),
                        (pod.get("status") or {}).get("phase", ""), owner.user, owner.host, owner.pid,
                        v.heartbeat_age, v.why, md.get("uid", ""), md.get("resourceVersion", ""))
        return v.gone, item

    async def survey(self, namespaces: Sequence[str] | None = None) -> tuple[list[Leftover], list[Leftover]]:
        """(pods whose owner is gone, pods of sessions still alive) among svctui's debug pods of other
        sessions: cluster-wide, or in `namespaces` when listing all namespaces is forbidden or not wanted."""
        selector = f"{MANAGED_BY}={MANAGER},{SESSION},{SESSION}!={self.session_id}"
        paths = ["/api/v1/pods"] if namespaces is None else [_pods_path(ns) for ns in namespaces]
        gone: list[Leftover] = []
        alive: list[Leftover] = []
        for path in paths:
            data = await call(self.api, "GET", path, query=[("labelSelector", selector)], clock=self.clock)
            now = self.clock.now()
            for pod in (data or {}).get("items") or []:
                if (pod.get("metadata") or {}).get("deletionTimestamp"):
                    continue  # already going
                is_gone, item = self._judge(pod, now)
                (gone if is_gone else alive).append(item)
        order = lambda x: (x.namespace, x.name)  # noqa: E731
        return sorted(gone, key=order), sorted(alive, key=order)

    async def leftovers(self, namespaces: Sequence[str] | None = None) -> list[Leftover]:
        """Debug pods of other sessions whose owner is gone: the only ones ever offered for deletion."""
        return (await self.survey(namespaces))[0]

    async def remove_leftovers(self, items: Sequence[Leftover] | None = None) -> Removal:
        """Delete the given leftovers (default: all there are now), each judged again first: an owner may
        have come back (a laptop woken up) while the prompt waited. The delete carries the judged uid and
        resourceVersion as preconditions, so a heartbeat renewed in between makes it fail (409), not win."""
        items = await self.leftovers() if items is None else items
        out = Removal([], [])
        for item in items:
            ref = f"{item.namespace}/{item.name}"
            if item.session == self.session_id:
                continue
            result = await self._remove_if_gone(item)
            if result is not None:
                (out.removed if result else out.kept).append(ref)
        return out

    async def _remove_if_gone(self, item: Leftover, attempts: int = 3) -> bool | None:
        """True: deleted; False: kept (its owner is back, or it is another pod now); None: already gone."""
        for _ in range(attempts):
            try:
                pod = await call(self.api, "GET", _pods_path(item.namespace, item.name), clock=self.clock)
            except ApiError as err:
                if err.code == 404:
                    return None
                raise
            gone, now_item = self._judge(pod, self.clock.now())
            if not gone or (item.uid and now_item.uid != item.uid):
                return False
            pre = {"uid": now_item.uid, "resourceVersion": now_item.resource_version}
            try:
                await call(self.api, "DELETE", _pods_path(item.namespace, item.name),
                           query=[("gracePeriodSeconds", "0")], timeout=10,
                           body={"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                 "preconditions": pre})
                return True
            except ApiError as err:
                if err.code == 404:
                    return None
                if err.code != 409:
                    raise
                # Changed since judged (a renewal, or the kubelet's status): judge the new version.
        return False


def install_cleanup_handlers(session: DebugSession, signals: Sequence[int] = (signal.SIGTERM, signal.SIGHUP),
                             on_exit: bool = True) -> Callable[[], None]:
    """Delete the session's pods on SIGTERM/SIGHUP and at interpreter exit, synchronously.

    After cleaning up, the previous handler runs; where that was the default, the process exits with
    128+signal via SystemExit so `finally` blocks still run. Off the main thread only atexit is installed.
    Returns a function that restores the previous handlers."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        signals = ()  # Python delivers signals to the main thread only; atexit still covers us

    def handler(signum: int, frame: Any) -> None:
        session.cleanup_sync()
        prev = previous.get(signum)
        if callable(prev):
            prev(signum, frame)
        elif prev != signal.SIG_IGN:
            raise SystemExit(128 + signum)

    for sig in signals:
        previous[sig] = signal.signal(sig, handler)
    if on_exit:
        atexit.register(session.cleanup_sync)

    def uninstall() -> None:
        for sig, prev in previous.items():
            signal.signal(sig, prev if prev is not None else signal.SIG_DFL)
        if on_exit:
            atexit.unregister(session.cleanup_sync)

    return uninstall
