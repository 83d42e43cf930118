"""`svctui doctor`: list the cluster once, print what is wrong with its Services, exit 1 on errors.

Exit codes (for scripts and CI): 0 nothing error-level, 1 at least one error-level finding,
2 usage error or the cluster could not be read, or no error found but some checks could not be made
(a 403 on a kind: "could not check" says which; a clean bill of health would claim too much).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..model import diagnose as D
from ..model.access import Gap
from ..model.sanitize import plain
from ..model.store import SERVICE
from ..model.target import TargetError, parse_service_target

if TYPE_CHECKING:
    from ..kube.transport import KubeApiClient
    from ..model.cluster import ClusterModel

PROG = "svctui doctor"
_MARKERS = {D.ERROR: "✖", D.WARNING: "⚠", D.INFO: "ℹ"}
_ASCII_MARKERS = {D.ERROR: "x", D.WARNING: "!", D.INFO: "i"}


class UsageError(Exception):
    pass


def doctor_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Check Services for the usual reasons they do not answer: selector vs labels, ready "
                    "endpoints, port vs targetPort vs container ports, traffic policy, LoadBalancer, cluster DNS.",
        epilog="Exit status: 0 no error-level findings, 1 at least one, 2 usage error, cluster unreachable, "
               "or no error found but some checks not possible (e.g. listing EndpointSlices is forbidden).",
    )
    p.add_argument("target", nargs="?", metavar="svc/NAME", help="check only this Service")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    return p


def main(argv: Sequence[str]) -> int:
    parser = doctor_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse: 2 on errors, 0 for --help
        return int(exc.code or 0)
    try:
        name = None
        if args.target is not None:
            target = parse_service_target(args.target)
            if args.all_namespaces:
                raise UsageError("svc/NAME names one Service: use -n NAMESPACE, not -A")
            name, args.namespace = target.name, target.resolve_namespace(args.namespace)
    except (UsageError, TargetError) as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, name, sys.stdout))


async def _run(args: argparse.Namespace, name: str | None, out: TextIO) -> int:
    from ..kube import snapshot
    from ..kube.config import KubeConfigError, load_target
    from . import preflight

    try:
        target = await load_target(args.kubeconfig, args.context, args.namespace)
    except KubeConfigError as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    why = await preflight.problem(target.api, target.server, None if args.all_namespaces else args.namespace)
    if why:
        await target.close()
        print(f"{PROG}: error: {why}", file=sys.stderr)
        return 2
    try:
        scope = None if args.all_namespaces else target.namespace
        try:
            snap = await snapshot.take(target.api, scope)
        except snapshot.SnapshotError as exc:
            print(f"{PROG}: error: {plain(exc)} (context {plain(target.context)}, server {plain(target.server)})",
                  file=sys.stderr)
            return 2
        model = snap.model
        unchecked = snap.unchecked
        if name is None:
            findings = D.diagnose(model, scope, platform=snap.platform)
            n = sum(1 for k in model.store.services if scope is None or k[0] == scope)
            where = "all namespaces" if scope is None else f"namespace {scope}"
            checked = f"{n} Service{'s' if n != 1 else ''} checked in {where}"
        else:
            key = (target.namespace, name)
            unchecked = D.unchecked(model, key)
            if key in model.store.services:
                findings = D.diagnose_service(model, key, platform=snap.platform)
            elif not model.listed(SERVICE, key[0]):
                findings = []  # its namespace's Services could not be read: not "not found"
            else:
                keys = await snapshot.service_keys(target.api)
                findings = [D.service_not_found(key[0], name, keys if keys is not None else model.store.services)]
            findings = D.sort_findings(findings + D.diagnose_dns(model))
            checked = f"svc/{name} in namespace {key[0]}"
        findings = await _external_names(target.api, model, scope if name is None else None,
                                         None if name is None else (target.namespace, name), findings, snap.notes)
        findings = await _target_ports(target.api, model, findings, snap.notes)
    finally:
        await target.close()
    for note in snap.notes + [f"skipped unreadable object: {s}" for s in snap.skipped]:
        print(f"{PROG}: note: {plain(note)}", file=sys.stderr)
    if args.output == "json":
        json.dump({"findings": [f.to_dict() for f in findings], "unchecked": [g.to_dict() for g in unchecked]},
                  out, indent=2)
        out.write("\n")
    else:
        write_text(findings, out, checked, unchecked)
    out.flush()
    if any(f.severity == D.ERROR for f in findings):
        return 1
    return 2 if unchecked else 0


async def _external_names(api: KubeApiClient, model: ClusterModel, scope: str | None, only: tuple[str, str] | None,
                          findings: list[D.Finding], notes: list[str]) -> list[D.Finding]:
    """ExternalName targets asked of the cluster DNS (a port-forward to CoreDNS; no pod is created)."""
    from ..kube.extnames import CheckSkipped, resolve_external_names
    from ..model.externalname import external_name_finding

    services = [s for k, s in sorted(model.store.services.items()) if s.type == "ExternalName"
                and (k == only if only is not None else scope is None or k[0] == scope)]
    if not services:
        return findings
    try:
        answers = await resolve_external_names(api, services)
    except CheckSkipped as exc:
        notes.append(f"ExternalName targets not checked: {exc}")
        return findings
    extra = [f for s in services if (f := external_name_finding(s, answers[s.key])) is not None]
    return D.sort_findings(findings + extra) if extra else findings


async def _target_ports(api: KubeApiClient, model: ClusterModel, findings: list[D.Finding], notes: list[str]) -> list[D.Finding]:
    """An undeclared numeric targetPort is tried on one selected pod; refused there, it is an error."""
    from ..kube.portcheck import refused_text
    from ..kube.portforward import PortForwardError
    from ..model.refusals import refused

    out = []
    for f in findings:
        port = next((e.value for e in f.evidence if e.key == "target_port"), None)
        pod = next((p for p in model.topology.selected_pods(f.key) if p.live and p.ready), None)
        if f.code != D.TARGET_PORT_NOT_EXPOSED or not isinstance(port, int) or pod is None:
            out.append(f)
            continue
        try:
            text = await refused_text(api, pod.namespace, pod.name, port)
        except PortForwardError as exc:
            notes.append(f"targetPort {port} of {f.service} not tried: {exc}")
            out.append(f)
            continue
        out.append(refused(f, f"port-forward to {pod.name}:{port}", D.Fact("port_forward", text)) if text else f)
    return D.sort_findings(out)


def _markers(out: TextIO) -> dict[str, str]:
    # A C/POSIX locale cannot print the symbols; the words next to them carry the meaning anyway.
    try:
        "✖⚠ℹ✔".encode(getattr(out, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return dict(_ASCII_MARKERS, ok="ok")
    return dict(_MARKERS, ok="✔")


def write_text(findings: list[D.Finding], out: TextIO, checked: str, unchecked: Sequence[Gap] = ()) -> None:
    marks = _markers(out)
    enc = getattr(out, "encoding", None) or "utf-8"

    def line(text: str = "") -> None:
        out.write(text.encode(enc, "replace").decode(enc) + "\n")

    for f in findings:
        line(f"{marks.get(f.severity, '?')} {f.severity.upper():7} {plain(f.service)}  [{f.code}]")
        line(f"  {plain(f.message)}")
        ev = f.evidence_lines()
        if ev:
            line("  evidence:")
            for e in ev:
                line(f"    {plain(e)}")
        if f.kubectl:
            line("  confirm with:")
            for c in f.kubectl:
                line(f"    {plain(c)}")
        line()
    for g in unchecked:
        line(f"? could not check {plain(g.namespace) or 'any namespace'}: {plain(g.text)}: {g.skipped} skipped")
    if unchecked:
        line()
        checked += f"; incomplete: {len(unchecked)} list{'s' if len(unchecked) != 1 else ''} not permitted"
    counts = {s: sum(1 for f in findings if f.severity == s) for s in D.SEVERITIES}
    if not findings:
        if unchecked:
            line(f"? no problems found in what could be read ({plain(checked)})")
        else:
            line(f"{marks['ok']} no problems found ({plain(checked)})")
    else:
        parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
        line(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {', '.join(parts)} ({plain(checked)})")
