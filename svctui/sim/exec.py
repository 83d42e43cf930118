"""pods/exec and pods/attach over websockets (the kubelet's remotecommand server behind the apiserver).

Subprotocols v5/v4/v1 `channel.k8s.io` and their base64 variants; the first the client offers that we
support is chosen and echoed. Channels 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize; v5's `[255, ch]`
closes stdin. Frames from clients may be TEXT or BINARY. After the command: the status on channel 3 (v4/v5:
a Status; v1: error text only) and a normal close (1000).

Errors before the upgrade are answered as the apiserver does (400 for container choice, 404 for the pod);
a container that is not running gives the kubelet's `container not found ("c")` as plain text (500): kubectl
then tries SPDY, gets the same, and prints `error: unable to upgrade connection: container not found ("c")`.
A request that is not a websocket upgrade (kubectl's SPDY fallback) gets a 400 Status saying so.
Exec of a binary the image lacks fails like containerd's runc (InternalError status, kubectl exit 1).

Attach: the first attach with stdin to a container waiting on stdin (a shell started with `-i`/`-t`, no
script) starts that shell, fed by this stream; when it exits the container exits with its status. Other
attaches follow the container's output until it stops; a command that ends by itself (nslookup, wget) is
shown from its start: the emulated one prints everything the instant it starts, where a real one still has
process start-up and DNS round trips ahead when kubectl attaches, so an attach would otherwise always miss
what users of `kubectl run --rm -it` on kind see. With a TTY (exec's tty=true, a container's spec.tty)
keys go through shell/tty.py's line discipline (CR as Enter, echo, erase, ctrl-c/ctrl-d), output gets CRLF
line ends and the shell shows its image's prompt.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from . import errors as E
from . import resources as R
from .podlogs import validate_container
from .shell import Input, Output, exists, make_ctx, run_argv
from .shell.tty import LineDiscipline

if TYPE_CHECKING:
    from .cluster import Cluster
    from .controllers.kubelet import Kubelet
    from .server import Route

log = logging.getLogger("svctui.sim.exec")

EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io", "v3.channel.k8s.io",
                  "v2.channel.k8s.io", "channel.k8s.io", "base64.channel.k8s.io"]
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255
# A container runtime takes tens of ms to start an exec'd process (runc exec). kubectl's websocket client
# starts reading before it has created its streams, so a command that ended at once could have its status
# frame arrive first and be dropped ("Unknown stream id 3, discarding message", then "error: closed all
# streams", exit 1): seen in CI on `kubectl exec ... -- sh -c 'echo … > file'`.
EXEC_START = 0.02


def flag(q: Any, key: str) -> bool:
    v = q.get(key)
    return v is not None and v.lower() not in ("", "0", "false")


def offered(request: web.Request) -> list[str]:
    return [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]


def is_websocket(request: web.Request) -> bool:
    return request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"


class Channels:
    """Framing of one negotiated subprotocol; writes go through one queue so frames keep their order."""

    def __init__(self, ws: web.WebSocketResponse, protocol: str):
        self.ws = ws
        self.protocol = protocol
        self.b64 = "base64" in protocol
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self.writer = asyncio.ensure_future(self._write())

    def send(self, channel: int, data: bytes) -> None:
        self.queue.put_nowait((channel, data))

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            channel, data = item
            try:
                if self.b64:
                    await self.ws.send_str(chr(ord("0") + channel) + base64.b64encode(data).decode())
                else:
                    await self.ws.send_bytes(bytes([channel]) + data)
            except (ConnectionResetError, ConnectionError, RuntimeError):
                return

    async def flush(self) -> None:
        self.queue.put_nowait(None)
        await self.writer

    def decode(self, msg: Any) -> tuple[int, bytes] | None:
        if msg.type == WSMsgType.BINARY:
            data = bytes(msg.data)
        elif msg.type == WSMsgType.TEXT:
            if self.b64:
                text = msg.data
                if not text:
                    return None
                return ord(text[0]) - ord("0"), base64.b64decode(text[1:])
            data = msg.data.encode("utf-8")
            if data and data[0] > 127:  # a chr(channel) above 127 encodes as two bytes
                return ord(msg.data[0]), msg.data[1:].encode("utf-8")
        else:
            return None
        if not data:
            return None
        if self.b64:
            return data[0] - ord("0"), base64.b64decode(data[1:])
        return data[0], data[1:]


def running_container(pod: dict[str, Any], name: str) -> bool:
    status = pod.get("status") or {}
    for cs in (status.get("containerStatuses") or []) + (status.get("ephemeralContainerStatuses") or []):
        if cs.get("name") == name:
            return "running" in (cs.get("state") or {})
    return False


def _status_success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def _status_exit(argv: list[str], code: int) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command {_go_list(argv)}, exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def _status_internal(message: str) -> dict[str, Any]:
    return {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {message}",
            "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


def _interactive_shell(argv: list[str]) -> bool:
    """`sh`, `bash -i`, ...: a shell reading commands from its terminal, not running a script or -c."""
    return argv[0].rsplit("/", 1)[-1] in ("sh", "ash", "bash", "dash") and all(a.startswith("-") and a != "-c" for a in argv[1:])


def _go_list(argv: list[str]) -> str:
    return "[" + " ".join(argv) + "]"


class StreamHandler:
    def __init__(self, cluster: Cluster, attach: bool):
        self.cluster = cluster
        self.api = cluster.api
        self.attach = attach
        # (pod uid, container) -> the stdin of a shell started by a first attach
        self.sessions: dict[tuple[str, str], Input] = cluster.parts.attach_sessions

    async def __call__(self, request: web.Request, route: Route) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            raise E.method_not_allowed()
        pod = self.api.require(R.PODS, route.namespace, route.name or "")
        q = request.query
        name = validate_container(pod, q.get("container", ""))
        argv = q.getall("command", [])
        if not self.attach and not argv:
            raise E.bad_request("you must specify at least 1 command")
        stdin, stdout, stderr, tty = flag(q, "stdin"), flag(q, "stdout"), flag(q, "stderr"), flag(q, "tty")
        if not (stdin or stdout or stderr):
            raise E.bad_request("you must specify at least 1 of stdin, stdout, stderr")
        if not (pod.get("spec") or {}).get("nodeName"):
            raise E.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
        if not running_container(pod, name):
            return web.Response(status=500, text=f'container not found ("{name}")', content_type="text/plain")
        if not is_websocket(request):
            verb = "attach" if self.attach else "exec"
            raise E.bad_request(f"the simulated cluster serves pods/{verb} over websockets only "
                                f"({', '.join(EXEC_PROTOCOLS[:3])}); SPDY upgrades are not supported")
        client = offered(request)
        chosen = next((p for p in client if p in EXEC_PROTOCOLS), None)
        if client and chosen is None:
            return web.Response(status=400, content_type="text/plain",
                                text=f"unable to upgrade: requested protocol(s) are not supported: {client}; "
                                     f"supports {EXEC_PROTOCOLS}")
        ws = web.WebSocketResponse(protocols=[chosen] if chosen else (), autoping=True, max_msg_size=0)
        await ws.prepare(request)
        ch = Channels(ws, chosen or "channel.k8s.io")
        # The kubelet's first frame: an empty message on the first enabled output channel.
        ch.send(STDOUT if stdout else STDERR if stderr else ERROR, b"")
        try:
            status: dict[str, Any] | None
            if self.attach:
                status = await self._attach(pod, name, ch, stdin, stdout, stderr, tty)
            else:
                status = await self._exec(pod, name, argv, ch, stdin, stdout, stderr, tty)
            if status is not None:
                if ch.protocol.startswith(("v4", "v5")):
                    ch.send(ERROR, orjson.dumps(status))
                elif status.get("status") != "Success":
                    ch.send(ERROR, status.get("message", "").encode())
            await ch.flush()
            await ws.close(code=1000)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            ch.writer.cancel()
        return ws

    # ---- exec ----
    async def _exec(self, pod: dict[str, Any], name: str, argv: list[str], ch: Channels, stdin: bool, stdout: bool,
                    stderr: bool, tty: bool) -> dict[str, Any] | None:
        inp = Input(closed=not stdin)
        out, err = self._outputs(ch, stdout, stderr, tty)
        ctx = make_ctx(self.cluster, pod, name, inp, out, err, tty=tty)
        if not exists(ctx, argv[0]):
            cid = f"{self.cluster.rng.getrandbits(256):064x}"
            return _status_internal(
                f'error executing command in container: failed to exec in container: failed to start exec "{cid}": '
                f"OCI runtime exec failed: exec failed: unable to start container process: exec: \"{argv[0]}\": "
                f"executable file not found in $PATH: unknown")
        reader = asyncio.ensure_future(self._read(ch, inp, LineDiscipline(inp, out.write) if tty else None))
        await asyncio.sleep(EXEC_START)
        proc = asyncio.ensure_future(run_argv(ctx, argv))
        waits = {proc, reader}
        # ctrl-c on the TTY is SIGINT to the foreground process: a command dies of it (status 130); an
        # interactive shell handles it itself (shell/sh.py).
        sigint = asyncio.ensure_future(inp.interrupts().wait()) if tty and not _interactive_shell(argv) else None
        if sigint is not None:
            waits.add(sigint)
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if sigint is not None:
            sigint.cancel()
        if proc not in done:
            proc.cancel()
            if reader in done:  # the client went away: the process is killed with its connection
                return None
            reader.cancel()
            return _status_exit(argv, 130)
        reader.cancel()
        code = proc.result()
        return _status_success() if code == 0 else _status_exit(argv, code)

    def _outputs(self, ch: Channels, stdout: bool, stderr: bool, tty: bool) -> tuple[Output, Output]:
        def sink(channel: int, enabled: bool) -> Callable[[bytes], None]:
            def write(data: bytes) -> None:
                if enabled:
                    ch.send(channel, data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if tty else data)
            return write

        out = Output(sink(STDOUT, stdout))
        # With a TTY the runtime has one stream: stderr arrives on stdout.
        err = out if tty else Output(sink(STDERR, stderr))
        return out, err

    async def _read(self, ch: Channels, inp: Input, term: LineDiscipline | None = None) -> None:
        # Resize messages (channel 4, {"Width":..,"Height":..}) are taken and dropped: nothing here lays
        # out text by the terminal's width.
        async for msg in ch.ws:
            frame = ch.decode(msg)
            if frame is None:
                continue
            channel, data = frame
            if channel == STDIN:
                if term is not None:
                    term.feed(data)
                else:
                    inp.feed(data)
            elif channel == CLOSE and data[:1] == bytes([STDIN]):
                inp.close()
        inp.close()

    # ---- attach ----
    async def _attach(self, pod: dict[str, Any], name: str, ch: Channels, stdin: bool, stdout: bool, stderr: bool,
                      tty: bool) -> dict[str, Any]:
        kubelet = self.api.parts.kubelet
        key = (pod["metadata"].get("uid", ""), name)
        spec: dict[str, Any] = next((c for c in (pod["spec"].get("containers") or [])
                                     + (pod["spec"].get("ephemeralContainers") or []) if c.get("name") == name), {})
        if (kubelet is not None and stdin and kubelet.waits_for_stdin(pod, name) and key not in self.sessions
                and spec.get("stdin")):
            return await self._attach_shell(kubelet, pod, name, spec, ch, stdout, stderr, tty, key)
        # Follow what the container prints until it stops or the client leaves.
        out, err = self._outputs(ch, stdout, stderr, tty)
        reader = asyncio.ensure_future(self._read(ch, Input(closed=False)))
        # The emulated process printed everything as it started (see the module's docstring).
        if kubelet is not None and kubelet.runs_to_an_end(pod, name):
            printed = kubelet.container_logs(pod, name, False)
            for _, line in printed[0] if not isinstance(printed, str) else []:
                out.write(line + "\n")
        try:
            while not reader.done():
                waiter = kubelet.log_waiter(pod) if kubelet else None
                if kubelet is None or waiter is None:
                    break
                before = kubelet.container_logs(pod, name, False)
                seen = len(before[0]) if not isinstance(before, str) else 0
                wait = asyncio.ensure_future(waiter.wait())
                await asyncio.wait({wait, reader}, return_when=asyncio.FIRST_COMPLETED)
                wait.cancel()
                after = kubelet.container_logs(pod, name, False)
                if isinstance(after, str):
                    break
                for _, line in after[0][seen:]:
                    out.write(line + "\n")
                if not after[1]:
                    break
        finally:
            reader.cancel()
        return _status_success()

    async def _attach_shell(self, kubelet: Kubelet, pod: dict[str, Any], name: str, spec: dict[str, Any],
                            ch: Channels, stdout: bool, stderr: bool, tty: bool,
                            key: tuple[str, str]) -> dict[str, Any]:
        inp = Input(closed=False)
        self.sessions[key] = inp
        out, err = self._outputs(ch, stdout, stderr, tty)

        def logged(target: Output) -> Callable[[bytes], None]:
            def write(data: bytes) -> None:
                target.write(data)
                kubelet.process_output(pod, name, data)
            return write

        has_tty = tty or bool(spec.get("tty"))
        ctx = make_ctx(self.cluster, pod, name, inp, Output(logged(out)), Output(logged(err)), tty=has_tty)
        argv = [str(a) for a in (spec.get("command") or []) + (spec.get("args") or [])] or ["sh"]
        # The container's pty echoes and edits lines whether or not this client asked for a TTY.
        term = LineDiscipline(inp, ctx.stdout.write) if has_tty else None
        reader = asyncio.ensure_future(self._read(ch, inp, term))
        try:
            code = await run_argv(ctx, argv)
        finally:
            reader.cancel()
        kubelet.process_exit(pod, name, code)
        return _status_success()


def register(cluster: Cluster) -> None:
    cluster.server.subresource_handlers[("pods", "exec")] = StreamHandler(cluster, attach=False)
    cluster.server.subresource_handlers[("pods", "attach")] = StreamHandler(cluster, attach=True)
