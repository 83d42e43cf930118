"""One list + watch loop: one resource, cluster-wide or in one namespace.

The reflector's contract, done by hand: list (paginated) → watch from the list's RV with bookmarks
and a random server-side timeout → resume from the last RV seen when the watch ends → on 410 re-list
and reconcile the full list with the model (ClusterModel.replace_all), so a re-list shows only what
really changed while we were not looking, never a burst of fake churn.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp
import orjson
from kubernetes_asyncio.client import ApiClient

from svctui.model.store import ADDED, DELETED, MODIFIED, Obj

from . import api as kapi
from .convert import CONVERTERS, ConvertError, resource_version, tombstone
from .gcpause import gc_paused
from .pages import continue_token, read_page
from .sink import ModelSink
from .state import CONNECTING, FORBIDDEN, LOST, RECONNECTING, STOPPED, WATCHING, Backoff, Skipped, StreamState

log = logging.getLogger("svctui.kube")

_EVENT_TYPES = (ADDED, MODIFIED, DELETED)
# Errors of the network and of aiohttp's body reading (a connection cut mid-chunk is a
# ClientPayloadError); asyncio.TimeoutError is sock_read firing on a silent connection.
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError, EOFError)


@dataclass
class WatchOptions:
    page_size: int = 500  # kubectl's and the reflector's page size
    watch_timeout: tuple[float, float] = (300, 600)  # the reflector's range, so watches spread out
    # Beyond timeoutSeconds, how long a silent connection may stay quiet before it counts as dead.
    read_margin: float = 30.0
    list_read_timeout: float = 60.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    rows_first: float = 10.0  # how long the Pod list waits for the Service and EndpointSlice lists
    seed: int | None = None


@dataclass
class StreamStats:
    lists: int = 0  # full lists done (the first one, and re-lists after 410)
    watches: int = 0  # watch requests opened
    events: int = 0  # ADDED / MODIFIED / DELETED lines handled
    bookmarks: int = 0
    skipped: int = 0
    bytes: int = 0  # watch bytes read
    busy: float = 0.0  # seconds spent turning watch lines into model changes
    started: float | None = None  # time.monotonic() when the stream began
    listed: float | None = None  # ... and when its first list was in the model
    errors: list[str] = field(default_factory=list)


class ResourceStream:
    def __init__(self, api: ApiClient, resource: kapi.Resource, namespace: str | None, sink: ModelSink,
                 options: WatchOptions, on_state: Callable[[StreamState], object],
                 on_skip: Callable[[Skipped], None] | None = None, selectors: Sequence[tuple[str, str]] = ()):
        self.api = api
        self.selectors = list(selectors)  # labelSelector / fieldSelector, on the list and the watch alike
        self.resource = resource
        self.namespace = namespace
        self.sink = sink
        self.options = options
        self.on_state = on_state
        self.on_skip = on_skip
        self.convert = CONVERTERS[resource.kind]
        self.path = resource.path(namespace)
        self.rng = random.Random(options.seed)
        self.backoff = Backoff(options.backoff_base, options.backoff_cap, self.rng)
        self.rv: str | None = None  # where the next watch resumes; None = list first
        self.stats = StreamStats()
        self.state = StreamState(resource.kind, namespace, CONNECTING)
        self.synced = asyncio.Event()  # set once the first list is in the model
        self._progress = False  # the current watch has delivered data

    # ---- state ----

    def _set(self, state: str, attempt: int = 0, error: str | None = None, note: str | None = None) -> None:
        new = StreamState(self.resource.kind, self.namespace, state, attempt, error, note)
        if new != self.state:
            self.state = new
            self.on_state(new)

    def _skip(self, reason: str) -> None:
        self.stats.skipped += 1
        log.warning("skipped %s: %s", self.resource.kind, reason)
        if self.on_skip is not None:
            self.on_skip(Skipped(self.resource.kind, self.namespace, reason))

    # ---- the loop ----

    async def run(self) -> str:
        """Runs until cancelled; returns FORBIDDEN when the server refuses this stream."""
        attempt = expired_in_row = quick_closes = 0
        self.stats.started = time.monotonic()
        try:
            while True:
                self._progress = False
                try:
                    if self.rv is None:
                        self.rv = await self._list()
                    healthy = await self._watch()
                    expired_in_row = 0
                    if healthy:
                        attempt = quick_closes = 0
                        continue
                    # The server ended a fresh, silent watch. Once is normal (a server going away
                    # closes its watches); again and again must not become a busy loop.
                    quick_closes += 1
                    if quick_closes == 1:
                        continue
                    if quick_closes >= 3:
                        self._set(RECONNECTING, quick_closes, "the server keeps closing the watch right away")
                    await asyncio.sleep(self.backoff.delay(quick_closes - 1))
                    continue
                except kapi.ApiError as exc:
                    if exc.expired:
                        # Our RV is older than the server's history: re-list. Immediately the first
                        # time; a server that keeps expiring fresh RVs gets backoff.
                        self.rv = None
                        expired_in_row += 1
                        if expired_in_row == 1:
                            continue
                        attempt += 1
                        self._set(RECONNECTING, attempt, exc.message)
                    elif exc.forbidden:
                        self._set(FORBIDDEN, 0, exc.message)
                        return FORBIDDEN
                    else:
                        attempt += 1
                        self._set(RECONNECTING if exc.transient else LOST, attempt, exc.message)
                        if not exc.transient:
                            # 401, 404, 400...: retrying fast will not help; keep trying at the cap
                            # (credentials may be refreshed, the API may be installed).
                            await asyncio.sleep(self.backoff.cap)
                            continue
                except NETWORK_ERRORS as exc:
                    # A watch that delivered data before dropping was healthy: start the count anew.
                    attempt = 1 if self._progress else attempt + 1
                    self._set(RECONNECTING, attempt, _describe(exc))
                await asyncio.sleep(self.backoff.delay(attempt))
        except asyncio.CancelledError:
            self._set(STOPPED)
            raise

    async def _list(self) -> str:
        with gc_paused(keep=True):
            return await self._list_paused()

    async def _list_paused(self) -> str:
        items: list[Obj] = []
        cont: str | None = None
        limit = self.options.page_size
        restarted = False
        # The next page, asked for as soon as this one is read: the server prepares it while this
        # one is decoded, instead of each side waiting for the other (100,000 pods: ~2 s of waits).
        ahead: tuple[str, asyncio.Task] | None = None
        try:
            while True:
                q = ([("limit", str(limit))] if limit else []) + self.selectors
                if cont:
                    q.append(("continue", cont))
                asked = None
                if ahead is not None:
                    if ahead[0] == cont:
                        asked = ahead[1]
                    else:
                        _drop(ahead[1])
                    ahead = None
                try:
                    data = await (asked or kapi.get_bytes(self.api, self.path, q, self.options.list_read_timeout))
                except kapi.ApiError as exc:
                    if exc.expired and cont and not restarted:
                        # The continue token outlived the server's snapshot: start over, in one request
                        # this time (client-go's fallback too), so a slow reader cannot loop forever.
                        items, cont, limit, restarted = [], None, 0, True
                        continue
                    raise
                guess = continue_token(data) if limit else None
                if guess:
                    ahead = (guess, asyncio.get_running_loop().create_task(kapi.get_bytes(
                        self.api, self.path, [("limit", str(limit)), ("continue", guess), *self.selectors],
                        self.options.list_read_timeout)))
                    await asyncio.sleep(0)  # lets the task send its request before the decoding below
                try:
                    page = read_page(self.resource.kind, data)
                except ValueError as exc:  # orjson.JSONDecodeError is one
                    raise kapi.ApiError(0, "BadResponse", str(exc)) from None
                del data
                if page.objects is not None:
                    items.extend(page.objects)
                else:
                    for raw in page.raw.get("items") or ():
                        try:
                            items.append(self.convert(raw))
                        except ConvertError as exc:
                            self._skip(str(exc))
                cont, rv = page.cont, page.rv
                del page  # the page's raw objects go now, not after the next page has been read
                if not cont:
                    if not rv:
                        raise kapi.ApiError(0, "BadResponse", "list response has no metadata.resourceVersion")
                    break
        finally:
            if ahead is not None:
                _drop(ahead[1])
        await self.sink.replace_all_stepwise(self.resource.kind, items, self.namespace)
        self.stats.lists += 1
        if self.stats.listed is None:
            self.stats.listed = time.monotonic()
        self.synced.set()
        return rv

    async def _watch(self) -> bool:
        """One watch request, until the server ends it. True if it was a healthy watch."""
        lo, hi = self.options.watch_timeout
        timeout = round(self.rng.uniform(lo, hi)) or 1
        q = [("watch", "true"), ("resourceVersion", self.rv or ""), ("allowWatchBookmarks", "true"),
             ("timeoutSeconds", str(timeout)), *self.selectors]
        started = time.monotonic()
        resp = await kapi.open_watch(self.api, self.path, q, timeout + self.options.read_margin)
        self.stats.watches += 1
        self._set(WATCHING)
        got_lines = False
        try:
            async for lines in kapi.read_batches(resp):
                got_lines = self._progress = True
                self.handle_lines(lines)
        finally:
            resp.release()
        return got_lines or time.monotonic() - started >= min(5.0, timeout / 2)

    def handle_lines(self, lines: list[bytes]) -> None:
        """Watch lines → model changes. Raises ApiError for an ERROR event (after applying what
        came before it, and with self.rv moved past it)."""
        t0 = time.perf_counter()
        st = self.stats
        convert = self.convert
        events: list[tuple[str, Obj]] = []
        rv = self.rv
        error: kapi.ApiError | None = None
        for line in lines:
            st.bytes += len(line) + 1
            try:
                ev = orjson.loads(line)
                etype = ev["type"]
                raw = ev.get("object")
            except (orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
                self._skip(f"unreadable watch line: {line[:120]!r}")
                continue
            if etype in _EVENT_TYPES:
                st.events += 1
                try:
                    events.append((etype, convert(raw)))
                except ConvertError as exc:
                    self._skip(str(exc))
                    gone = tombstone(self.resource.kind, raw) if etype == DELETED else None
                    if gone is not None:
                        events.append((etype, gone))
                rv = resource_version(raw) or rv
            elif etype == "BOOKMARK":
                st.bookmarks += 1
                rv = resource_version(raw) or rv
            elif etype == "ERROR":
                error = kapi.ApiError.from_status(raw)
                break
            else:
                self._skip(f"unknown watch event type {etype!r}")
        self.rv = rv
        if events:
            self.sink.apply(self.resource.kind, events)
        st.busy += time.perf_counter() - t0
        if error is not None:
            raise error


def _drop(task: asyncio.Task) -> None:
    """Cancel a request nobody will read; if it already failed, its error is seen (not logged as lost)."""
    if task.done():
        if not task.cancelled():
            task.exception()
    else:
        task.cancel()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "no data from the server (read timed out)"
    text = str(exc) or type(exc).__name__
    return text
