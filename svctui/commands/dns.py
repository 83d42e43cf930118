"""`svctui dns NAME [-n SOURCE_NS]`: the DNS search-path walk a pod in SOURCE_NS makes for NAME.

Exit codes: 0 the name resolves, 1 it does not (NXDOMAIN, no records, cluster DNS down), 2 usage error or
the cluster could not be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..model.dnsverdict import elsewhere_hint, verdict
from ..model.sanitize import plain

if TYPE_CHECKING:
    from ..kube.transport import KubeApiClient

PROG = "svctui dns"


def dns_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Resolve NAME as a pod in SOURCE_NS would (search path, ndots:5), asking CoreDNS through a "
                    "port-forward (or, if that is forbidden, nslookup in a temporary debug pod). "
                    "A name like _port._proto.svc.ns asks for SRV records.",
        epilog="Exit status: 0 resolves, 1 does not resolve, 2 usage error or cluster unreachable.",
    )
    p.add_argument("name", metavar="NAME", help="any DNS name: db, db.demo, _postgres._tcp.db.demo, example.com")
    p.add_argument("-n", "--namespace", metavar="SOURCE_NS", help="the namespace of the asking pod (default: the context's)")
    p.add_argument("--image", help="debug pod image for the fallback (busybox, curl, netshoot or a reference)")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    return p


def main(argv: Sequence[str]) -> int:
    parser = dns_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    name = args.name.strip()
    if not name or name == "." or any(c.isspace() for c in name) or len(name) > 253:
        print(f"{PROG}: error: {plain(args.name)!r} is not a DNS name", file=sys.stderr)
        return 2
    if args.namespace is not None and not args.namespace.strip():
        print(f"{PROG}: error: -n/--namespace needs a name", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, name, sys.stdout))


async def _run(args: argparse.Namespace, name: str, out: TextIO) -> int:
    import aiohttp

    from ..kube.api import ApiError
    from ..kube.config import KubeConfigError, load_target
    from ..kube.dns import DnsError, format_walk, lookup
    from . import preflight

    try:
        target = await load_target(args.kubeconfig, args.context, args.namespace)
    except KubeConfigError as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    why = await preflight.problem(target.api, target.server, args.namespace)
    if why:
        await target.close()
        print(f"{PROG}: error: {why}", file=sys.stderr)
        return 2
    try:
        try:
            walk = await lookup(target.api, name, target.namespace, debug_image=args.image)
        except DnsError as exc:
            print(f"{PROG}: {plain(exc)}", file=sys.stderr)
            return 1
        except ApiError as exc:  # the API refused (401, 404, 500...): nothing is known about DNS yet
            print(f"{PROG}: error: {plain(exc.message)} (context {plain(target.context)}, "
                  f"server {plain(target.server)})", file=sys.stderr)
            return 2
        except aiohttp.ClientError as exc:
            print(f"{PROG}: error: cannot reach the API server {plain(target.server)}: {plain(exc)}", file=sys.stderr)
            return 2
        for line in format_walk(walk, plain):
            out.write(line + "\n")
        out.write(verdict(walk) + "\n")
        if not walk.resolved:
            hint = await _elsewhere(target.api, name, target.namespace)
            if hint:
                out.write(hint + "\n")
        out.flush()
        return 0 if walk.resolved else 1
    finally:
        await target.close()


async def _elsewhere(api: KubeApiClient, name: str, namespace: str) -> str | None:
    """A Service with that name in other namespaces: the usual cause (`db` asked from the wrong namespace)."""
    from ..kube.api import ApiError, get_json

    short = name.rstrip(".").split(".")[0]
    if "." in name.rstrip(".") or short.startswith("_"):
        return None
    try:
        data = await get_json(api, "/api/v1/services", [("fieldSelector", f"metadata.name={short}")], read_timeout=10)
    except (ApiError, Exception):  # a hint only: never fail the command for it
        return None
    return elsewhere_hint(short, {(s.get("metadata") or {}).get("namespace", "") for s in data.get("items") or []},
                          namespace)
