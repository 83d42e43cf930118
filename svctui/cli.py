"""Command line: `svctui [svc/NAME] [-n NS | -A] ...` (the live view) and the subcommands (`svctui sim`, ...).

Each subcommand lives in svctui/commands/<name>.py and exports main(argv) -> exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
from collections.abc import Sequence

from .commands.sim import speed_arg

SUBCOMMANDS = ("sim", "doctor", "dns", "probe", "record", "replay", "report")


def main_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="svctui",
        description="A live view of Kubernetes Services, their EndpointSlices and the pods behind them.",
        epilog="Subcommands: svctui sim --help",
    )
    p.add_argument("target", nargs="?", metavar="svc/NAME", help="open with this Service selected")
    p.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    p.add_argument("--read-only", action="store_true", help="forbid every mutation (pod deletion, debug pods)")
    p.add_argument("--demo", action="store_true", help="start the embedded simulated cluster with the demo scenario")
    p.add_argument("--speed", type=speed_arg, default=1.0, help="with --demo: scale the simulated cluster's delays")
    return p


def parse_target(target: str | None) -> str | None:
    """`svc/NAME` (kubectl's TYPE/NAME; service/ and services/ too) → NAME."""
    if target is None:
        return None
    kind, sep, name = target.partition("/")
    if not sep or kind.lower() not in ("svc", "service", "services") or not name or "/" in name:
        raise ValueError(f"expected svc/NAME, got {target!r}")
    return name


def check_target(kubeconfig: str | None, context: str | None, namespace: str | None) -> None:
    """Fail before the screen opens when the kubeconfig or context cannot work (KubeConfigError)."""
    from .kube.config import load_target

    async def probe() -> None:
        target = await load_target(kubeconfig=kubeconfig, context=context, namespace=namespace)
        await target.close()

    asyncio.run(probe())


def run_app(args: argparse.Namespace, service: str | None, kubeconfig: str | None, all_namespaces: bool) -> int:
    from .ui.app import SvctuiApp

    app = SvctuiApp(kubeconfig=kubeconfig, context=args.context, namespace=args.namespace,
                    all_namespaces=all_namespaces, service=service, read_only=args.read_only)
    app.run()
    return app.return_code or 0


def run_demo(args: argparse.Namespace, service: str | None) -> int:
    """The embedded cluster with the demo scenario on a thread, the app on a kubeconfig pointing at it."""
    from .sim.cluster import SimOptions
    from .sim.runner import SimThread, write_kubeconfig

    fd, path = tempfile.mkstemp(prefix="svctui-demo-", suffix=".kubeconfig")
    os.close(fd)
    sim = SimThread(["demo"], SimOptions(speed=args.speed))
    try:
        print("svctui: starting the demo cluster…", file=sys.stderr, flush=True)
        sim.start()
        # Open on a steady cluster, so the first thing the audience sees churn is the demo itself.
        sim.call(lambda cluster: cluster.wait_pods_ready(30), timeout=40)
        write_kubeconfig(path, sim.url)
        _exit_on_hangup()
        if service is None and not args.namespace:
            service = "nginx-service"  # the recovery demo: open on it, down to its endpoints
        # The demo spans two namespaces (default, demo): show both unless one was asked for.
        return run_app(args, service, path, all_namespaces=args.all_namespaces or not args.namespace)
    finally:
        sim.stop()
        try:
            os.unlink(path)
        except OSError:
            pass


def _exit_on_hangup() -> None:
    """A dropped SSH session (SIGHUP) or SIGTERM unwinds normally, so the demo cluster and its kubeconfig go."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, leave)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        # The replay screen is the UI's; commands.replay reads the arguments and the file.
        from .commands.replay import main as replay_main
        from .ui.replay import run_replay

        return replay_main(argv[1:], run_replay)
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(f"svctui.commands.{argv[0]}").main(argv[1:])
    parser = main_parser()
    args = parser.parse_args(argv)  # exits 2 with usage on bad flags
    try:
        service = parse_target(args.target)
    except ValueError as exc:
        parser.error(str(exc))
    if args.namespace and args.all_namespaces:
        parser.error("-n/--namespace and -A/--all-namespaces cannot be used together")
    if args.namespace is not None and not args.namespace.strip():
        parser.error("-n/--namespace needs a name")
    if args.demo:
        if args.kubeconfig or args.context:
            parser.error("--demo runs its own cluster: --kubeconfig and --context do not apply")
        return run_demo(args, service)
    from .kube.config import KubeConfigError

    try:
        check_target(args.kubeconfig, args.context, args.namespace)
    except KubeConfigError as exc:
        print(f"svctui: {exc}", file=sys.stderr)
        return 2
    return run_app(args, service, args.kubeconfig, args.all_namespaces)
