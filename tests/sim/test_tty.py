"""Interactive shells in a real terminal: real kubectl on a pty (`exec -it`, `run --rm -it`), keys as a terminal
sends them (CR for Enter, DEL, ctrl-u/-c/-d), and the line discipline on its own."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time

import pytest

from svctui.sim.shell import Input
from svctui.sim.shell.tty import LineDiscipline

from ..conftest import make_kubectl, start_sim
from .simshell import make_pod, wait_ready


class Terminal:
    """kubectl with a pty as its terminal; `expect` reads what the terminal would show."""

    def __init__(self, env: dict[str, str], *args: str, cols: int = 100, rows: int = 30):
        self.master, slave = pty.openpty()
        self.resize(cols, rows, slave)
        self.proc = subprocess.Popen(["kubectl", *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.seen = b""

    def resize(self, cols: int, rows: int, fd: int | None = None) -> None:
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def expect(self, text: bytes, timeout: float = 15) -> bytes:
        """Everything after the previous expect up to and including text."""
        deadline = time.time() + timeout
        while text not in self.seen:
            if time.time() > deadline:
                raise AssertionError(f"{text!r} not seen; terminal shows {self.seen!r}")
            if not select.select([self.master], [], [], 0.2)[0]:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the pty is gone once kubectl exits
                chunk = b""
            if not chunk:
                if self.proc.poll() is not None:
                    raise AssertionError(f"kubectl exited ({self.proc.returncode}) before {text!r}: {self.seen!r}")
                time.sleep(0.02)
            self.seen += chunk
        i = self.seen.index(text) + len(text)
        head, self.seen = self.seen[:i], self.seen[i:]
        return head

    def wait(self, timeout: float = 15) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            os.close(self.master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def nginx(demo_sim):
    return wait_ready(demo_sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]


def test_exec_it_sh_in_a_terminal(demo_kubectl, nginx):
    t = Terminal(demo_kubectl.env, "exec", "-it", nginx, "--", "sh")
    try:
        t.expect(b"/ # ")
        t.send(b"echo hi\r")
        assert t.expect(b"/ # ") == b"echo hi\r\nhi\r\n/ # "
        # DEL erases one character (echoed as backspace-space-backspace).
        t.send(b"echo abcx\x7f\x7fyz\r")
        assert t.expect(b"/ # ") == b"echo abcx\b \b\b \byz\r\nabyz\r\n/ # "
        # ctrl-u kills the line typed so far.
        t.send(b"rm -rf /\x15pwd\r")
        assert t.expect(b"/ # ").endswith(b"pwd\r\n/\r\n/ # ")
        # The terminal's size changes: kubectl sends it on the resize channel and the session goes on.
        t.resize(120, 40)
        os.kill(t.proc.pid, signal.SIGWINCH)
        # ctrl-c interrupts the foreground command: a new prompt, $? 130.
        t.send(b"sleep 100\r")
        t.expect(b"sleep 100\r\n")
        started = time.time()
        t.send(b"\x03")
        assert t.expect(b"/ # ") == b"^C\r\n/ # " and time.time() - started < 5
        t.send(b"echo $?\r")
        assert t.expect(b"/ # ") == b"echo $?\r\n130\r\n/ # "
        # ctrl-c at the prompt drops what was typed.
        t.send(b"echo never\x03")
        assert t.expect(b"/ # ") == b"echo never^C\r\n/ # "
        # Output lines end CRLF (ONLCR), several lines from one command.
        t.send(b"printf 'a\\nb\\n'\r")
        assert t.expect(b"/ # ") == b"printf 'a\\nb\\n'\r\na\r\nb\r\n/ # "
        # ctrl-d ends a command reading the terminal, not the shell.
        t.send(b"cat\r")
        t.expect(b"cat\r\n")
        t.send(b"hello\r\x04")
        # The echo, then cat's copy (the emulated cat writes once its input ends; a real one per line).
        assert t.expect(b"/ # ") == b"hello\r\nhello\r\n/ # "
        # ctrl-d on a non-empty line does nothing; on an empty one it ends the shell, and kubectl with it.
        t.send(b"true")
        t.expect(b"true")
        t.send(b"\x04\x15")
        t.send(b"true\r")
        t.expect(b"/ # ")
        t.send(b"\x04")
        assert t.wait() == 0
    finally:
        t.kill()


def test_exec_it_command_dies_of_ctrl_c(demo_kubectl, nginx):
    t = Terminal(demo_kubectl.env, "exec", "-it", nginx, "--", "sleep", "100")
    try:
        time.sleep(1)  # kubectl has the terminal in raw mode once the stream is up
        started = time.time()
        t.send(b"\x03")
        t.expect(b"^C\r\n")
        assert t.wait() == 130 and time.time() - started < 5
    finally:
        t.kill()


def test_prompts_of_debian_and_alpine_bash(demo_sim, demo_kubectl):
    make_pod(demo_sim, "default", "deb", "nginx:1.27", None)
    make_pod(demo_sim, "default", "net", "nicolaka/netshoot", ["sleep", "3600"])
    for pod, argv, prompt in (("deb", ["sh"], b"# "), ("deb", ["bash"], b"root@deb:/# "), ("net", ["bash"], b"net:/# ")):
        t = Terminal(demo_kubectl.env, "exec", "-it", pod, "--", *argv)
        try:
            assert t.expect(prompt) == prompt
            t.send(b"cd /etc\r")
            assert t.expect(prompt.replace(b":/#", b":/etc#")) == b"cd /etc\r\n" + prompt.replace(b":/#", b":/etc#")
            t.send(b"\x04")
            assert t.wait() == 0
        finally:
            t.kill()


def test_run_rm_it_busybox_sh(demo_sim, demo_kubectl):
    t = Terminal(demo_kubectl.env, "run", "tmp", "--image=busybox", "--rm", "-it", "--restart=Never", "--", "sh")
    try:
        t.expect(b"/ # ", timeout=30)
        t.send(b"echo $HOSTNAME\r")
        assert t.expect(b"/ # ") == b"echo $HOSTNAME\r\ntmp\r\n/ # "
        t.send(b"exit 0\r")
        t.expect(b"exit 0\r\n")
        assert t.wait(30) == 0
    finally:
        t.kill()
    out = demo_kubectl.run("get", "pod", "tmp", check=False)
    assert out.returncode != 0 and "NotFound" in out.stderr


def test_exec_without_tty_unchanged(demo_kubectl, nginx):
    out = subprocess.run(["kubectl", "exec", "-i", nginx, "--", "sh"], input=b"echo one\rtwo\necho three\n",
                         capture_output=True, env=demo_kubectl.env, timeout=60).stdout
    # No TTY: no prompt, no echo, a CR is no line end, output keeps bare LFs.
    assert out == b"one\rtwo\nthree\n"


def _discipline(keys: bytes) -> tuple[bytes, bytes, bool, bool]:
    """(what the shell's stdin holds, what was echoed, whether the next read is end of file, interrupted)"""

    async def go() -> tuple[bytes, bytes, bool, bool]:
        inp = Input(closed=False)
        echoed = bytearray()
        LineDiscipline(inp, echoed.extend).feed(keys)
        held, interrupted = bytes(inp.buffer), inp.interrupts().is_set()
        if b"\n" in held:
            return held, bytes(echoed), False, interrupted
        try:
            eof = await asyncio.wait_for(inp.readline(), 0.2) == held
        except TimeoutError:
            eof = False
        return held, bytes(echoed), eof, interrupted

    return asyncio.run(go())


def test_line_discipline_editing():
    # ctrl-w erases the last word and the spaces after it.
    assert _discipline(b"echo foo bar  \x17baz\r")[0] == b"echo foo baz\n"
    # A multi-byte character is erased whole, with one backspace on the screen.
    line, echo, _, _ = _discipline("aé\x7f\r".encode())
    assert line == b"a\n" and echo.endswith(b"\b \b\r\n")
    # Arrow keys (CSI and SS3 forms) are swallowed, not typed.
    assert _discipline(b"ls\x1b[A\x1bOB\x1b[1;5C -l\r")[0] == b"ls -l\n"
    # Backspace on an empty line echoes nothing.
    assert _discipline(b"\x7f\x08")[1] == b""
    # LF works as Enter too; nothing reaches the shell before the line is complete.
    assert _discipline(b"a\nb")[0] == b"a\n"
    # ctrl-d: EOF only on an empty line; ctrl-c: drops the line and signals.
    assert _discipline(b"x\x04")[2] is False and _discipline(b"\x04")[2] is True
    line, echo, _, interrupted = _discipline(b"pwd\x03")
    assert line == b"" and echo == b"pwd^C\r\n" and interrupted


def test_debug_it_ephemeral_container(demo_kubectl, nginx):
    t = Terminal(demo_kubectl.env, "debug", "-it", nginx, "--image=busybox", "--target=nginx", "--", "sh")
    try:
        t.expect(b"/ # ", timeout=30)
        t.send(b"echo hi\r")
        assert t.expect(b"/ # ") == b"echo hi\r\nhi\r\n/ # "
        t.send(b"exit\r")
        t.expect(b"Session ended")
        assert t.wait(30) == 0
    finally:
        t.kill()


# `kubectl run --rm -it` without --restart=Never (seeds 002/003): restartPolicy Always. kubectl waits for
# Running+Ready, attaches, and ends when the attach does. A node reports a short command's container running
# (Ready, no probe) until the relist after it started, so the race is kubectl's attach against that second:
# at TEST_SPEED it would be 50 ms, so these run the cluster at speed 1.
@pytest.fixture
def node_speed_kubectl(tmp_path):
    s = start_sim(["demo"], speed=1.0)
    try:
        yield make_kubectl(s, tmp_path)
    finally:
        s.stop()


def _rest(t: Terminal, timeout: float = 15) -> bytes:
    """What the terminal shows until kubectl exits."""
    deadline = time.time() + timeout
    while t.proc.poll() is None or select.select([t.master], [], [], 0.2)[0]:
        if time.time() > deadline:
            raise AssertionError(f"kubectl still running; terminal shows {t.seen!r}")
        if select.select([t.master], [], [], 0.2)[0]:
            try:
                chunk = os.read(t.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            t.seen += chunk
    rest, t.seen = t.seen, b""
    return rest


def test_run_rm_it_nslookup_restart_always(node_speed_kubectl):
    k = node_speed_kubectl
    t = Terminal(k.env, "run", "debug", "--image=busybox", "--rm", "-it", "--", "nslookup", "nginx-service")
    try:
        t.expect(b"If you don't see a command prompt, try pressing enter.\r\n", timeout=30)
        out = _rest(t)
        assert t.wait(30) == 0
    finally:
        t.kill()
    assert out.startswith(b"Server:\t\t10.96.0.10\r\nAddress:\t10.96.0.10:53\r\n\r\nName:\tnginx-service.default.svc.cluster.local\r\n")
    assert out.endswith(b"\r\nSession ended, resume using 'kubectl attach debug -c debug -i -t' command when the pod is running\r\n"
                        b'pod "debug" deleted\r\n')
    # The restarted container is still being stopped when kubectl prints "deleted": the pod goes soon after.
    deadline = time.time() + 10
    while (r := k.run("get", "pod", "debug", check=False)).returncode == 0 and time.time() < deadline:
        time.sleep(0.2)
    assert "NotFound" in r.stderr


def test_run_rm_it_nslookup_restart_never(node_speed_kubectl):
    k = node_speed_kubectl
    t = Terminal(k.env, "run", "once", "--image=busybox", "--rm", "-it", "--restart=Never", "--", "nslookup", "nginx-service")
    try:
        t.expect(b"Name:\tnginx-service.default.svc.cluster.local\r\n", timeout=30)
        out = _rest(t)
        # busybox exits 1 for the NXDOMAIN search domains; with Never kubectl waits for it and exits with it.
        assert t.wait(30) == 1
    finally:
        t.kill()
    assert b"Session ended" not in out and b'pod "once" deleted\r\n' in out
    assert b"pod default/once terminated (Error)" in out


def test_run_rm_it_sh_restart_always(node_speed_kubectl):
    k = node_speed_kubectl
    t = Terminal(k.env, "run", "box", "--image=busybox", "-it", "--rm", "--", "sh")
    try:
        t.expect(b"/ # ", timeout=30)
        t.send(b"echo $HOSTNAME\r")
        assert t.expect(b"/ # ") == b"echo $HOSTNAME\r\nbox\r\n/ # "
        t.send(b"exit\r")
        out = _rest(t)
        assert t.wait(30) == 0
    finally:
        t.kill()
    assert out == (b"exit\r\nSession ended, resume using 'kubectl attach box -c box -i -t' command when the pod is running\r\n"
                   b'pod "box" deleted\r\n')
