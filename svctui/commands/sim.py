"""`svctui sim`: serve a simulated Kubernetes cluster on loopback."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from .argtypes import positive


def image_arg(value: str) -> str:
    from ..sim.images import parse_error

    err = parse_error(value)
    if err is not None:
        raise argparse.ArgumentTypeError(f"not an image reference: {value!r}: {err}")
    return value


def sim_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="svctui sim",
        description="Serve a simulated Kubernetes cluster (the real HTTP API) on loopback until interrupted.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    p.add_argument("--kubeconfig", metavar="PATH", help="write a kubeconfig (context svctui-sim) to PATH")
    p.add_argument("--scenario", action="append", metavar="NAME|FILE.yaml",
                   help="empty (default), demo, scale:services=N,pods=M, or a manifest file; repeatable")
    p.add_argument("--speed", type=positive, default=1.0,
                   help="scale every lifecycle delay by X (0.1 = ten times faster; default 1)")
    p.add_argument("--history", type=int, default=20000, metavar="N",
                   help="watch history window in events; older resourceVersions get 410 Expired")
    p.add_argument("--bookmark-interval", type=float, default=60.0, metavar="S",
                   help="seconds between watch bookmarks for clients that ask for them (default 60)")
    p.add_argument("--seed", type=int, default=None, help="random seed for names and IPs (reproducible runs)")
    door = p.add_argument_group("front door (as a real cluster: TLS, authentication, timeouts)")
    door.add_argument("--tls", action="store_true",
                      help="serve HTTPS with a CA of the sim's own; the kubeconfig carries certificate-authority-data")
    door.add_argument("--auth", choices=("token", "cert", "exec"), default=None,
                      help="require a bearer token, a client certificate (needs --tls), or an exec credential "
                           "plugin's expiring token; default: none")
    door.add_argument("--token-ttl", type=positive, default=900.0, metavar="S",
                      help="with --auth exec: seconds each minted credential lives (default 900, as EKS)")
    door.add_argument("--exec-api-version", default="client.authentication.k8s.io/v1",
                      choices=("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"),
                      help="with --auth exec: the ExecCredential version (default v1)")
    door.add_argument("--exec-credential", choices=("token", "cert"), default="token",
                      help="with --auth exec: the plugin returns a token (default) or a client certificate")
    door.add_argument("--user", action="append", default=[], metavar="NAME[:GROUP,...]",
                      help="with --auth: a user besides the admin, with a kubeconfig context svctui-sim-NAME; "
                           "what she may do is RBAC's (e.g. --scenario rbac-limited binds jane); repeatable")
    door.add_argument("--watch-timeout", type=positive, default=None, metavar="S",
                      help="end watches without timeoutSeconds after a random time in [S, 2S) "
                           "(kube-apiserver's --min-request-timeout; default 1800)")
    door.add_argument("--connection-lifetime", type=positive, default=None, metavar="S",
                      help="reset every TCP connection S seconds after it opened, as a load balancer does")
    p.add_argument("--image", action="append", default=[], metavar="REF", type=image_arg,
                   help="an image the simulated registry has besides its catalogue (REPO for any tag, or "
                        "REPO:TAG); repeatable. Other images fail to pull as on a real cluster")
    return p


def main(argv: Sequence[str]) -> int:
    from ..sim.cluster import SimOptions
    from ..sim.runner import serve
    from ..sim.scenarios import ScenarioError

    args = sim_parser().parse_args(argv)
    if not (0 <= args.port <= 65535):
        print(f"svctui sim: error: --port {args.port} is not a port number", file=sys.stderr)
        return 2
    from ..sim.frontdoor import check_options, parse_user

    try:
        check_options(args.tls, args.auth, args.exec_api_version, args.exec_credential)
        for spec in args.user:
            parse_user(spec)
        if args.user and args.auth is None:
            raise ValueError("--user needs --auth token, cert or exec")
    except ValueError as exc:
        print(f"svctui sim: error: {exc}", file=sys.stderr)
        return 2
    options = SimOptions(speed=args.speed, history=args.history, bookmark_interval=args.bookmark_interval,
                         seed=args.seed, tls=args.tls, auth=args.auth, token_ttl=args.token_ttl,
                         exec_api_version=args.exec_api_version, exec_credential=args.exec_credential,
                         watch_timeout=args.watch_timeout, connection_lifetime=args.connection_lifetime,
                         users=tuple(args.user), images=tuple(args.image))
    scenarios = args.scenario or ["empty"]

    def announce(url: str) -> None:
        line = f"svctui sim: serving the Kubernetes API at {url}"
        if args.auth:
            line += f" ({args.auth} authentication)"
        if args.kubeconfig:
            contexts = ", ".join(["svctui-sim", *(f"svctui-sim-{parse_user(u).user}" for u in args.user)])
            line += f" (kubeconfig {args.kubeconfig}, context{'s' if args.user else ''} {contexts})"
        print(line, flush=True)

    try:
        asyncio.run(serve(args.host, args.port, args.kubeconfig, scenarios, options, announce))
    except ScenarioError as exc:
        print(f"svctui sim: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"svctui sim: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
