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
from collections.abc import Callable, Sequence

from .commands.argtypes import positive
from .model.sanitize import plain
from .model.target import TargetError, parse_service_target

WARM_UP_PACE = 0.02  # --demo's cluster comes up at this fraction of its lifecycle delays

SUBCOMMANDS = ("sim", "doctor", "dns", "probe", "record", "replay", "report")


def summary(name: str) -> str:
    """A subcommand's one line: its module docstring's first sentence, after the usage in backticks, so a
    new subcommand is listed by being added to SUBCOMMANDS with a docstring."""
    doc = (importlib.import_module(f"svctui.commands.{name}").__doc__ or "").split("\n\n")[0]
    text = " ".join(doc.split())
    if text.startswith("`") and "`:" in text:
        text = text.split("`:", 1)[1].strip()
    for end in (". ", "; "):
        text = text.split(end, 1)[0]
    return text.rstrip(".")


def subcommands_epilog() -> str:
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [f"  {name:<{width}}  {summary(name)}" for name in SUBCOMMANDS]
    return "subcommands (svctui NAME --help for each):\n" + "\n".join(lines)


class _MainParser(argparse.ArgumentParser):
    def format_help(self) -> str:
        # Built only for --help: the live view must not import every subcommand to start.
        self.epilog = subcommands_epilog()
        return super().format_help()


def main_parser() -> argparse.ArgumentParser:
    p = _MainParser(
        prog="svctui",
        description="A live view of Kubernetes Services, their EndpointSlices and the pods behind them.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", nargs="?", metavar="svc/NAME", help="open with this Service selected")
    p.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    p.add_argument("--context", help="kubeconfig context to use")
    p.add_argument("--kubeconfig", help="path to the kubeconfig file")
    p.add_argument("--read-only", action="store_true", help="forbid every mutation (pod deletion, debug pods)")
    p.add_argument("--demo", action="store_true", help="start the embedded simulated cluster with the demo scenario")
    p.add_argument("--speed", type=positive, default=1.0, help="with --demo: scale the simulated cluster's delays")
    return p


def check_target(kubeconfig: str | None, context: str | None, namespace: str | None) -> None:
    """Fail before the screen opens when the kubeconfig or context cannot work, the server is not a
    Kubernetes API server, or the namespace named with -n does not exist (KubeConfigError). An
    unreachable server is not an error here: the screen says so and keeps trying."""
    from .commands import preflight
    from .kube.config import KubeConfigError, load_target

    async def probe() -> None:
        # The plugin of an exec user runs here, once: its credential is cached for the process, so the
        # app's own load reuses it (client-go caches exec authenticators the same way).
        target = await load_target(kubeconfig=kubeconfig, context=context, namespace=namespace)
        try:
            why = await preflight.problem(target.api, target.server, namespace)
        finally:
            await target.close()
        if why:
            raise KubeConfigError(why)

    asyncio.run(probe())


def run_app(args: argparse.Namespace, service: str | None, kubeconfig: str | None, all_namespaces: bool) -> int:
    from .ui import lifeline
    from .ui.app import SvctuiApp

    app = SvctuiApp(kubeconfig=kubeconfig, context=args.context, namespace=args.namespace,
                    all_namespaces=all_namespaces, service=service, read_only=args.read_only)
    try:
        app.run()
    except Exception as exc:  # noqa: BLE001 - Textual's own shutdown failed, leaving the terminal and the debug pod
        lifeline.restore_terminal(app._driver)
        app._cleanup_now()
        if app.crash is None:
            app.crash, app.crash_path = exc, lifeline.crash_log(exc)
    code = app.return_code or 0
    message = app.crash_message()
    if message:
        print(message, file=sys.stderr, flush=True)
        code = code or 1
    # Whatever is still running (a thread, a task asyncio waits for) must not keep the process alive.
    lifeline.arm_watchdog(code, app._cleanup_now)
    return code


def run_demo(args: argparse.Namespace, service: str | None) -> int:
    """The embedded cluster with the demo scenario on a thread, the app on a kubeconfig pointing at it."""
    from .sim.cluster import SimOptions
    from .sim.runner import SimThread, write_kubeconfig

    fd, path = tempfile.mkstemp(prefix="svctui-demo-", suffix=".kubeconfig")
    os.close(fd)
    sim = SimThread(["demo"], SimOptions(speed=args.speed * WARM_UP_PACE))
    try:
        print("svctui: starting the demo cluster…", file=sys.stderr, flush=True)
        sim.start()
        # Open on a steady cluster, so the first thing the audience sees churn is the demo itself.
        sim.call(lambda cluster: cluster.warm_up(args.speed, 30), timeout=40)
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


def report(exc: Exception) -> int:
    """What a subcommand did not catch, as one line: 2 for what the cluster or the system answered (the
    command cannot work), 1 for a bug in svctui (its traceback goes to a file)."""
    import aiohttp
    import orjson

    from .kube.api import ApiError
    from .kube.config import KubeConfigError
    from .ui.lifeline import crash_log, error_line

    if isinstance(exc, ApiError):
        print(f"svctui: error: {plain(exc.message, 300)}", file=sys.stderr)
        return 2
    if isinstance(exc, orjson.JSONDecodeError):
        print(f"svctui: error: the server's answer is not JSON ({plain(exc, 120)}): not a Kubernetes API server?",
              file=sys.stderr)
        return 2
    if isinstance(exc, (KubeConfigError, aiohttp.ClientError, OSError, asyncio.TimeoutError)):
        print(f"svctui: error: {plain(exc, 300) or type(exc).__name__}", file=sys.stderr)
        return 2
    path = crash_log(exc)
    print(error_line(exc) + (f" (traceback in {path})" if path else ""), file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        # The replay screen is the UI's; commands.replay reads the arguments and the file.
        from .commands.replay import main as replay_main
        from .ui.replay import run_replay

        return replay_main(argv[1:], run_replay)
    if argv and argv[0] in SUBCOMMANDS:
        try:
            # Each SUBCOMMANDS module defines main(argv) -> exit status; the import leaves it untyped.
            run: Callable[[Sequence[str]], int] = importlib.import_module(f"svctui.commands.{argv[0]}").main
            return run(argv[1:])
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback (it may show a token)
            return report(exc)
    parser = main_parser()
    args = parser.parse_args(argv)  # exits 2 with usage on bad flags
    service = None
    if args.target is not None:
        try:
            target = parse_service_target(args.target)
            if target.namespace is not None and args.all_namespaces:
                raise TargetError(f"{args.target!r} names a namespace: use it without -A")
            service, args.namespace = target.name, target.resolve_namespace(args.namespace)
        except TargetError as exc:
            parser.error(plain(exc))
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
        print(f"svctui: error: {plain(exc)}", file=sys.stderr)
        return 2
    return run_app(args, service, args.kubeconfig, args.all_namespaces)
