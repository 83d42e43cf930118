"""The namespaces the user may list, kept current: after a cluster-wide 403 the watch falls back to
one stream per namespace, and a namespace created later must get its streams too (else it would
stay unwatched, its Services shown without slices or pods for as long as svctui runs).

    names, rv = await list_namespaces(api, timeout)
    follower = asyncio.create_task(follow_namespaces(api, rv, on_added, options))
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import orjson
from kubernetes_asyncio.client import ApiClient

from . import api as kapi
from .convert import resource_version
from .state import Backoff
from .stream import NETWORK_ERRORS, WatchOptions

log = logging.getLogger("svctui.kube")

PATH = "/api/v1/namespaces"


async def list_namespaces(api: ApiClient, timeout: float) -> tuple[list[str], str]:
    """Every namespace's name, sorted, and the list's resourceVersion (to watch from). Raises ApiError."""
    names: list[str] = []
    cont: str | None = None
    while True:
        q = [("limit", "500")] + ([("continue", cont)] if cont else [])
        body = await kapi.get_json(api, PATH, q, timeout)
        if type(body) is not dict:
            raise kapi.ApiError(0, "BadResponse", "namespace list is not a JSON object")
        for item in body.get("items") or ():
            name = ((item or {}).get("metadata") or {}).get("name")
            if isinstance(name, str) and name:
                names.append(name)
        md = body.get("metadata") or {}
        cont = md.get("continue")
        if not cont:
            return sorted(names), str(md.get("resourceVersion") or "")


async def follow_namespaces(api: ApiClient, rv: str, on_added: Callable[[str], None],
                            options: WatchOptions) -> None:
    """Calls on_added(name) for each namespace that appears, until cancelled or refused (403: the
    namespaces known so far are all there will be). A re-list after 410 reports the ones missed."""
    backoff = Backoff(options.backoff_base, options.backoff_cap)
    attempt = 0
    seen: set[str] = set()
    while True:
        try:
            if not rv:
                names, rv = await list_namespaces(api, options.list_read_timeout)
                for name in names:
                    if name not in seen:
                        seen.add(name)
                        on_added(name)
            started = time.monotonic()
            timeout = int(options.watch_timeout[0]) or 1
            resp = await kapi.open_watch(api, PATH, [("watch", "true"), ("resourceVersion", rv),
                                                     ("allowWatchBookmarks", "true"), ("timeoutSeconds", str(timeout))],
                                         timeout + options.read_margin)
            try:
                async for lines in kapi.read_batches(resp):
                    attempt = 0
                    for line in lines:
                        try:
                            ev = orjson.loads(line)
                            etype, obj = ev["type"], ev.get("object")
                        except (orjson.JSONDecodeError, TypeError, KeyError):
                            log.warning("unreadable namespace watch line: %r", line[:120])
                            continue
                        if etype == "ERROR":
                            raise kapi.ApiError.from_status(obj)
                        rv = resource_version(obj) or rv
                        got = ((obj or {}).get("metadata") or {}).get("name") if type(obj) is dict else None
                        if etype in ("ADDED", "MODIFIED") and isinstance(got, str) and got:
                            seen.add(got)
                            on_added(got)
            finally:
                resp.release()
            if time.monotonic() - started < 1.0:
                attempt += 1  # a server that ends every watch at once must not become a busy loop
            else:
                continue
        except kapi.ApiError as exc:
            if exc.forbidden:
                log.info("namespaces can no longer be watched: %s", exc.message)
                return
            if exc.expired:
                rv = ""
                continue
            attempt += 1
        except NETWORK_ERRORS:
            attempt += 1
        await asyncio.sleep(backoff.delay(attempt))
