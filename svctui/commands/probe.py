"""`svctui probe svc/NAME [-n NS] [--count N] [--interval S] [--curl|--nslookup]`: request a Service
repeatedly from a debug pod in its namespace; one line per request (time, status, backend that answered,
latency), then a summary. The debug pod is removed before exiting, also on Ctrl+C, SIGTERM and SIGHUP.

Latency is the round trip as svctui sees it (exec included), not curl's own timing.
Exit codes: 0 every request succeeded, 1 some failed, 2 usage error / no cluster / no debug pod.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from ..model.dnsnames import service_fqdn
from ..model.sanitize import plain
from ..model.target import parse_service_target
from .argtypes import count, non_negative
from .lines import say

PROG = "svctui probe"
CURL_IMAGE = "curl"
NSLOOKUP_IMAGE = "busybox"


def probe_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Request a Service repeatedly from a debug pod in its "
                                "namespace and show which backend answered each time.",
                                epilog="Exit status: 0 all requests succeeded, 1 some failed, 2 usage error or "
                                       "no cluster / no debug pod.")
    p.add_argument("target", metavar="svc/NAME")
    p.add_argument("-n", "--namespace", help="namespace of the Service (default: the context's)")
    p.add_argument("--count", type=count, default=10, help="number of requests (default 10)")
    p.add_argument("--interval", type=non_negative, default=1.0, help="seconds between requests (default 1)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--curl", dest="mode", action="store_const", const="curl", help="HTTP GET with curl (default)")
    mode.add_argument("--nslookup", dest="mode", action="store_const", const="nslookup", help="DNS lookup of the Service name")
    p.add_argument("--port", type=count, help="Service port for --curl (default: its first TCP port)")
    p.add_argument("--path", default="/", help="URL path for --curl (default /)")
    p.add_argument("--timeout", type=non_negative, default=3.0, help="per-request timeout in seconds (default 3)")
    p.add_argument("--image", help="debug pod image (busybox, curl, netshoot or a reference)")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    p.set_defaults(mode="curl")
    return p


@dataclass
class Outcome:
    ok: bool
    status: str  # "200 OK", "NXDOMAIN", "curl: (7) ..."
    backend: str  # who answered, "" when unknown
    latency: float


def read_curl(result: Any) -> tuple[bool, str, str]:
    """(ok, status, backend) from `curl -sS -i` output: backend from X-Served-By, a one-line hostname
    body, or nginx's default page (which does not say which pod served it). See model/httpreply.py."""
    from ..model.httpreply import read_curl as parse

    reply = parse(result.exit_code, result.stdout, result.stderr)
    return reply.ok, reply.status, reply.backend


async def _service(api: Any, namespace: str, name: str) -> dict[str, Any]:
    from ..kube.api import get_json

    svc: dict[str, Any] = await get_json(api, f"/api/v1/namespaces/{namespace}/services/{name}", [], read_timeout=15)
    return svc


def tcp_ports(svc: dict[str, Any]) -> list[int]:
    """The TCP port numbers of a Service as the API returned it, in its order (what curl can ask)."""
    spec = svc.get("spec") or {}
    return [p["port"] for p in spec.get("ports") or []
            if (p.get("protocol") or "TCP") == "TCP" and isinstance(p.get("port"), int)]


def _command(mode: str, fqdn: str, port: int | None, path: str, timeout: float) -> list[str]:
    if mode == "nslookup":
        from ..kube.dns import nslookup_script

        return ["sh", "-c", nslookup_script([fqdn], ("A",))]
    url = f"http://{fqdn}:{port}{path if path.startswith('/') else '/' + path}"
    return ["curl", "-sS", "-i", "-m", f"{timeout:g}", url]


def _outcome(mode: str, fqdn: str, result: Any, latency: float) -> Outcome:
    if mode == "nslookup":
        from ..kube.dns import parse_nslookup

        answer = parse_nslookup(result.stdout.decode("utf-8", "replace")).get((fqdn, "A"))
        if answer is None:
            return Outcome(False, "no answer from nslookup", "", latency)
        addrs = sorted(r.value for r in answer.records if r.type in ("A", "AAAA"))
        return Outcome(answer.rcode == "NOERROR" and bool(addrs), answer.rcode, ",".join(addrs), latency)
    ok, status, backend = read_curl(result)
    return Outcome(ok, status, backend, latency)


def main(argv: Sequence[str]) -> int:
    parser = probe_parser()
    try:
        args = parser.parse_args(list(argv))
        target = parse_service_target(args.target)
        name, args.namespace = target.name, target.resolve_namespace(args.namespace)
    except SystemExit as exc:
        return int(exc.code or 0)
    except ValueError as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    if args.namespace is not None and not args.namespace.strip():
        print(f"{PROG}: error: -n/--namespace needs a name", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args, name, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, name: str, out: TextIO, err: TextIO) -> int:
    import aiohttp

    from ..kube.api import ApiError
    from ..kube.config import KubeConfigError, load_target
    from ..kube.debugpod import DebugPodError, DebugSession, install_cleanup_handlers
    from ..kube.exec import ExecError
    from . import preflight

    try:
        target = await load_target(args.kubeconfig, args.context, args.namespace)
    except KubeConfigError as exc:
        say(err, f"{PROG}: error: {plain(exc)}")
        return 2
    why = await preflight.problem(target.api, target.server, args.namespace)
    if why:
        await target.close()
        say(err, f"{PROG}: error: {why}")
        return 2
    ns = target.namespace
    session = None
    uninstall = None
    outcomes: list[Outcome] = []
    try:
        try:
            svc = await _service(target.api, ns, name)
        except ApiError as exc:
            say(err, f"{PROG}: error: {plain(exc.message)}")
            return 2
        except aiohttp.ClientError as exc:
            say(err, f"{PROG}: error: cannot reach the API server {plain(target.server)}: {plain(exc)}")
            return 2
        ports = tcp_ports(svc)
        port = args.port or (ports[0] if ports else None)
        if args.mode == "curl" and port is None and (svc.get("spec") or {}).get("type") != "ExternalName":
            say(err, f"{PROG}: error: svc/{plain(name)} has no TCP port; use --port or --nslookup")
            return 2
        fqdn = service_fqdn(name, ns)
        argv = _command(args.mode, fqdn, port or 80, args.path, args.timeout)
        session = DebugSession(target.api, image=args.image or (CURL_IMAGE if args.mode == "curl" else NSLOOKUP_IMAGE))
        uninstall = install_cleanup_handlers(session)
        what = fqdn if args.mode == "nslookup" else argv[-1]
        say(err, f"{PROG}: {args.mode} {plain(what)} from a debug pod in {plain(ns)} "
                  f"({session.image}), {args.count} request{'s' if args.count != 1 else ''}")
        try:
            await session.pod(ns, on_progress=lambda text: say(err, f"{PROG}: {plain(text)}"))
        except DebugPodError as exc:
            say(err, f"{PROG}: error: {plain(exc)}")
            return 2
        for i in range(1, args.count + 1):
            start = time.monotonic()
            try:
                result = await session.exec(ns, argv, timeout=args.timeout + 10)
                outcome = _outcome(args.mode, fqdn, result, time.monotonic() - start)
            except (ExecError, DebugPodError) as exc:
                outcome = Outcome(False, str(exc), "", time.monotonic() - start)
            outcomes.append(outcome)
            say(out, _line(i, outcome))
            if i < args.count:
                await asyncio.sleep(max(0.0, args.interval - (time.monotonic() - start)))
    finally:
        if outcomes:
            for line in summary(outcomes):
                say(out, line)
        if session is not None:
            try:
                removed = await session.close()
            except Exception as exc:  # noqa: BLE001 - report, then try the sync path
                say(err, f"{PROG}: could not remove the debug pod ({plain(exc)}); retrying")
                removed = session.cleanup_sync()
            for pod in removed:
                say(err, f"{PROG}: removed debug pod {plain(pod)}")
            if session.pods:
                say(err, f"{PROG}: warning: debug pods left behind: {plain(', '.join(session.pods.values()))}")
        if uninstall is not None:
            uninstall()
        await target.close()
    return 0 if all(o.ok for o in outcomes) else 1


def _line(i: int, o: Outcome) -> str:
    now = datetime.now().strftime("%H:%M:%S.%f")[:-3]
    mark = "ok  " if o.ok else "FAIL"
    backend = plain(o.backend, 60) or "-"
    return f"{now}  #{i:<3} {mark} {plain(o.status, 70):<24} {backend:<40} {o.latency * 1000:7.1f} ms"


def summary(outcomes: list[Outcome]) -> list[str]:
    ok = sum(1 for o in outcomes if o.ok)
    failed = len(outcomes) - ok
    seen = Counter(o.backend for o in outcomes if o.ok and o.backend)
    lat = sorted(o.latency for o in outcomes)
    median = lat[len(lat) // 2] * 1000 if lat else 0.0
    lines = [f"{len(outcomes)} requests: {ok} succeeded, {failed} failed; median latency {median:.1f} ms"]
    if seen:
        lines.append("backends seen: " + ", ".join(f"{plain(b)} ({n})" for b, n in sorted(seen.items())))
    else:
        lines.append("backends seen: none identified")
    errors = Counter(o.status for o in outcomes if not o.ok)
    for status, n in errors.most_common(3):
        lines.append(f"failures: {n} x {plain(status, 100)}")
    return lines
