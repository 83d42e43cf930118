"""Command line: `svctui [svc/NAME] [-n NS | -A] ...` and the subcommands (`svctui sim`, ...).

Each subcommand lives in svctui/commands/<name>.py and exports main(argv) -> exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
from typing import Sequence

from .commands.sim import speed_arg

SUBCOMMANDS = ("sim",)


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


def run_demo_cluster(speed: float) -> int:
    """Until the TUI lands: serve the demo scenario and say how to point kubectl at it."""
    from .sim.cluster import SimOptions
    from .sim.runner import serve

    path = os.path.join(tempfile.gettempdir(), f"svctui-demo-{os.getpid()}.kubeconfig")

    def announce(url: str) -> None:
        print(f"svctui: demo cluster serving at {url}\n"
              f"  export KUBECONFIG={path}\n"
              f"  kubectl get pods -o wide\n"
              f"  kubectl get endpointslices -l kubernetes.io/service-name=nginx-service\n"
              f"Press Ctrl+C to stop.", flush=True)

    try:
        asyncio.run(serve("127.0.0.1", 0, path, ["demo"], SimOptions(speed=speed), announce))
    except KeyboardInterrupt:
        pass
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return importlib.import_module(f"svctui.commands.{argv[0]}").main(argv[1:])
    args = main_parser().parse_args(argv)
    if args.demo:
        return run_demo_cluster(args.speed)
    print("svctui: the live view is not built yet; try `svctui --demo` or `svctui sim --help`", file=sys.stderr)
    return 2
