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
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio.client import ApiClient

from svctui.model.store import ADDED, DELETED, MODIFIED, Obj

from . import api as kapi
from .convert import CONVERTERS, ConvertError, resource_version, tombstone
from .credentials import REJECTED
from .gcpause import gc_paused
from .pages import continue_token, read_event, read_page
from .sink import ModelSink
from .state import CONNECTING, FORBIDDEN, LOST, RECONNECTING, STOPPED, WATCHING, Backoff, Skipped, StreamState

log = logging.getLogger("svctui.kube")

_EVENT_TYPES = (ADDED, MODIFIED, DELETED)
# Errors of the network and of aiohttp's body reading (a connection cut mid-chunk is a
# ClientPayloadError); asyncio.TimeoutError is sock_read firing on a silent connection.
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError, EOFError)


class Silent(Exception):
    """The watch heard nothing for longer than its bound: presumed dead (blackholed, half-open)."""


class ServerForgot(Exception):
    """The server's history does not contain ours (a resourceVersion that went backwards, a
    changed cluster identity): only a full re-list can tell what is there now."""


@dataclass
class WatchOptions:
    page_size: int = 500  # kubectl's and the reflector's page size
    watch_timeout: tuple[float, float] = (300, 600)  # the reflector's range, so watches spread out
    # Beyond timeoutSeconds, how long a silent connection may stay quiet before aiohttp gives up
    # (a backstop: idle_timeout below is what notices a silent watch).
    read_margin: float = 30.0
    # A watch that hears nothing (no event, no bookmark) for this long is presumed dead, closed and
    # re-opened from its RV. The screen cannot claim more than this: the header says "watching" at
    # most this long after the network went silent. 30 s: under the 45 s the header promises, and
    # re-opening a quiet healthy watch this often costs one cheap request (it resumes, no re-list).
    idle_timeout: float = 30.0
    # Once bookmarks are seen, the bound tightens to twice the largest gap between them (a server
    # that heartbeats every 5 s is presumed dead after 10 s), never below this floor.
    idle_floor: float = 5.0
    open_timeout: float = 10.0  # for a watch's response headers: an apiserver sends them at once
    # A re-open after a silent watch that takes longer than this shows on screen (a quick one does
    # not: a quiet cluster would flash "stale" every idle_timeout).
    suspect_grace: float = 1.0
    # A watch that stayed open this long (or delivered data) worked: the next failure starts the
    # backoff over, so old cuts do not keep a healthy stream's retries long.
    healthy_after: float = 10.0
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
                 on_skip: Callable[[Skipped], None] | None = None,
                 identify: Callable[[], Awaitable[str | None]] | None = None,
                 clock: Callable[[], float] = time.time, selectors: Sequence[tuple[str, str]] = ()):
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
        self.identify = identify
        self.clock = clock
        self.identity: str | None = None  # the cluster's identity when this stream last listed
        self.heard: float | None = None  # clock time of the last answer from the server
        self._heard_mono = 0.0  # ... in monotonic time, for the silence watchdog
        self._opened: float | None = None  # monotonic time the current watch opened
        self._bookmark_at: float | None = None
        self.bookmark_gap: float | None = None  # the largest gap between two bookmarks seen
        self._suspect: str | None = None  # why the next open is a reconnection (shown if it is slow)
        self.last_rv: str | None = None  # the newest RV seen, to notice one going backwards

    # ---- state ----

    def _set(self, state: str, attempt: int = 0, error: str | None = None, note: str | None = None) -> None:
        new = StreamState(self.resource.kind, self.namespace, state, attempt, error, note,
                          None if state == WATCHING else self.heard)
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
                self._opened = None
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
                except Silent as exc:
                    # Re-open at once, from the RV: a quiet healthy watch is back in milliseconds and
                    # the screen need not say anything; _watch shows it if the re-open is slow.
                    attempt = 0 if self._worked() else attempt + 1
                    self._suspect = str(exc)
                    if attempt:
                        self._set(RECONNECTING, attempt, self._suspect)
                        await asyncio.sleep(self.backoff.delay(attempt))
                    continue
                except ServerForgot as exc:
                    log.warning("%s %s: %s; re-listing", self.resource.kind, self.namespace or "*", exc)
                    self.rv = None
                    self._suspect = None
                    continue
                except kapi.ApiError as exc:
                    if exc.expired or exc.too_large:
                        # Our RV is older than the server's history (or newer than all of it: a
                        # restored or recreated cluster): re-list. Immediately the first time; a
                        # server that keeps expiring fresh RVs gets backoff.
                        self.rv = None
                        expired_in_row += 1
                        if expired_in_row == 1:
                            continue
                        attempt += 1
                        self._set(RECONNECTING, attempt, describe_api_error(exc))
                    elif exc.forbidden:
                        self._set(FORBIDDEN, 0, exc.message)
                        return FORBIDDEN
                    else:
                        attempt = 1 if self._worked() else attempt + 1
                        self._suspect = describe_api_error(exc)
                        self._set(RECONNECTING if exc.transient else LOST, attempt, self._suspect)
                        if not exc.transient:
                            # 401, 404, 400...: retrying fast will not help; keep trying at the cap
                            # (credentials may be refreshed, the API may be installed).
                            await asyncio.sleep(self.backoff.cap)
                            continue
                except NETWORK_ERRORS as exc:
                    # A watch that delivered data or stayed up before dropping was healthy: start
                    # the count anew.
                    attempt = 1 if self._worked() else attempt + 1
                    self._suspect = describe(exc)
                    self._set(RECONNECTING, attempt, self._suspect)
                await asyncio.sleep(self.backoff.delay(attempt))
        except asyncio.CancelledError:
            self._set(STOPPED)
            raise

    def _worked(self) -> bool:
        """The last connection worked: it delivered data or stayed open long enough."""
        return self._progress or (self._opened is not None
                                  and time.monotonic() - self._opened >= self.options.healthy_after)

    def _hear(self) -> None:
        self.heard = self.clock()
        self._heard_mono = time.monotonic()

    async def _check_identity(self) -> None:
        if self.identify is None or self.identity is None:
            return
        now = await self.identify()
        same_source = now is not None and now.split(": ", 1)[0] == self.identity.split(": ", 1)[0]
        if same_source and now != self.identity:
            raise ServerForgot(f"the cluster's identity changed ({self.identity} → {now})")

    async def _list(self) -> str:
        ident = asyncio.ensure_future(self.identify()) if self.identify is not None else None
        try:
            with gc_paused(keep=True):
                rv = await self._list_paused()
            if ident is not None:
                # Asked alongside the list, so the first tree does not wait for it.
                self.identity = await ident
        finally:
            if ident is not None:
                _drop(ident)
        self._suspect = None
        return rv

    async def _list_paused(self) -> str:
        items: list[Obj] = []
        cont: str | None = None
        limit = self.options.page_size
        restarted = False
        # The next page, asked for as soon as this one is read: the server prepares it while this
        # one is decoded, instead of each side waiting for the other (100,000 pods: ~2 s of waits).
        ahead: tuple[str, asyncio.Task[bytes]] | None = None
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
                    if data.lstrip()[:1] not in (b"{", b"["):  # not JSON at all: some other server
                        raise kapi.ApiError(0, "BadResponse", kapi.not_api_server(200, None, data)) from None
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
        old = _rv_number(self.last_rv)
        new = _rv_number(rv)
        if old is not None and new is not None and new < old:
            log.warning("%s: the server's resourceVersion went back (%s → %s): a restored or recreated "
                        "cluster; the list replaces what was held", self.resource.kind, old, new)
        # replace_all reconciles: what is gone is removed, what did not change makes no churn.
        await self.sink.replace_all_stepwise(self.resource.kind, items, self.namespace)
        self._hear()
        self.last_rv = rv
        self.stats.lists += 1
        if self.stats.listed is None:
            self.stats.listed = time.monotonic()
        self.synced.set()
        return rv

    def idle_bound(self) -> float:
        o = self.options
        if self.bookmark_gap is None:
            return o.idle_timeout
        return min(o.idle_timeout, max(o.idle_floor, 2 * self.bookmark_gap))

    async def _watch(self) -> bool:
        """One watch request, until the server ends it. True if it was a healthy watch."""
        lo, hi = self.options.watch_timeout
        timeout = round(self.rng.uniform(lo, hi)) or 1
        q = [("watch", "true"), ("resourceVersion", self.rv or ""), ("allowWatchBookmarks", "true"),
             ("timeoutSeconds", str(timeout)), *self.selectors]
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        slow = None
        if self._suspect is not None:
            why = self._suspect
            slow = loop.call_later(self.options.suspect_grace,
                                   lambda: self._set(RECONNECTING, max(1, self.state.attempt), why))
        try:
            resp = await self._open(q, timeout)
        finally:
            if slow is not None:
                slow.cancel()
        self._opened = time.monotonic()
        self._hear()
        self._bookmark_at = None
        self.stats.watches += 1
        got_lines = silent = False
        try:
            self._set(WATCHING)
            self._suspect = None
            async with asyncio.timeout(None) as limit:
                dog: asyncio.TimerHandle

                def watchdog() -> None:
                    nonlocal dog, silent
                    bound = self.idle_bound()
                    quiet = time.monotonic() - self._heard_mono
                    if quiet >= bound:
                        silent = True
                        limit.reschedule(loop.time())
                    else:  # at least every idle_floor: bookmarks seen meanwhile may tighten the bound
                        dog = loop.call_later(min(bound - quiet, self.options.idle_floor), watchdog)

                dog = loop.call_later(min(self.idle_bound(), self.options.idle_floor), watchdog)
                try:
                    async for lines in kapi.read_batches(resp):
                        got_lines = self._progress = True
                        self._heard_mono = time.monotonic()
                        self.heard = self.clock()
                        self.handle_lines(lines)
                finally:
                    dog.cancel()
        except TimeoutError:
            if not silent:
                raise
            raise Silent(f"connection silent: no data from the server for {self.idle_bound():.0f} s") from None
        finally:
            if silent:
                resp.close()  # never back into the pool: the connection is presumed dead
            resp.release()
        return got_lines or time.monotonic() - started >= min(5.0, timeout / 2)

    async def _open(self, q: list[tuple[str, str]], timeout: int) -> aiohttp.ClientResponse:
        opening = asyncio.ensure_future(asyncio.wait_for(
            kapi.open_watch(self.api, self.path, q, timeout + self.options.read_margin), self.options.open_timeout))
        # Back after a failure: is it still the cluster we listed? A recreated one (or an etcd
        # restore) can be on the same address, with RVs past ours (resuming would keep what is
        # gone) or short of them (the server holds the watch 3 s before refusing it). Asked
        # alongside the watch, and its answer is awaited before the watch is trusted.
        checking = asyncio.ensure_future(self._check_identity()) if self._suspect is not None else None
        try:
            if checking is not None:
                await asyncio.wait({opening, checking}, return_when=asyncio.FIRST_COMPLETED)
                if checking.done():
                    checking.result()  # ServerForgot: the watch is not waited for
            resp = await opening
            if checking is not None:
                try:
                    await checking
                except BaseException:
                    resp.close()
                    raise
            return resp
        except TimeoutError:
            raise TimeoutError(f"no answer to a watch request in {self.options.open_timeout:g} s") from None
        finally:
            for t in (opening, checking):
                if t is not None and not t.done():
                    t.cancel()

    def handle_lines(self, lines: list[bytes]) -> None:
        """Watch lines → model changes. Raises ApiError for an ERROR event (after applying what
        came before it, and with self.rv moved past it)."""
        t0 = time.perf_counter()
        st = self.stats
        convert = self.convert
        events: list[tuple[str, Obj]] = []
        rvs: list[str | None] = []  # every line's RV: one step back inside a batch counts too
        rv = self.rv
        error: kapi.ApiError | None = None
        kind = self.resource.kind
        for line in lines:
            st.bytes += len(line) + 1
            fast = read_event(kind, line)
            if fast is not None:
                etype, obj, obj_rv = fast
                st.events += 1
                events.append((etype, obj))
                rvs.append(obj_rv)
                rv = obj_rv or rv
                continue
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
                rvs.append(resource_version(raw))
                rv = rvs[-1] or rv
            elif etype == "BOOKMARK":
                st.bookmarks += 1
                rvs.append(resource_version(raw))
                rv = rvs[-1] or rv
                now = time.monotonic()
                if self._bookmark_at is not None:
                    self.bookmark_gap = max(self.bookmark_gap or 0.0, now - self._bookmark_at)
                self._bookmark_at = now
            elif etype == "ERROR":
                error = kapi.ApiError.from_status(raw)
                break
            else:
                self._skip(f"unknown watch event type {etype!r}")
        # One watch is in etcd revision order, bookmarks included (a bookmark at B follows every
        # change up to B), so an older RV is another cluster's history (or a restored one's): not
        # changes to what we hold. The batch is dropped; the re-list reconciles. Checked per line:
        # a batch that ends past our newest RV may still have gone back in between.
        newest = _rv_number(self.last_rv)
        for line_rv in rvs:
            n = _rv_number(line_rv)
            if n is None:
                continue
            if newest is not None and n < newest:
                raise ServerForgot(f"resourceVersion went backwards ({newest} → {n})")
            newest = n
        if rv != self.rv:
            self.last_rv = rv
        self.rv = rv
        if events:
            self.sink.apply(self.resource.kind, events)
        st.busy += time.perf_counter() - t0
        if error is not None:
            raise error


def _drop(task: asyncio.Future[Any]) -> None:
    """Cancel a request nobody will read; if it already failed, its error is seen (not logged as lost)."""
    if task.done():
        if not task.cancelled():
            task.exception()
    else:
        task.cancel()


def _rv_number(rv: str | None) -> int | None:
    # RVs are opaque; kube-apiserver's (and the sim's) are etcd revisions, which only grow. A
    # server with other RVs simply gets no backwards check.
    if rv and rv.isdigit():
        return int(rv)
    return None


def describe(exc: BaseException) -> str:
    """Why a connection failed, in the user's terms: refused, timeout, TLS, reset..."""
    if isinstance(exc, asyncio.TimeoutError):
        return f"timeout: {exc}" if str(exc) else "timeout: no data from the server (read timed out)"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS: the server's certificate is not trusted ({exc.certificate_error})"
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)):
        return f"TLS: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS: cannot resolve {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return f"connection refused by {exc.host}:{exc.port}"
        return f"cannot connect to {exc.host}:{exc.port}: {exc.os_error.strerror or exc.os_error}"
    # One head for the three ways an open connection ends, so the header does not hop between them.
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connection lost: the server closed it"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "connection lost: cut in the middle of an answer"
    if isinstance(exc, ConnectionResetError):
        return "connection lost: reset"
    return str(exc) or type(exc).__name__


# Messages that already say all a user needs (api.response_error words a final 401 this way).
WHOLE = (kapi.NOT_API_SERVER, REJECTED)


def describe_api_error(exc: kapi.ApiError) -> str:
    if exc.message.startswith(WHOLE):
        return exc.message
    head = f"{exc.code} {exc.reason}".strip() if exc.code else (exc.reason or "error")
    if exc.message == f"HTTP {exc.code} {exc.reason}":
        return head
    return f"{head}: {exc.message}"
