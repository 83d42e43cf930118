"""The commands the panes run, as coroutines for the controller's workers (panes/controller.py).

A job never touches a widget: it reports through `JobEnv.post` (panes/messages.py), and the controller
hands each message to its pane. Everything from the cluster goes through plain() on the way.
"""

from __future__ import annotations

import asyncio
import codecs
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.message import Message

from svctui.kube.debugpod import DebugPodError
from svctui.kube.exec import ExecError
from svctui.model.dnsverdict import verdict
from svctui.model.httpreply import Reply, read_curl
from svctui.model.objects import Key
from svctui.model.probe import ProbeResult
from svctui.model.sanitize import plain

from .messages import BalanceSample, BalanceStarted, PaneBegin, PaneDone, PaneOutput, ProbeEnded, ProbeSample
from .pane import Sample
from .session import DECLINED, READ_ONLY, GatedSession

LB_COUNT = 20
REQUEST_TIMEOUT = 3.0
PROBE_INTERVAL = 0.5


@dataclass
class JobEnv:
    """What a job may use: where its messages go, the session (created on first use), the API client
    of the moment, the clocks, and the model's hint about a name that lives in another namespace."""

    post: Callable[[Message], object]
    session: Callable[[], GatedSession | None]
    api: Callable[[], Any]
    elapsed: Callable[[], float]
    now: Callable[[], float]
    elsewhere: Callable[[str, str], str | None]


class _Decoder:
    """Streamed bytes to text per stream, without splitting a UTF-8 character across chunks."""

    def __init__(self) -> None:
        self._d = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in ("stdout", "stderr")}

    def __call__(self, stream: str, data: bytes) -> str:
        return self._d.get(stream, self._d["stdout"]).decode(data).replace("\r\n", "\n")


def _progress(env: JobEnv, kind: str) -> Callable[[str], object]:
    return lambda text: env.post(PaneOutput(kind, line=Text(plain(text), "dim")))


def refusal(exc: Exception) -> Text:
    kind = getattr(exc, "kind", "")
    if kind == READ_ONLY:
        return Text(f"✗ {plain(exc)}", "bold magenta")
    if kind == DECLINED:
        return Text(f"✗ {plain(exc)} (asked again next time)", "yellow")
    return Text(f"✗ {plain(exc)}", "bold red")


async def _stream(env: JobEnv, kind: str, session: GatedSession, ns: str, argv: list[str], timeout: float) -> Any:
    dec = _Decoder()

    def out(stream: str, data: bytes) -> None:
        env.post(PaneOutput(kind, dec(stream, data), "red" if stream == "stderr" else ""))
    return await session.exec(ns, argv, on_output=out, timeout=timeout, on_progress=_progress(env, kind))


async def lookup_job(env: JobEnv, name: str, source: str) -> None:
    from svctui.kube.dns import DnsError, lookup

    P = "lookup"
    env.post(PaneBegin(P, Text.assemble(("$ ", "dim"), (f"nslookup {plain(name)}", "bold"),
                                        (f"   in a debug pod in {plain(source)}", "dim"))))
    session = env.session()
    if session is None:
        env.post(PaneDone(P, Text("not connected to a cluster", "bold red")))
        return
    nslookup_ok = None
    try:
        result = await _stream(env, P, session, source, ["nslookup", name], 15.0)
        nslookup_ok = "Name:" in result.text
        code = Text(f"exit {result.exit_code}", "green" if result.exit_code == 0 else "red")
        if result.exit_code and nslookup_ok:
            code.append(" (busybox exits 1 when any query failed, even when another found the name)", "dim")
        env.post(PaneOutput(P, line=code))
    except (DebugPodError, ExecError) as exc:
        env.post(PaneOutput(P, line=refusal(exc)))
    env.post(PaneOutput(P, line=Text.assemble(
        ("The resolver's walk ", "bold"), (f"(getaddrinfo in a pod in {plain(source)}; asked of CoreDNS):", "dim"))))
    try:
        walk = await lookup(env.api(), name, source, session=session)
    except DnsError as exc:
        env.post(PaneDone(P, Text(f"✗ {plain(exc)}", "bold red")))
        return
    for line in _walk_lines(walk):
        env.post(PaneOutput(P, line=line))
    if "." in name.strip(".") and nslookup_ok is False and walk.resolved:
        env.post(PaneOutput(P, line=Text(
            f"note: busybox nslookup asks a dotted name as-is, without the search path; applications "
            f"resolve {plain(name)} through it (ndots:5), as the walk shows", "yellow")))
    env.post(PaneDone(P, _verdict(walk, env.elsewhere(name, source))))


async def dns_job(env: JobEnv, name: str, source: str) -> None:
    from svctui.kube.dns import DnsError, lookup

    P = "dns"
    env.post(PaneBegin(P, Text.assemble(("DNS walk for ", "dim"), (plain(name), "bold"),
                                        (" from a pod in ", "dim"), (plain(source), "bold"))))
    session = env.session()
    api = env.api()
    if session is None or api is None:
        env.post(PaneDone(P, Text("not connected to a cluster", "bold red")))
        return
    try:
        walk = await lookup(api, name, source, session=session)
    except DnsError as exc:
        env.post(PaneDone(P, Text(f"✗ {plain(exc)}", "bold red")))
        return
    for line in _walk_lines(walk):
        env.post(PaneOutput(P, line=line))
    if walk.fallback:
        env.post(PaneOutput(P, line=Text(f"fell back to a debug pod: {plain(walk.fallback)}", "yellow")))
    env.post(PaneDone(P, _verdict(walk, env.elsewhere(name, source))))


async def curl_job(env: JobEnv, command: str, key: Key | None) -> None:
    P = "curl"
    ns = key[0] if key else "default"
    env.post(PaneBegin(P, Text.assemble(("$ ", "dim"), (plain(command), "bold"),
                                        (f"   in a debug pod in {plain(ns)}", "dim"))))
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        env.post(PaneDone(P, Text(f"✗ cannot parse the command: {plain(exc)}", "bold red")))
        return
    session = env.session()
    if session is None or not argv:
        env.post(PaneDone(P, Text("not connected to a cluster" if argv else "nothing to run", "bold red")))
        return
    try:
        await session.pod(ns, on_progress=_progress(env, P))  # the first time: created, waited for
        start = env.elapsed()
        result = await _stream(env, P, session, ns, argv, 30.0)
    except (DebugPodError, ExecError) as exc:
        env.post(PaneDone(P, refusal(exc)))
        return
    took = env.elapsed() - start
    summary = Text(f"exit {result.exit_code}", "green" if result.exit_code == 0 else "bold red")
    if argv[0] == "curl" and "-i" in argv:
        reply = read_curl(result.exit_code, result.stdout, result.stderr, short_body=True)
        summary.append(f" · {plain(reply.status, 80)}")
        if reply.backend:
            summary.append(" · served by ", "dim")
            summary.append(plain(reply.backend, 60), "bold")
    summary.append(f" · {_ms(took)} (exec included)", "dim")
    env.post(PaneDone(P, summary))


async def balance_job(env: JobEnv, command: str, key: Key | None) -> None:
    P = "lb"
    ns = key[0] if key else "default"
    words = command.split()
    count = LB_COUNT
    if words and words[0].isdigit():
        count = max(1, min(1000, int(words.pop(0))))
    if not words:
        env.post(PaneDone(P, Text("give a URL: COUNT URL", "bold red")))
        return
    url = words[0]
    argv = ["curl", "-sS", "-i", "-m", f"{REQUEST_TIMEOUT:g}", url]
    env.post(BalanceStarted(Text.assemble((f"{count} × GET ", "bold"), (plain(url), "bold"),
                                          (f"  from a debug pod in {plain(ns)}", "dim")), count))
    session = env.session()
    if session is None:
        env.post(PaneDone(P, Text("not connected to a cluster", "bold red")))
        return
    try:
        await session.pod(ns, on_progress=_progress(env, P))
    except DebugPodError as exc:
        env.post(PaneDone(P, refusal(exc)))
        return
    for n in range(1, count + 1):
        reply, took = await _request(env, session, ns, argv)
        env.post(BalanceSample(Sample(n, reply.ok, reply.status, reply.backend, took)))
    env.post(PaneDone(P))


async def _request(env: JobEnv, session: GatedSession, ns: str, argv: list[str]) -> tuple[Reply, float]:
    start = env.elapsed()
    try:
        result = await session.exec(ns, argv, timeout=REQUEST_TIMEOUT + 10)
        reply = read_curl(result.exit_code, result.stdout, result.stderr, short_body=True)
    except (DebugPodError, ExecError) as exc:
        reply = Reply(False, str(exc), "")
    return reply, env.elapsed() - start


async def probe_job(env: JobEnv, key: Key, url: str) -> None:
    session = env.session()
    if session is None:
        env.post(ProbeEnded(key, "not connected to a cluster"))
        return
    try:
        await session.pod(key[0])
    except DebugPodError as exc:
        env.post(ProbeEnded(key, str(exc)))
        return
    argv = ["curl", "-sS", "-i", "-m", f"{REQUEST_TIMEOUT:g}", url]
    while True:
        sent = env.now()
        start = time.monotonic()
        reply, took = await _request(env, session, key[0], argv)
        env.post(ProbeSample(ProbeResult(sent, key, reply.ok, plain(reply.status, 120),
                                         plain(reply.backend, 60), took)))
        await asyncio.sleep(max(0.05, PROBE_INTERVAL - (time.monotonic() - start)))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _walk_lines(walk: Any) -> list[Text]:
    from svctui.kube.dns import format_walk

    lines = format_walk(walk, plain)
    out = [Text(lines[0], "dim"), Text(lines[1], "dim")]
    for line in lines[2:]:
        style = ""
        if "[" in line and "NOERROR" in line and not line.lstrip().startswith(("A ", "AAAA")):
            style = "green"
        elif "NXDOMAIN" in line or "SERVFAIL" in line or "TIMEOUT" in line:
            style = "red"
        out.append(Text(line, style))
    return out


def _verdict(walk: Any, hint: str | None) -> Text:
    text = verdict(walk)
    out = Text(text, "bold green" if walk.resolved else "bold red")
    if hint and not walk.resolved:
        out.append("\n")
        out.append(hint, "yellow")
    return out
