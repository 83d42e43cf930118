"""Before a command does anything: is the server a Kubernetes API server, and does the namespace asked for
exist? Both were silent before: a captive portal's HTML page (200) ended in a JSON traceback, and
`doctor -n no-such-namespace` said "no problems found" (an empty namespace lists nothing, like kubectl's
`get`; but naming one that does not exist is a mistake worth an error, as `kubectl get ns X` says).

One GET /version and, when a namespace was named, one GET of it, sent together. Answers that cannot decide (401,
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


async def problem(api: Any, server: str | None, namespace: str | None) -> str | None:
    """The one-line reason the command cannot work with this server or namespace, or None."""
    # Both at once: one round trip before the command starts, not two.
    version, ns = await asyncio.gather(_get(api, "/version"),
                                       _get(api, f"/api/v1/namespaces/{quote(namespace, safe='')}")
                                       if namespace is not None else _none())
    if isinstance(version, kapi.ApiError) and version.code == 404:
        return f"{plain(server or '')} is not a Kubernetes API server (GET /version: 404 {plain(version.message, 80)})"
    if isinstance(version, bytes) and not _is_version(version):
        start = plain(version[:60].decode("utf-8", "replace")).strip()
        return (f"{plain(server or '')} is not a Kubernetes API server: GET /version answered {start!r}"
                f"{'…' if len(version) > 60 else ''} (a captive portal or a proxy's login page?)")
    if isinstance(ns, kapi.ApiError) and ns.code == 404:
        return f'namespaces "{plain(namespace)}" not found'
    return None


async def _get(api: Any, path: str) -> bytes | kapi.ApiError | None:
    """The body, the API's refusal, or None when there was no answer (each command says so its own way;
    the TUI opens anyway, tells why its streams are down, and retries)."""
    try:
        return await asyncio.wait_for(kapi.get_bytes(api, path, [], read_timeout=TIMEOUT), TIMEOUT)
    except kapi.ApiError as exc:
        return exc
    except (TimeoutError, aiohttp.ClientError, OSError):
        return None


async def _none() -> None:
    return None


def _is_version(body: bytes) -> bool:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and isinstance(data.get("major"), str) and "gitVersion" in data
