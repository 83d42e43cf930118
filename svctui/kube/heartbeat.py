"""Who this process is (written into its debug pods) and the heartbeat that says it is still running.

Why an annotation on the pod and not a coordination.k8s.io Lease: the pod carries its own proof of life,
so nothing extra can leak (a Lease would outlive a pod deleted by hand, or need its own cleanup), no second
API group needs RBAC (svctui may already create and delete pods; patching them is the one verb added),
and a Lease would have to live in some namespace the user may write to, which is exactly what the
per-namespace debug pods avoid assuming. The cost: every renewal is a MODIFIED pod event for watchers of
that namespace, one per namespace per 30 s.

Times are written on the API server's clock (the local clock corrected by the server's Date header), so
two laptops whose clocks disagree by minutes still agree on how old a heartbeat is.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import socket
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from svctui.model.podowner import HEARTBEAT, Here, iso

from .api import ApiError

log = logging.getLogger("svctui.kube")

Report = Callable[[str | None], Any]  # a problem in words; None once renewals work again


def this_process(session: str) -> Here:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no USER and no passwd entry (some containers)
        user = ""
    return Here(session=session, user=user, host=socket.gethostname(), pid=os.getpid(), pidns=_pidns())


def _pidns() -> str:
    """boot id + pid namespace (Linux): pids are comparable only where both are the same."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        return f"{boot[:8]}:{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: assume alive
    except OSError:
        return True
    return True


class ServerClock:
    """The API server's time as seen from here: the local clock plus the offset its Date header shows."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self.local = local
        self.offset = 0.0

    def now(self) -> float:
        return self.local() + self.offset

    def saw(self, date_header: str | None, sent: float, received: float) -> float | None:
        """Note a response's Date; returns the server's time then (None if there was no usable Date)."""
        if not date_header:
            return None
        try:
            server = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            return None
        # Date has whole seconds and is stamped somewhere in the round trip: only a gap of more than a few
        # seconds is a real skew worth correcting (else the offset would jitter with the rounding).
        local = (sent + received) / 2
        if abs(server - local - self.offset) > 2.0:
            self.offset = server - local
        return server


class Heartbeat:
    """Renew the heartbeat annotation of every pod in `pods()` each `interval` seconds.

    A failed renewal (API error, 403, network) never raises out of the loop: `report` hears it once per
    run of failures, and None when a renewal works again. A 404 is a pod someone deleted: `gone` hears it."""

    def __init__(self, patch: Callable[[str, str, dict[str, Any]], Any], pods: Callable[[], dict[str, str]],
                 clock: ServerClock, interval: float, report: Report | None = None,
                 gone: Callable[[str], Any] | None = None) -> None:
        self.patch = patch
        self.pods = pods
        self.clock = clock
        self.interval = interval
        self.report = report
        self.gone = gone
        self.failing: str | None = None
        self.renewals = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="svctui debug pod heartbeat")

    def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                task.cancel()
            except RuntimeError:
                pass  # its loop is already closed: nothing is running it any more

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.beat()

    async def beat(self) -> None:
        problems = []
        for ns, name in list(self.pods().items()):
            body = {"metadata": {"annotations": {HEARTBEAT: iso(self.clock.now())}}}
            try:
                await self.patch(ns, name, body)
                self.renewals += 1
            except ApiError as err:
                if err.code == 404:
                    if self.gone:
                        self.gone(ns)
                    continue
                problems.append(f"{ns}/{name}: {err.code} {err.message}")
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                problems.append(f"{ns}/{name}: {type(exc).__name__}: {exc}")
            except Exception as exc:  # noqa: BLE001 - whatever a renewal hits, the app goes on
                log.exception("debug pod heartbeat")
                problems.append(f"{ns}/{name}: {type(exc).__name__}: {exc}")
        self._note(problems[0] if problems else None)

    def _note(self, problem: str | None) -> None:
        was, self.failing = self.failing, problem
        if (was is None) == (problem is None):
            return  # still fine, or still failing: said already
        if problem is not None:
            log.warning("debug pod heartbeat failed: %s", problem)
        else:
            log.info("debug pod heartbeat renewed again")
        if self.report is not None:
            try:
                self.report(problem)
            except Exception:  # noqa: BLE001 - a broken listener must not stop the heartbeat
                log.exception("heartbeat report failed")

