"""The real `svctui` on a pseudo-terminal against the sim: it ends when its terminal goes (with or without
a controlling terminal), on SIGHUP, and on an unhandled error, and its debug pod goes with it.

Without a controlling terminal (`setsid`) closing the terminal sends no SIGHUP: before the fix such an
app ran on (measured: still running 15 s after the terminal closed, and 10 and 29 minutes in the field).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from svctui.kube.debugpod import MANAGED_BY
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig

from .conftest import start_sim
from .ui.simops import wait_all_ready

ROOT = Path(__file__).resolve().parent.parent
# Faults put into the app (never into the Kubernetes client), then the real CLI. "toast" is the original
# crash: Textual's notify() parsing the toast as markup, so `svc/[link=a:b]c` (not found) raises
# MarkupError while the toast draws, and again while Textual shuts down (its Unmount never runs).
# "key": a key's handler raises, the common case. "stuck": something never finishes (a thread here).
FAULTS = {
    "toast": "from textual.app import App\nSvctuiApp.notify = App.notify\n",
    "key": "def boom(self):\n    raise MarkupError('Expected markup value [/var/run]')\nSvctuiApp.action_help = boom\n",
    "input": ("from textual.drivers.linux_driver import LinuxDriver\n"
              "def fail(self):\n    raise OSError(5, 'Input/output error [/dev/pts/9]')\n"
              "LinuxDriver.run_input_thread = fail\n"),
    "stuck": "import threading\nSvctuiApp.on_ready = lambda self: threading.Thread(target=threading.Event().wait).start()\n",
}


def faulty(fault: str) -> list[str]:
    code = ("import sys\nfrom textual.markup import MarkupError\nfrom svctui.ui.app import SvctuiApp\n" + FAULTS[fault]
            + "from svctui.cli import main\nraise SystemExit(main(sys.argv[1:]))\n")
    return [sys.executable, "-c", code]


class Tty:
    """A process on a pty; `ctty=False` is `setsid` without a controlling terminal (CI jobs, some SSH)."""

    def __init__(self, argv: list[str], ctty: bool, env: dict[str, str] | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))

        def take_tty() -> None:
            if ctty:
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                     preexec_fn=take_tty, cwd=ROOT,
                                     env=dict(os.environ, TERM="xterm-256color", **(env or {})))
        os.close(slave)
        self.out = b""

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and self.master is not None:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:  # the child closed its side
                    return
                if not data:
                    return
                self.out += data

    def text(self) -> str:
        return re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07]*\x07", "", self.out.decode("utf-8", "replace"))

    def wait_text(self, needle: str, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > end or self.proc.poll() is not None:
                raise AssertionError(f"{needle!r} not on screen (rc {self.proc.poll()}): {self.text()[-1500:]}")
            self.pump(0.1)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def ended(self, timeout: float) -> int | None:
        """The exit code once the process ends within timeout (reading what it writes meanwhile)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                self.pump(0.2)
                return self.proc.returncode
            self.pump(0.1) if self.master is not None else time.sleep(0.05)
        return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.close()


@pytest.fixture
def cluster(tmp_path):
    sim = start_sim(["demo"], seed=11)
    wait_all_ready(sim)
    yield sim, write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    sim.stop()


def debug_pods(sim) -> list[str]:
    def run(c):
        return sorted(p["metadata"]["name"] for p in c.store.list(R.PODS, None)
                      if (p["metadata"].get("labels") or {}).get(MANAGED_BY) == "svctui"
                      and not p["metadata"].get("deletionTimestamp"))
    return sim.call(run)


def svctui(cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "svctui", "--kubeconfig", str(cfg), *args]


def with_debug_pod(sim, tty: Tty) -> None:
    """`l` on the opened Service, `y` to the prompt: the lookup's warm debug pod exists in the sim."""
    tty.wait_text("nginx-deploym")  # pod names are cut in the middle to fit
    tty.pump(0.5)
    tty.type("l")
    tty.wait_text("Create a debug pod")
    tty.type("y")
    end = time.monotonic() + 30
    while not debug_pods(sim):
        assert time.monotonic() < end, "no debug pod was created"
        tty.pump(0.1)
    tty.wait_text("RESOLVES:")  # the lookup ran: the warm pod is up and in use


@pytest.mark.parametrize("ctty", [False, True], ids=["setsid", "controlling-tty"])
def test_the_terminal_closing_ends_the_app_and_its_debug_pod(cluster, ctty):
    sim, cfg = cluster
    tty = Tty(svctui(cfg, "-n", "default", "svc/nginx-service"), ctty=ctty)
    try:
        with_debug_pod(sim, tty)
        tty.close()
        rc = tty.ended(15)
        assert rc is not None, "still running 15 s after its terminal closed"
        assert rc == 128 + signal.SIGHUP
        assert debug_pods(sim) == []
    finally:
        tty.kill()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_ends_the_app_and_its_debug_pod(cluster, sig):
    sim, cfg = cluster
    tty = Tty(svctui(cfg, "-n", "default", "svc/nginx-service"), ctty=False)
    try:
        with_debug_pod(sim, tty)
        tty.proc.send_signal(sig)
        rc = tty.ended(15)
        assert rc == 128 + sig
        assert debug_pods(sim) == []
        assert "\x1b[?1049l" in tty.out.decode("utf-8", "replace")  # back to the main screen
    finally:
        tty.kill()


@pytest.mark.parametrize("fault,ctty", [("toast", False), ("toast", True), ("key", False), ("input", False)])
def test_an_unhandled_error_restores_the_terminal_and_exits_with_one_line(cluster, fault, ctty):
    sim, cfg = cluster
    target = "svc/[link=a:b]c" if fault == "toast" else "svc/nginx-service"
    tty = Tty(faulty(fault) + ["--kubeconfig", str(cfg), "-n", "default", target], ctty=ctty)
    try:
        if fault == "key":
            with_debug_pod(sim, tty)
            tty.type("\x1b")  # the lookup pane's input has the keys: Esc gives them back to the tree
            tty.pump(0.5)
            tty.type("?")
        rc = tty.ended(30)
        assert rc == 1, f"rc {rc}: {tty.text()[-2000:]}"
        raw = tty.out.decode("utf-8", "replace")
        after = raw[raw.rfind("\x1b[?1049l"):]  # what is printed once the main screen is back
        assert "\x1b[?1049l" in raw and "\x1b[?25h" in raw
        lines = [ln for ln in re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]", "", after).splitlines() if ln.strip()]
        assert len(lines) == 1, lines
        if fault == "input":  # Textual's input thread failed: only its text is known, no traceback file
            assert lines[0].strip() == "svctui: internal error: OSError: [Errno 5] Input/output error [/dev/pts/9]"
        else:
            assert re.fullmatch(r"svctui: internal error: MarkupError: .+ \(traceback in /\S+svctui-crash-\S+\.txt\)",
                                lines[0].strip()), lines
            path = re.search(r"traceback in (\S+)\)", lines[0]).group(1)
            assert "MarkupError" in Path(path).read_text()
            os.unlink(path)
        assert "Traceback" not in tty.text() and "locals" not in tty.text()
        assert debug_pods(sim) == []
    finally:
        tty.kill()


def test_what_never_finishes_does_not_keep_the_process_alive(cluster):
    sim, cfg = cluster
    tty = Tty(faulty("stuck") + ["--kubeconfig", str(cfg), "-n", "default", "svc/nginx-service"], ctty=False)
    try:
        with_debug_pod(sim, tty)
        tty.type("\x1b")  # the lookup pane's input has the keys: Esc gives them back to the tree
        tty.pump(0.5)
        tty.type("q")
        rc = tty.ended(20)
        assert rc == 0, f"rc {rc}: {tty.text()[-500:]}"
        assert debug_pods(sim) == []
    finally:
        tty.kill()
