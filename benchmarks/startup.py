"""Start-up as a user sees it: the real `svctui` on a real pseudo-terminal, its output read by a terminal emulator.

    .venv/bin/python benchmarks/startup.py            # 5 starts of each kind, alternated
    .venv/bin/python benchmarks/startup.py --runs 3 --importtime

Nothing is wrapped or patched: `python -m svctui` runs as its own process on a pty (120×40,
TERM=xterm-256color), exactly as from a shell; everything it writes is fed to pyte (a VT emulator,
`pip install -e '.[bench]'`) and the screen is checked after each read. Times are time.monotonic() in
this process, from just before the spawn.

  python -c pass       the interpreter alone, spawn → exit: the floor every start pays.
  kubectl get svc -A   spawn → exit against the same sim: the baseline the tree is compared with.
  first request        `svctui -A --kubeconfig K` against the demo sim already running (its own
                       process), through a TCP relay in this process that stamps the first connection:
                       spawn → the first connection to the API server. "Imports before the first
                       request" = that − `python -c pass` (what svctui imports and does before it asks).
  tree, running        same start: spawn → the first screen with every Service of the cluster on a
                       row with its ready count (or CNAME), as the sim lists them.
  --demo, first tree   `svctui --demo` (its own embedded cluster on a thread): spawn → the first screen
                       with every Service on a row and nginx-service opened down to its endpoints, all
                       of them ready (the demo opens on it).
  --importtime         once more with `python -X importtime`, output to a pipe, killed at the first
                       connection: the modules imported before the first request, the slowest listed.

Goals (issue 16): imports before the first request ≤ 0.3 s, tree on a running cluster ≤ 1 s, --demo to
the first tree ≤ 2 s. Bounded: each start is given --timeout s, every process is killed at the end.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _painted import load_line, start_sim, stop  # noqa: E402

COLS, ROWS = 120, 40
# A Service's row: "├─ ▶ nginx-service   3/3 ready  ClusterIP ..." (or an ExternalName's CNAME)
SERVICE_ROW = re.compile(r"[▶▼] (\S+)\s+(?:\d+/\d+ ready|CNAME)")
NGINX_SLICE = re.compile(r"▼ nginx-service-\S+\s.*?(\d+) endpoints, (\d+) ready")


class Relay:
    """A TCP relay to the API server that stamps each connection it accepts (time.monotonic)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[float] = []
        self.on_accept: Callable[[], None] | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            if self.on_accept is not None:
                self.on_accept()
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


class PtyRun:
    """`argv` on a pty of COLS×ROWS; a thread feeds its output to pyte and stamps the first read after
    which each check holds."""

    def __init__(self, argv: list[str], checks: dict[str, Callable[[list[str]], bool]]) -> None:
        import pyte

        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.checks = dict(checks)
        self.hits: dict[str, float] = {}
        self.done = threading.Event()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TEXTUAL")}
        env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1")
        self.master = master
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                data = os.read(self.master, 1 << 16)
            except OSError:
                break
            if not data:
                break
            t = time.monotonic()
            self.stream.feed(data)
            if self.checks:
                lines = self.screen.display
                for name, check in list(self.checks.items()):
                    if check(lines):
                        self.hits[name] = t
                        del self.checks[name]
                if not self.checks:
                    self.done.set()
        self.done.set()

    def wait(self, timeout: float) -> None:
        self.done.wait(timeout)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def close(self) -> None:
        stop(self.proc)
        try:
            os.close(self.master)
        except OSError:
            pass


def every_service(expected: set[str]) -> Callable[[list[str]], bool]:
    def check(lines: list[str]) -> bool:
        return expected <= {m.group(1) for line in lines if (m := SERVICE_ROW.search(line))}
    return check


def nginx_open(replicas: int) -> Callable[[list[str]], bool]:
    def check(lines: list[str]) -> bool:
        for line in lines:
            m = NGINX_SLICE.search(line)
            if m and int(m.group(1)) == int(m.group(2)) == replicas:
                return sum(1 for ln in lines if re.search(r"\d+\.\d+\.\d+\.\d+\s+ready\b", ln)) >= replicas
        return False
    return check


def python_floor() -> float:
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.monotonic() - t0


def relayed_kubeconfig(kubeconfig: str, port: int, workdir: str) -> str:
    cfg = yaml.safe_load(Path(kubeconfig).read_text())
    for c in cfg["clusters"]:
        c["cluster"]["server"] = re.sub(r":\d+$", f":{port}", c["cluster"]["server"])
    path = Path(workdir) / "relayed.kubeconfig"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def importtime(kubeconfig: str, relay: Relay, timeout: float) -> tuple[float, int, list[tuple[float, str]]]:
    """Imports before the first request, from -X importtime: (seconds, modules, the slowest by their own
    time, each with its cumulative time)."""
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "svctui", "-A", "--kubeconfig", kubeconfig],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=ROOT, start_new_session=True)
    n0 = len(relay.accepted)
    lines: list[str] = []
    try:
        relay.on_accept = lambda: os.killpg(proc.pid, signal.SIGSTOP)  # freeze it: no import after the request
        deadline = time.monotonic() + timeout
        while len(relay.accepted) == n0 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.stderr is not None
        lines = proc.stderr.read().decode(errors="replace").splitlines()
    finally:
        relay.on_accept = None
        stop(proc)
        proc.wait()
    total = 0.0
    own: list[tuple[float, str]] = []
    for line in lines:
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        if m.group(3) == " ":  # a top-level import: its cumulative time includes what it imported
            total += int(m.group(2)) / 1e6
        own.append((int(m.group(1)) / 1e6, f"{m.group(4)} (cumulative {int(m.group(2)) / 1e3:.1f} ms)"))
    return total, len(own), sorted(own, reverse=True)


def fmt(values: list[float]) -> str:
    return (f"median {statistics.median(values):5.2f} s  ({', '.join(f'{v:.2f}' for v in values)};"
            f" spread {max(values) - min(values):.2f} s)")


def verdict(value: float, goal: float) -> str:
    return f"[goal ≤ {goal:g} s: {'meets' if value <= goal else 'MISSES'}]"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="starts of each kind, alternated")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds one start is given")
    p.add_argument("--importtime", action="store_true", help="also list the imports before the first request")
    p.add_argument("--no-demo", action="store_true", help="skip the `svctui --demo` starts")
    p.add_argument("--show", action="store_true", help="print the screen each start ended on")
    args = p.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("benchmark deadline")))
    signal.alarm(int(args.runs * 3 * (args.timeout + 12) + 120))
    floors: list[float] = []
    kubectls: list[float] = []  # `kubectl get svc -A`, spawn → exit: the baseline of the same run
    first_req: list[float] = []
    trees: list[float] = []
    demos: list[float] = []
    with tempfile.TemporaryDirectory() as workdir:
        sim, url, kubeconfig, took = start_sim("demo", workdir)
        relay = None
        try:
            import aiohttp  # noqa: F401  (only to fail early without the test extras)
            import urllib.request

            import orjson

            with urllib.request.urlopen(f"{url}/api/v1/services") as r:
                services = {s["metadata"]["name"] for s in orjson.loads(r.read())["items"]}
            with urllib.request.urlopen(f"{url}/apis/apps/v1/namespaces/default/deployments/nginx-deployment") as r:
                replicas = orjson.loads(r.read())["spec"]["replicas"]
            host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
            relay = Relay((host, int(port)))
            relayed = relayed_kubeconfig(kubeconfig, relay.port, workdir)
            print(f"demo sim (its own process) serving after {took:.2f} s at {url}; {len(services)} Services, "
                  f"nginx {replicas} replicas")
            print(load_line("at the start"))
            for i in range(args.runs):
                floors.append(python_floor())
                t0 = time.monotonic()
                subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "svc", "-A"], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                kubectls.append(time.monotonic() - t0)
                n0 = len(relay.accepted)
                run = PtyRun([sys.executable, "-m", "svctui", "-A", "--kubeconfig", relayed],
                             {"tree": every_service(services)})
                try:
                    run.wait(args.timeout)
                finally:
                    run.close()
                if "tree" not in run.hits or len(relay.accepted) == n0:
                    print(f"start {i + 1}: no tree after {args.timeout} s; screen:\n{run.text()}")
                    return 1
                first_req.append(relay.accepted[n0] - run.t0)
                trees.append(run.hits["tree"] - run.t0)
                if args.show:
                    print(run.text())
                if args.no_demo:
                    continue
                run = PtyRun([sys.executable, "-m", "svctui", "--demo"],
                             {"tree": lambda lines: every_service(services)(lines) and nginx_open(replicas)(lines)})
                try:
                    run.wait(args.timeout)
                finally:
                    run.close()
                if "tree" not in run.hits:
                    print(f"--demo start {i + 1}: no tree after {args.timeout} s; screen:\n{run.text()}")
                    return 1
                demos.append(run.hits["tree"] - run.t0)
                if args.show:
                    print(run.text())
            imports = [r - f for r, f in zip(first_req, floors, strict=True)]
            print(f"python -c pass              {fmt(floors)}")
            print(f"spawn → first request       {fmt(first_req)}")
            print(f"imports before 1st request  {fmt(imports)}  (spawn → first request − python -c pass, "
                  f"pairwise) {verdict(statistics.median(imports), 0.3)}")
            print(f"kubectl get svc -A          {fmt(kubectls)}  (spawn → exit, the same cluster)")
            print(f"tree on a running cluster   {fmt(trees)}  (spawn → every Service on a row; "
                  f"{statistics.median(trees) / statistics.median(kubectls):.1f}× kubectl get svc -A) "
                  f"{verdict(statistics.median(trees), 1.0)}")
            if demos:
                print(f"--demo to the first tree    {fmt(demos)}  (spawn → every Service, nginx open, all ready) "
                      f"{verdict(statistics.median(demos), 2.0)}")
            if args.importtime:
                total, count, top = importtime(relayed, relay, args.timeout)
                print(f"-X importtime before the first request: {count} modules, {total:.3f} s of top-level "
                      f"imports (cumulative); the slowest by their own time:")
                for t, name in top[:8]:
                    print(f"    {t * 1000:7.1f} ms  {name}")
            print(load_line("at the end"))
        finally:
            if relay is not None:
                relay.close()
            stop(sim)
    return 0


if __name__ == "__main__":
    sys.exit(main())
