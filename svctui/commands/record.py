"""`svctui record -o FILE [svc/NAME] [-n NS | -A] [--duration S] [--probe svc/NAME]`: watch as the
live view does (ClusterWatch, the same sink and model) and append what the model is fed to FILE,
until --duration passes or Ctrl+C / SIGTERM / SIGHUP. Every watch batch is a complete frame on disk
when the next one arrives, so stopping at any moment loses nothing already seen.

svc/NAME only names the Service the recording is about (the header keeps it; `svctui report` and
`svctui replay` start there): the whole namespace is recorded, as the tree shows it. It is read as the
live view reads it (model/target.py): NAME.NAMESPACE also picks the namespace to record, as -n would.
--probe requests that Service once a second from a debug pod (like `svctui probe`), removed on exit.
Exit codes: 0 recorded, 2 usage error, no cluster, or the file cannot be written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from ..model.sanitize import plain
from ..model.target import ServiceTarget, parse_service_target
from .argtypes import positive
from .lines import say

PROG = "svctui record"


def record_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Record Services, EndpointSlices and Pods as svctui sees "
                                "them (and optional probe results) to a file for `svctui replay` and `svctui report`.")
    p.add_argument("target", nargs="?", metavar="svc/NAME",
                   help="the Service this recording is about (svc/NAME, NAME or NAME.NAMESPACE)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="recording to create (never overwritten)")
    p.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    p.add_argument("--duration", type=positive, help="stop after this many seconds (default: until Ctrl+C)")
    p.add_argument("--probe", metavar="svc/NAME", help="request this Service once a second from a debug pod")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    return p


def main(argv: Sequence[str]) -> int:
    parser = record_parser()
    try:
        args = parser.parse_args(list(argv))
        service = parse_service_target(args.target) if args.target is not None else None
        probe = parse_service_target(args.probe) if args.probe is not None else None
        for named in (service, probe):
            if named is not None and not args.all_namespaces:
                named.resolve_namespace(args.namespace)  # NAME.NAMESPACE and -n must agree
    except SystemExit as exc:
        return int(exc.code or 0)
    except ValueError as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    if args.namespace and args.all_namespaces:
        print(f"{PROG}: error: -n/--namespace and -A/--all-namespaces cannot be used together", file=sys.stderr)
        return 2
    if args.namespace is not None and not args.namespace.strip():
        print(f"{PROG}: error: -n/--namespace needs a name", file=sys.stderr)
        return 2
    if os.path.lexists(args.output):  # before connecting; O_EXCL still guards the race
        print(f"{PROG}: error: {plain(args.output)} already exists: choose another file (recordings are never "
              "overwritten)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(record(args, service, probe, sys.stderr))
    except KeyboardInterrupt:
        return 130


async def record(args: argparse.Namespace, service: ServiceTarget | None, probe: ServiceTarget | None,
                 err: TextIO) -> int:
    from ..kube.config import KubeConfigError, load_target
    from ..kube.recorder import Recorder, RecorderError
    from ..kube.state import FORBIDDEN, LOST, RECONNECTING, WATCHING, StreamState
    from ..kube.watch import ClusterWatch
    from ..model.cluster import ClusterModel

    # svc/NAME.NAMESPACE says which namespace to record, as -n would (with -A: where the Service is).
    named = next((t.namespace for t in (service, probe) if t is not None and t.namespace is not None), None)
    try:
        target = await load_target(kubeconfig=args.kubeconfig, context=args.context,
                                   namespace=None if args.all_namespaces else args.namespace or named)
    except KubeConfigError as exc:
        say(err, f"{PROG}: error: {plain(exc)}")
        return 2
    ns = None if args.all_namespaces else target.namespace
    service_ns = (service.namespace or target.namespace) if service is not None else None
    probe_ns = (probe.namespace or target.namespace) if probe is not None else None
    scope: dict[str, Any] = {"context": target.context, "namespace": ns,
                             "service": service.name if service is not None else None,
                             "service_namespace": service_ns, "probe": probe.name if probe is not None else None}
    try:
        rec = Recorder(args.output, scope)
    except RecorderError as exc:
        await target.close()
        say(err, f"{PROG}: error: {plain(exc)}")
        return 2
    model = ClusterModel()
    rec.model = model
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    shown: dict[tuple[str, str | None], str] = {}

    def on_state(st: StreamState) -> None:
        # A recorder runs unattended: say when a stream is in trouble and when it is back, once each.
        key, was = (st.kind, st.namespace), shown.get((st.kind, st.namespace))
        if st.state in (RECONNECTING, LOST, FORBIDDEN) and was != st.state:
            say(err, f"{PROG}: {plain(st.text, 300)}")
        elif st.state == WATCHING and was in (RECONNECTING, LOST):
            say(err, f"{PROG}: {plain(st.text, 300)} again")
        shown[key] = st.state

    watch = ClusterWatch(target.api, model, lambda ch: None, namespace=ns, default_namespace=target.namespace,
                         on_state=on_state)
    watch.sink.tap = rec
    probing: asyncio.Task[None] | None = None
    checking: asyncio.Task[None] | None = None
    started = time.monotonic()
    try:
        watch.start()
        say(err, f"{PROG}: recording {plain(ns or 'all namespaces')} of {plain(target.context)} to "
                  f"{plain(args.output)}" + (f" for {args.duration:g}s" if args.duration else "; Ctrl+C stops"))
        if service is not None and service_ns is not None:
            checking = loop.create_task(_check_service(watch, model, (service_ns, service.name), err))
        if probe is not None and probe_ns is not None:
            probing = loop.create_task(_probe(target.api, probe_ns, probe.name, rec, err, stop))
        try:
            await asyncio.wait_for(stop.wait(), args.duration)
        except TimeoutError:
            pass
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        stop.set()
        if checking is not None:
            checking.cancel()
        if probing is not None:
            await asyncio.gather(probing, return_exceptions=True)
        await watch.stop()
        rec.close()
        await target.close()
    if rec.error:
        say(err, f"{PROG}: error: {plain(rec.error)}")
        return 2
    say(err, f"{PROG}: {rec.frames} frames, {rec.bytes} bytes in {time.monotonic() - started:.1f}s")
    return 0


async def _check_service(watch: Any, model: Any, key: tuple[str, str], err: TextIO) -> None:
    """A named Service that is not there is worth a line (it may still be created: recording goes on)."""
    try:
        await watch.wait_synced(timeout=30)
    except TimeoutError:
        return
    if key not in model.store.services:
        say(err, f"{PROG}: warning: no Service {plain(key[0])}/{plain(key[1])} (yet); recording anyway")


async def _probe(api: Any, ns: str, name: str, rec: Any, err: TextIO, stop: asyncio.Event) -> None:
    """One curl a second from a debug pod; each outcome is a probe record (its send time)."""
    from ..kube.api import ApiError
    from ..kube.debugpod import DebugPodError, DebugSession
    from ..kube.exec import ExecError
    from ..model.dnsnames import service_fqdn
    from .probe import CURL_IMAGE, Outcome, _command, _outcome, _service, tcp_ports

    try:
        svc = await _service(api, ns, name)
    except ApiError as exc:
        say(err, f"{PROG}: probe: {plain(exc.message)}")
        return
    ports = tcp_ports(svc)
    if not ports:
        say(err, f"{PROG}: probe: svc/{plain(name)} has no TCP port")
        return
    fqdn = service_fqdn(name, ns)
    argv = _command("curl", fqdn, ports[0], "/", 2.0)
    session = DebugSession(api, image=CURL_IMAGE)
    try:
        try:
            await session.pod(ns)
        except DebugPodError as exc:
            say(err, f"{PROG}: probe: {plain(exc)}")
            return
        while not stop.is_set():
            sent, start = time.time(), time.monotonic()
            try:
                result = await session.exec(ns, argv, timeout=12.0)
                outcome = _outcome("curl", fqdn, result, time.monotonic() - start)
            except (ExecError, DebugPodError) as exc:
                outcome = Outcome(False, str(exc), "", time.monotonic() - start)
            rec.probe(sent, (ns, name), outcome.ok, outcome.status)
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, 1.0 - (time.monotonic() - start)))
            except TimeoutError:
                pass
    finally:
        removed = await session.close()
        for pod in removed:
            say(err, f"{PROG}: removed debug pod {plain(pod)}")
