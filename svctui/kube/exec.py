"""Running a command in a pod over the exec websocket (v4.channel.k8s.io), output streamed as it comes.

The websocket is opened by the target's client (transport.py: the same session, proxy, TLS and credential
as REST, one retry after a 401) and the channels are read here, because kubernetes_asyncio's preloaded
mode merges stdout with stderr and drops the status channel, which carries the exit code.

    async with Executor(target.api) as ex:
        result = await ex.run("default", "svctui-debug-ab12", ["nslookup", "db"], on_output=print_chunk)
        result.exit_code

Errors are `ExecError` with text for the person at the terminal.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from .api import ApiError, send
from .transport import KubeApiClient

STDOUT, STDERR, ERROR = 1, 2, 3
CHANNEL_NAMES = {STDOUT: "stdout", STDERR: "stderr"}


class ExecError(Exception):
    """The command could not be run (or did not finish); the message is meant for the user."""

    def __init__(self, message: str, code: int = 0, reason: str = ""):
        super().__init__(message)
        self.code = code  # HTTP status when the API server refused, else 0
        self.reason = reason


class ExecTimeout(ExecError):
    pass


@dataclass
class ExecResult:
    exit_code: int
    stdout: bytes = b""
    stderr: bytes = b""
    elapsed: float = 0.0  # seconds from the call to the end of the command
    first_output: float | None = None  # seconds from the call to the first byte of output
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


def exit_code(status: dict[str, Any]) -> int | None:
    """The exit code in a v4 status message, None when it reports a failure to run the command at all."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                try:
                    return int(cause.get("message"))
                except (TypeError, ValueError):
                    return None
    return None


class ExecStream:
    """One running command: iterate for (stream name, bytes) chunks; `exit_code` once iteration ends."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, argv: Sequence[str]):
        self._ws = ws
        self._argv = list(argv)
        self.status: dict[str, Any] = {}
        self.exit_code: int | None = None

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        async for msg in self._ws:
            if msg.type == aiohttp.WSMsgType.BINARY:
                data = bytes(msg.data)
            elif msg.type == aiohttp.WSMsgType.TEXT:
                data = msg.data.encode("utf-8")
            elif msg.type == aiohttp.WSMsgType.ERROR:
                raise ExecError(f"the exec connection failed: {self._ws.exception()}")
            else:
                break
            if len(data) < 2:  # the server's opening empty frame, or an empty write
                continue
            channel, payload = data[0], data[1:]
            if channel in CHANNEL_NAMES:
                yield CHANNEL_NAMES[channel], payload
            elif channel == ERROR:
                self._on_status(payload)
        if not self.status:
            raise ExecError(f"the exec connection closed before {self._argv[0]!r} reported an exit status")

    def _on_status(self, payload: bytes) -> None:
        try:
            status = orjson.loads(payload)
        except orjson.JSONDecodeError:
            status = {"status": "Failure", "message": payload.decode("utf-8", "replace")}
        if not isinstance(status, dict):
            status = {"status": "Failure", "message": str(status)}
        self.status = status
        code = exit_code(status)
        if code is None:
            msg = str(status.get("message") or "the command could not be run")
            raise ExecError(_shorten_runtime_error(msg), int(status.get("code") or 0), str(status.get("reason") or ""))
        self.exit_code = code


def _shorten_runtime_error(msg: str) -> str:
    # containerd's text buries the point ("executable file not found in $PATH") under IDs.
    if "executable file not found" in msg:
        exe = msg.split('exec: "', 1)[-1].split('"', 1)[0] if 'exec: "' in msg else "the command"
        return f"{exe}: not found in the container image (executable file not found in $PATH)"
    return msg


class Executor:
    """Exec into pods through one websocket-capable client (its connection pool is reused)."""

    def __init__(self, api: KubeApiClient):
        self.api = api

    async def close(self) -> None:
        pass  # the websockets are the target client's; each is closed when its command ends

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _query(self, argv: Sequence[str], container: str | None, stdin: bool) -> list[tuple[str, str]]:
        q = [("command", a) for a in argv]
        if container:
            q.append(("container", container))
        q += [("stdin", "true" if stdin else "false"), ("stdout", "true"), ("stderr", "true"), ("tty", "false")]
        return q

    async def open(self, namespace: str, pod: str, argv: Sequence[str], container: str | None = None,
                   connect_timeout: float = 10.0) -> _Opened:
        if not argv:
            raise ExecError("no command given")
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/exec"
        return _Opened(self, path, self._query(argv, container, False), list(argv), connect_timeout)

    async def run(self, namespace: str, pod: str, argv: Sequence[str], container: str | None = None,
                  on_output: Callable[[str, bytes], Any] | None = None, timeout: float = 30.0) -> ExecResult:
        """Run argv to completion; `on_output(stream, data)` sees each chunk as it arrives (may be async)."""
        start = time.monotonic()
        out: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
        first: float | None = None
        opened = await self.open(namespace, pod, argv, container)
        try:
            async with asyncio.timeout(timeout):
                async with opened as proc:
                    async for name, data in proc:
                        if first is None:
                            first = time.monotonic() - start
                        out[name].append(data)
                        if on_output is not None:
                            r = on_output(name, data)
                            if asyncio.iscoroutine(r):
                                await r
        except TimeoutError:
            raise ExecTimeout(f"{argv[0]} in {namespace}/{pod} did not finish within {timeout:g} s") from None
        return ExecResult(proc.exit_code if proc.exit_code is not None else 1, b"".join(out["stdout"]),
                          b"".join(out["stderr"]), time.monotonic() - start, first, proc.status)

    async def _error_for(self, path: str, query: list[tuple[str, str]], exc: aiohttp.WSServerHandshakeError) -> ExecError:
        """The refused upgrade's reason: the handshake error has no body, so ask again over plain HTTP
        (the API server answers with the same Status: 403, 404, 400 container choice, ...)."""
        code = exc.status
        if code == 401:  # already retried with a fresh credential: asking again would only re-run the plugin
            return ExecError(f"exec refused: {self.api.credentials.rejected_message()}", 401, "Unauthorized")
        try:
            body = (await send(self.api, "GET", path, query=query, timeout=aiohttp.ClientTimeout(total=10))).body
        except Exception:  # noqa: BLE001 - the first error is the one to report
            body = b""
        message = ""
        reason = ""
        try:
            status = json.loads(body)
            if isinstance(status, dict):
                message, reason = str(status.get("message") or ""), str(status.get("reason") or "")
        except ValueError:
            message = body.decode("utf-8", "replace").strip()[:300]
        if not message or "websocket" in message:
            message = f"HTTP {code} {exc.message}"
        return ExecError(f"exec refused: {message}", code, reason)


class _Opened:
    """`async with` wrapper: connects on enter, closes the websocket on exit."""

    def __init__(self, ex: Executor, path: str, query: list[tuple[str, str]], argv: list[str], connect_timeout: float):
        self._ex, self._path, self._query, self._argv = ex, path, query, argv
        self._connect_timeout = connect_timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> ExecStream:
        try:
            async with asyncio.timeout(self._connect_timeout):
                ws = self._ws = await self._ex.api.ws_connect(self._path, self._query, "v4.channel.k8s.io")
        except ApiError as exc:  # no credential to send (the plugin failed)
            raise ExecError(f"exec: {exc.message}", exc.code, exc.reason) from None
        except aiohttp.WSServerHandshakeError as exc:
            raise await self._ex._error_for(self._path, self._query, exc) from None
        except TimeoutError:
            raise ExecTimeout(f"no answer from the API server within {self._connect_timeout:g} s (exec)") from None
        except aiohttp.ClientError as exc:
            raise ExecError(f"cannot reach the API server for exec: {exc}") from None
        return ExecStream(ws, self._argv)

    async def __aexit__(self, *exc: Any) -> None:
        if self._ws is not None:
            await self._ws.close()
