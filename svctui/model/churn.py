"""The churn ledger: what happened to each Service's endpoint IPs, and how long recovery took.

Entries come from diffing a Service's endpoint rows before and after a batch of deltas (the topology
hands over both snapshots), so a re-list that reconciles to the same state produces no entries, and a
re-list after missed events produces exactly the missed ones. Only slice data is compared (address,
target identity, conditions): pod events never create churn.

Time is always passed in (`now`, float seconds); nothing here reads a clock.

Recovery stopwatch and the steady count
---------------------------------------
The stopwatch starts when a Service's ready count (headline family, see topology.ServiceView.counts)
drops below its *steady count*, runs while below, and stops when it is back; the result stays until
the next drop. The steady count is the ready count the Service is expected to have:

* it is set from the first observation (the initial list is the baseline);
* it follows a deliberate scale only once the new value has held for `settle` seconds (default 5):
  - down: when the *target* (pods a controller is keeping: live pods matching the selector, i.e.
    not deleting and not finished; for selectorless Services or before pods are known, the endpoints
    that are not terminating) has stayed below the steady count for `settle` seconds. The target is
    what tells scale-down from pod deletion: deleting a pod of a Deployment drops the target only for
    the instant before the ReplicaSet creates the replacement, while a scale-down keeps it down.
    A slow replacement (image pull, failing probe) keeps the target up, so the stopwatch keeps
    running however long recovery takes.
  - up: when min(ready, target) has stayed above the steady count for `settle` seconds, so a
    rolling update's brief surge does not raise the bar, while a scale-up does once its pods are ready.
A stopwatch that is running when the steady count drops to the ready count ends as "rescaled", not
"recovered": a scale-down looks like a drop for `settle` seconds, then is labelled for what it was.
Settling needs time to pass without events, so callers call `tick(now)` now and then (once a second).

With intent (the `desired` count from the Service's workloads' spec.replicas, model/intent.py) nothing
is guessed: the steady count is what the Service has reached, capped at the desired count, so a
scale-down lowers it at once and a scale-up raises it as the new pods become ready. A change of the
desired count is a `Scaling` ("scaling 3→5 (4/5 ready)", then "scaled 3→5 in 2.1s"), never a
recovery; only a loss below the steady count starts the stopwatch. Without intent (no workload,
workloads unreadable) the rule above applies.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import cast

from . import churnwords as W
from .churnwords import RECOVERED, RESCALED
from .objects import Endpoint, Key
from .readyhistory import ReadyHistory
from .topology import EndpointKey, EndpointRow, ServiceView

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"

__all__ = ["RECOVERED", "RESCALED"]  # spelled in churnwords, re-exported for the ledger's users


@dataclass(frozen=True, slots=True)
class Scaling:
    """A change of the desired count, from `start` to `to`, and when the ready count got there."""
    start: int
    to: int
    started: float
    ended: float | None = None

    def done(self, ready: int) -> bool:
        return ready >= self.to if self.to >= self.start else ready <= self.to

    def text(self, ready: int) -> str:
        counts = f"({ready}/{self.to} ready)"
        if self.ended is None:
            return f"scaling {self.start}→{self.to} {counts}"
        return f"scaled {self.start}→{self.to} in {self.ended - self.started:.1f}s {counts}"


@dataclass(frozen=True, slots=True)
class Conditions:
    ready: bool
    serving: bool
    terminating: bool

    @classmethod
    def of(cls, ep: Endpoint) -> Conditions:
        return cls(ep.is_ready, ep.is_serving, ep.is_terminating)

    @property
    def label(self) -> str:
        if self.terminating:
            return "terminating, ready" if self.ready else ("terminating, serving" if self.serving else "terminating")
        if self.ready:
            return "ready"
        return "not ready, serving" if self.serving else "not ready"


@dataclass(frozen=True, slots=True)
class ChurnEntry:
    time: float
    service: Key
    change: str  # added | removed | changed
    address: str
    address_type: str
    pod: str | None
    node: str | None
    conditions: Conditions  # after the change (for removed: the last ones seen)
    before: Conditions | None = None  # for changed
    reused_from: str | None = None  # IP reuse: the pod that held this IP before
    age: float | None = None  # seconds since this endpoint was added, when svctui saw it added

    @property
    def sign(self) -> str:
        return {ADDED: W.NEW, REMOVED: W.GONE, CHANGED: W.SHAKY}[self.change]

    @property
    def what(self) -> str:
        """What happened to the endpoint: `ready → gone`, `ready after 2.1s, IP reused from web-b`."""
        if self.change == ADDED:
            what = self.conditions.label
        elif self.change == REMOVED:
            what = f"{self.conditions.label} → gone"
        else:
            what = f"{self.before.label if self.before else '?'} → {self.conditions.label}"
            if self.age is not None and self.conditions.ready and not (self.before and self.before.ready):
                what = f"ready after {self.age:.1f}s"
        return f"{what}, IP reused from {self.reused_from}" if self.reused_from else what

    @property
    def text(self) -> str:
        return f"{self.sign} {self.address} {self.pod or '(no pod)'} ({self.what})"


@dataclass(frozen=True, slots=True)
class Recovery:
    outcome: str  # recovered | rescaled
    started: float  # ready dropped below steady: the first endpoint gone from the ready set
    ended: float
    ready: int
    steady: int
    first_removed: float | None = None  # first IP that left the slices during the episode
    first_replacement: float | None = None  # first new IP seen during the episode
    replacement_ready: float | None = None  # first new IP that became ready
    # With a probe running (note_request): the first successful request after the drop; `probed` says
    # requests were seen during the episode, so a still-missing first_success means "still failing".
    first_success: float | None = None
    probed: bool = False

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def first_gone(self) -> float:
        return self.started

    @property
    def text(self) -> str:
        ready = self.ready if self.outcome == RESCALED else min(self.ready, self.steady)
        base = f"{W.recovery_words(self.outcome, self.steady)} {self.seconds:.1f}s ({ready}/{self.steady} ready)"
        return base + _requests_text(self.first_success, self.started, self.probed)


def _requests_text(first_success: float | None, started: float, probed: bool) -> str:
    if first_success is not None:
        return f", first request ok after {first_success - started:.1f}s"
    return ", requests still failing" if probed else ""


@dataclass(slots=True)
class Episode:
    started: float
    steady: int
    first_removed: float | None = None
    first_replacement: float | None = None
    replacement_ready: float | None = None
    new_keys: set[EndpointKey] = field(default_factory=set)
    first_success: float | None = None
    probed: bool = False

    def elapsed(self, now: float) -> float:
        return now - self.started

    def text(self, now: float, ready: int) -> str:
        return f"degraded {self.elapsed(now):.1f}s ({ready}/{self.steady} ready)"

    def note(self, now: float, entries: Iterable[ChurnEntry]) -> None:
        for e in entries:
            k = e.address
            if e.change == REMOVED:
                self.first_removed = self.first_removed if self.first_removed is not None else now
            elif e.change == ADDED:
                self.new_keys.add(k)
                if self.first_replacement is None:
                    self.first_replacement = now
            if e.conditions.ready and k in self.new_keys and self.replacement_ready is None:
                self.replacement_ready = now

    def finish(self, outcome: str, now: float, ready: int, steady: int) -> Recovery:
        return Recovery(outcome, self.started, now, ready, steady,
                        self.first_removed, self.first_replacement, self.replacement_ready,
                        self.first_success, self.probed)


class Stopwatch:
    __slots__ = ("steady", "episode", "last", "ready", "target", "_cand", "_cand_since", "settle",
                 "desired", "scaling")

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self.steady: int | None = None
        self.episode: Episode | None = None
        self.last: Recovery | None = None
        self.ready = 0
        self.target = 0
        self._cand: int | None = None
        self._cand_since = 0.0
        self.desired: int | None = None  # from the workloads' spec.replicas; None: unknown
        self.scaling: Scaling | None = None  # the latest change of `desired`

    @property
    def pending(self) -> bool:
        return self._cand is not None

    def observe(self, now: float, ready: int, target: int, entries: list[ChurnEntry],
                desired: int | None = None) -> bool:
        """Returns True when the stopwatch's display changed (started, stopped, re-based)."""
        self.ready, self.target = ready, target
        if desired is not None:
            return self._observe_intent(now, ready, desired, entries)
        if self.desired is not None:  # intent lost (workload gone): history from here on
            self.desired = None
            self.scaling = None
            changed_intent = True
        else:
            changed_intent = False
        return self._observe_history(now, ready, entries) or changed_intent

    def _observe_intent(self, now: float, ready: int, desired: int, entries: list[ChurnEntry]) -> bool:
        prev, self.desired = self.desired, desired
        self._cand = None  # nothing to settle: intent says what the count should be
        if self.steady is None:
            self.steady = min(ready, desired)
            return True
        changed = False
        if prev is not None and desired != prev:
            self.scaling = Scaling(prev, desired, now)
            changed = True
        self.steady = min(self.steady, desired)  # a scale-down lowers the bar at once
        if self.episode is None and ready < self.steady:
            self.episode = Episode(now, self.steady)
            changed = True
        ep = self.episode
        if ep is not None:
            ep.note(now, entries)
            if desired < ep.steady:
                ep.steady = desired
            if ready >= ep.steady:
                sc0 = self.scaling  # a scale-down during the loss ended it, not a recovery
                rescaled = sc0 is not None and sc0.started >= ep.started and sc0.to < sc0.start
                self.last = ep.finish(RESCALED if rescaled else RECOVERED, now, ready, ep.steady)
                self.episode = None
                changed = True
        # What has been reached is the bar, up to what is wanted: a surge above it is not intent.
        self.steady = min(max(self.steady, ready), desired)
        sc = self.scaling
        if sc is not None and sc.ended is None and sc.done(ready):
            self.scaling = replace(sc, ended=now)
            changed = True
        return changed

    def scaling_text(self) -> str | None:
        """The scaling line, when it is the latest news (no loss running, nothing newer after it)."""
        sc = self.scaling
        if sc is None or self.episode is not None:
            return None
        if sc.ended is not None and self.last is not None and self.last.ended > sc.ended:
            return None
        return sc.text(self.ready)

    def _observe_history(self, now: float, ready: int, entries: list[ChurnEntry]) -> bool:
        if self.steady is None:
            self.steady = ready
            return True
        changed = False
        if self.episode is None and ready < self.steady:
            self.episode = Episode(now, self.steady)
            changed = True
        if self.episode is not None:
            self.episode.note(now, entries)
            if ready >= self.steady:
                self.last = self.episode.finish(RECOVERED, now, ready, self.steady)
                self.episode = None
                changed = True
        return self.tick(now) or changed

    def tick(self, now: float) -> bool:
        steady = self.steady
        if steady is None or self.desired is not None:
            return False
        ready, target = self.ready, self.target
        if target < steady:
            cand: int | None = target
        elif self.episode is None and min(ready, target) > steady:
            cand = min(ready, target)
        else:
            cand = None
        if cand != self._cand:
            self._cand, self._cand_since = cand, now
        if cand is None or now - self._cand_since < self.settle:
            return False
        self.steady, self._cand = cand, None
        if self.episode is not None and ready >= cand:
            self.last = self.episode.finish(RESCALED, now, ready, cand)
            self.episode = None
        elif self.episode is not None:
            self.episode.steady = cand
        return True

    def note_request(self, now: float, ok: bool) -> bool:
        """A probe request's outcome (sent at `now`); True when the stopwatch's text changed."""
        ep = self.episode
        if ep is not None:
            if now < ep.started:
                return False
            changed = not ep.probed
            ep.probed = True
            if ok and ep.first_success is None:
                ep.first_success = now
                changed = True
            return changed
        last = self.last
        if ok and last is not None and last.probed and last.first_success is None and now >= last.started:
            self.last = replace(last, first_success=now)  # requests recovered after the endpoints did
            return True
        return False

    def text(self, now: float) -> str | None:
        if self.episode is not None:
            ep = self.episode
            return ep.text(now, self.ready) + _requests_text(ep.first_success, ep.started, ep.probed)
        scaling = self.scaling_text()
        if scaling is not None:
            return scaling
        return self.last.text if self.last else None


class _ServiceState:
    __slots__ = ("entries", "added_at", "gone", "watch")

    def __init__(self, settle: float) -> None:
        self.entries: deque[ChurnEntry] | None = None
        self.added_at: dict[EndpointKey, float] = {}
        self.gone: dict[EndpointKey, ChurnEntry] = {}
        self.watch = Stopwatch(settle)


def _identity(ns: str, ep: Endpoint) -> object:
    if ep.target_uid:
        return ep.target_uid
    if ep.target_name:
        return (ep.target_namespace or ns, ep.target_name)
    return None


# (change, endpoint key, old row, new row): a side is None when the endpoint is absent there.
RowChange = tuple[str, EndpointKey, EndpointRow | None, EndpointRow | None]


def diff_rows(before: dict[EndpointKey, EndpointRow], after: dict[EndpointKey, EndpointRow],
              ns: str) -> list[RowChange]:
    """(change, key, old row, new row) for every endpoint that appeared, vanished or changed."""
    if before is after:
        return []
    out: list[RowChange] = []
    for k, old in before.items():
        new = after.get(k)
        if new is None:
            out.append((REMOVED, k, old, None))
        elif new.endpoint is old.endpoint or new.endpoint == old.endpoint:
            continue
        else:
            oi, ni = _identity(ns, old.endpoint), _identity(ns, new.endpoint)
            if oi is not None and ni is not None and oi != ni:
                # The same IP now belongs to another pod, in one step: two rows in the ledger.
                out.append((REMOVED, k, old, None))
                out.append((ADDED, k, None, new))
            elif Conditions.of(old.endpoint) != Conditions.of(new.endpoint):
                out.append((CHANGED, k, old, new))
    for k, new in after.items():
        if k not in before:
            out.append((ADDED, k, None, new))
    return out


class ChurnLedger:
    def __init__(self, *, per_service: int = 200, global_size: int = 2000, ghost_window: float = 30.0,
                 new_window: float = 10.0, settle: float = 5.0, ip_memory: int = 200_000,
                 pod_namer: Callable[[str, Endpoint], str | None] | None = None) -> None:
        self.per_service = per_service
        self.ghost_window = ghost_window
        self.new_window = new_window
        self.settle = settle
        self.ip_memory = ip_memory
        # Endpoints without a targetRef name get their pod's name from the topology's join, if given.
        self.pod_namer = pod_namer
        self._global: deque[ChurnEntry] = deque(maxlen=global_size)
        self._services: dict[Key, _ServiceState] = {}
        # Last pod seen with each IP (cluster-wide, pod IPs are), oldest first, capped at ip_memory.
        # A plain dict (insertion order) rather than OrderedDict: a third of the memory per entry.
        self._ip_owner: dict[str, tuple[object, str | None]] = {}
        self._pending: set[Key] = set()  # services whose steady count is waiting to settle
        self.ready = ReadyHistory()  # ready endpoints over time, for the details pane's chart

    # ---- updates -------------------------------------------------------------------------------

    def observe(self, key: Key, before: ServiceView | None, after: ServiceView | None, now: float,
                target: int | None = None, baseline: bool = False, desired: int | None = None) -> list[ChurnEntry]:
        """Record what changed for one Service; `target` is the live selected pod count, if known;
        `desired` the ready count its workloads ask for (model/intent.py), if known."""
        ns = key[0]
        st = self._services.get(key)
        if st is None:
            if after is None:
                return []
            st = self._services[key] = _ServiceState(self.settle)
        old_rows = before.rows if before is not None else {}
        new_rows = after.rows if after is not None else {}
        if baseline:
            st.watch.steady = None  # the listed state is the steady state, whatever was seen before
            st.watch.desired = None
            # _own for each row, inlined: every endpoint of the cluster goes through here at a first list.
            owners = self._ip_owner
            for addr, row in new_rows.items():  # keyed by row.address
                ep = row.endpoint
                name = ep.target_name
                ident = ep.target_uid or ((ep.target_namespace or ns, name) if name else None)  # _identity
                if ident is not None:
                    owners.pop(addr, None)
                    owners[addr] = (ident, name)
            while len(owners) > self.ip_memory:
                del owners[next(iter(owners))]
            entries: list[ChurnEntry] = []
        else:
            entries = self._entries(key, st, diff_rows(old_rows, new_rows, ns), now)
        if after is None:
            self._services.pop(key, None)
            self._pending.discard(key)
            self.ready.forget(key)
            return entries
        counts = after.counts
        self.ready.note(key, now, counts.ready)
        if target is None:
            target = counts.total - counts.terminating
        st.watch.observe(now, counts.ready, target, entries, desired)
        if st.watch.pending:
            self._pending.add(key)
        else:
            self._pending.discard(key)
        return entries

    def tick(self, now: float) -> set[Key]:
        """Let steady counts settle; returns the Services whose stopwatch display changed."""
        changed = set()
        for key in list(self._pending):
            st = self._services.get(key)
            if st is None:
                self._pending.discard(key)
                continue
            if st.watch.tick(now):
                changed.add(key)
            if not st.watch.pending:
                self._pending.discard(key)
        return changed

    def _entries(self, key: Key, st: _ServiceState, changes: Iterable[RowChange], now: float) -> list[ChurnEntry]:
        ns = key[0]
        out = []
        for change, k, old, new in changes:
            row = cast(EndpointRow, new if new is not None else old)  # diff_rows gives every change a side
            ep = row.endpoint
            pod = ep.target_name or (self.pod_namer(ns, ep) if self.pod_namer else None)
            added = st.added_at.get(k)
            age = None if added is None else now - added
            if change == ADDED:
                ident = _identity(ns, ep)
                prev = self._ip_owner.get(row.address)
                reused = None
                if prev is not None and ident is not None and prev[0] is not None and prev[0] != ident:
                    reused = prev[1] or "another pod"
                self._own(row.address, ident, pod)
                st.added_at[k] = now
                st.gone.pop(k, None)
                e = ChurnEntry(now, key, ADDED, row.address, row.address_type, pod, ep.node_name,
                               Conditions.of(ep), reused_from=reused, age=0.0)
            elif change == REMOVED:
                st.added_at.pop(k, None)
                e = ChurnEntry(now, key, REMOVED, row.address, row.address_type, pod, ep.node_name,
                               Conditions.of(ep), age=age)
                st.gone[k] = e
            else:  # CHANGED: both sides
                assert old is not None
                e = ChurnEntry(now, key, CHANGED, row.address, row.address_type, pod, ep.node_name,
                               Conditions.of(ep), before=Conditions.of(old.endpoint), age=age)
            out.append(e)
        if out:
            if st.entries is None:
                st.entries = deque(maxlen=self.per_service)
            st.entries.extend(out)
            self._global.extend(out)
        self._prune_gone(st, now)
        return out

    def _own(self, address: str, ident: object, pod: str | None) -> None:
        if ident is None:
            return
        owners = self._ip_owner
        prev = owners.pop(address, None)
        owners[address] = prev if prev is not None and prev == (ident, pod) else (ident, pod)
        while len(owners) > self.ip_memory:
            del owners[next(iter(owners))]

    def _prune_gone(self, st: _ServiceState, now: float) -> None:
        if st.gone:
            horizon = now - self.ghost_window
            for k in [k for k, e in st.gone.items() if e.time < horizon]:
                del st.gone[k]

    def carry_history(self, old: ChurnLedger) -> None:
        """Keep `old`'s timeline (a namespace switch restarts the watch, not what was seen). Only the
        lines: stopwatches, ghosts and IP owners belong to the watch that saw them."""
        kept = list(old._global) + list(self._global)
        self._global.clear()
        self._global.extend(kept[-(self._global.maxlen or len(kept)):])

    # ---- queries -------------------------------------------------------------------------------

    def entries(self, key: Key | None = None) -> list[ChurnEntry]:
        """Oldest first; the whole cluster's timeline when key is None."""
        if key is None:
            return list(self._global)
        st = self._services.get(key)
        return list(st.entries) if st and st.entries else []

    def note_request(self, key: Key, now: float, ok: bool) -> bool:
        """A continuous-probe request to key's Service: feeds "first successful request after the drop"."""
        st = self._services.get(key)
        return st.watch.note_request(now, ok) if st else False

    def stopwatch(self, key: Key) -> Stopwatch | None:
        st = self._services.get(key)
        return st.watch if st else None

    def steady(self, key: Key) -> int | None:
        st = self._services.get(key)
        return st.watch.steady if st else None

    def status(self, key: Key, now: float) -> str | None:
        """"degraded 2.1s (2/3 ready)" while running, "recovered in 4.8s (3/3 ready)" after."""
        st = self._services.get(key)
        return st.watch.text(now) if st else None

    def ghosts(self, key: Key, now: float) -> list[ChurnEntry]:
        """Removals of IPs still absent and within the ghost window, oldest first."""
        st = self._services.get(key)
        if st is None:
            return []
        self._prune_gone(st, now)
        return sorted(st.gone.values(), key=lambda e: e.time)

    def new_endpoints(self, key: Key, now: float) -> dict[EndpointKey, float]:
        """Endpoints added within the 'new' window: key → seconds since added."""
        st = self._services.get(key)
        if st is None:
            return {}
        return {k: now - t for k, t in st.added_at.items() if now - t <= self.new_window}
