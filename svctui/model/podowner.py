"""Whose debug pod is this, and is its owner gone? The pure decision behind the leftovers offer.

A debug pod carries its owner (session id, user, host, pid, the host's process namespace) and a heartbeat
the owning session renews. Another session may offer to delete it only when the owner is gone:
* its heartbeat is older than `stale_after` (the owner stopped renewing: killed, crashed, laptop closed), or
* it was started on this very host, in this process namespace, and its pid is no longer running.
A pid that is running proves nothing (pids are reused), so it never keeps a stale pod alive; a pid on
another host, or in another container's pid namespace, is not ours to look up.
A pod without a heartbeat comes from an svctui that did not write one: its creation time stands in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

SESSION = "svctui.dev/session"
HEARTBEAT = "svctui.dev/heartbeat"
OWNER_USER = "svctui.dev/owner-user"
OWNER_HOST = "svctui.dev/owner-host"
OWNER_PID = "svctui.dev/owner-pid"
# boot id + pid namespace: two containers (or two boots) may share a hostname, never this key.
OWNER_PIDNS = "svctui.dev/owner-pidns"

HEARTBEAT_SECONDS = 30.0
STALE_SECONDS = 120.0


@dataclass(frozen=True)
class Owner:
    session: str
    user: str = ""
    host: str = ""
    pid: int | None = None
    pidns: str = ""
    heartbeat: float | None = None  # epoch seconds of the last renewal, None if the pod has none
    created: float | None = None


@dataclass(frozen=True)
class Here:
    """This process, as written into the pods it owns."""

    session: str
    user: str
    host: str
    pid: int
    pidns: str = ""


@dataclass(frozen=True)
class Verdict:
    gone: bool
    why: str  # a phrase: "heartbeat 3m05s old", "pid 4242 is not running on this host", ...
    heartbeat_age: float | None  # seconds, None when the pod has no heartbeat


def iso(t: float) -> str:
    """RFC 3339 with microseconds (a MicroTime): a short test staleness must not drown in rounding."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: object) -> float | None:
    """An RFC 3339 time from an annotation (anyone can write one): None unless it parses."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.timestamp()


def owner_of(labels: Mapping[str, str], annotations: Mapping[str, str], created: str | None = None) -> Owner:
    pid_text = annotations.get(OWNER_PID) or ""
    pid = int(pid_text) if pid_text.isdigit() and 0 < len(pid_text) < 10 else None
    return Owner(session=labels.get(SESSION, ""), user=annotations.get(OWNER_USER, ""),
                 host=annotations.get(OWNER_HOST, ""), pid=pid, pidns=annotations.get(OWNER_PIDNS, ""),
                 heartbeat=parse_time(annotations.get(HEARTBEAT)), created=parse_time(created))


def owner_annotations(here: Here, now: float) -> dict[str, str]:
    out = {OWNER_USER: here.user, OWNER_HOST: here.host, OWNER_PID: str(here.pid), HEARTBEAT: iso(now)}
    if here.pidns:
        out[OWNER_PIDNS] = here.pidns
    return out


def age_text(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600}h"


def verdict(owner: Owner, here: Here, now: float, pid_alive: Callable[[int], bool],
            stale_after: float = STALE_SECONDS) -> Verdict:
    """Is the owner of this pod gone? Never for this session's own pods."""
    if owner.session and owner.session == here.session:
        return Verdict(False, "this session's own pod", None)
    beat_age = None if owner.heartbeat is None else now - owner.heartbeat
    last = beat_age if beat_age is not None else (None if owner.created is None else now - owner.created)
    if beat_age is not None:
        seen = f"heartbeat {age_text(beat_age)} ago"
    elif last is not None:
        seen = f"no heartbeat, created {age_text(last)} ago"
    else:
        seen = "no heartbeat"
    if last is not None and last > stale_after:
        return Verdict(True, seen, beat_age)
    if (owner.host and owner.pid is not None and owner.host == here.host and owner.pidns == here.pidns
            and not pid_alive(owner.pid)):
        return Verdict(True, f"pid {owner.pid} is not running on this host, {seen}", beat_age)
    return Verdict(False, seen, beat_age)
