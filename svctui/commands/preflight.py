"""Before a command does anything: is the server a Kubernetes API server, and does the namespace asked for
exist? Both were silent before: a captive portal's HTML page (200) ended in a JSON traceback, and
`doctor -n no-such-namespace` said "no problems found" (an empty namespace lists nothing, like kubectl's
`get`; but naming one that does not exist is a mistake worth an error, as `kubectl get ns X` says).

One GET /version, plus one GET of the namespace when one was named. Answers that cannot decide (401,
403, no connection, a timeout) let the command go on and report its own way.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from ..kube import api as kapi
from ..model.sanitize import plain

TIMEOUT = 10.0


async def problem(api: Any, server: str, namespace: str | None) -> str | None:
    """The one-line reason the command cannot work with this server or namespace, or None."""
    try:
        body = await asyncio.wait_for(kapi.get_bytes(api, "/version", [], read_timeout=TIMEOUT), TIMEOUT)
    except kapi.ApiError as exc:
        if exc.code == 404:
            return f"{plain(server)} is not a Kubernetes API server (GET /version: 404 {plain(exc.message, 80)})"
        body = None  # 401/403/5xx: the server answers like one; the command reports the rest
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
        # Each command says so its own way; the TUI opens anyway, tells why its streams are down, retries.
        return None
    if body is not None and not _is_version(body):
        start = plain(body[:60].decode("utf-8", "replace")).strip()
        return (f"{plain(server)} is not a Kubernetes API server: GET /version answered {start!r}"
                f"{'…' if len(body) > 60 else ''} (a captive portal or a proxy's login page?)")
    if namespace is None:
        return None
    try:
        await kapi.get_bytes(api, f"/api/v1/namespaces/{quote(namespace, safe='')}", [], read_timeout=TIMEOUT)
    except kapi.ApiError as exc:
        if exc.code == 404:
            return f'namespaces "{plain(namespace)}" not found'
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
        pass
    return None


def _is_version(body: bytes) -> bool:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and isinstance(data.get("major"), str) and "gitVersion" in data
