"""The app ends when it should: on an unhandled error, on SIGHUP/SIGTERM, and when its terminal is gone.

Why this is needed (measured with a pty, see tests/test_lifeline.py):
- started without a controlling terminal (`setsid`, CI jobs, some SSH setups) no SIGHUP ever comes when the
  terminal closes; Textual's input thread then reads EOF in a loop and the app runs on, unseen, for as
  long as nobody kills it. So the terminal's fd is polled for a hang-up.
- an error raised while Textual shuts down (a toast that failed to render did) skips its Unmount (the
  debug pod's cleanup) and can leave asyncio waiting on tasks that never finish: the process survived
  its terminal. So once an exit has begun, a watchdog deletes the debug pods, restores the terminal and
  ends the process after GRACE seconds, whatever is still running.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from svctui.model.sanitize import plain

GRACE = 8.0  # seconds a normal shutdown gets (the debug pod's deletion takes up to 5)
POLL = 1.0  # how often the terminal is checked for a hang-up
HANGUP = 128 + signal.SIGHUP
# What the terminal needs back if Textual could not restore it: main screen, cursor, no mouse reports,
# no bracketed paste, no focus events, Kitty keyboard protocol off, line wrap on.
_RESET = "\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[?7h"

_armed = threading.Event()


class Panic(Exception):
    """A failure Textual reported through App.panic() (its input thread's, say): only its text is known."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind


def panic_error(renderables: tuple[Any, ...]) -> Panic:
    """What App.panic() was given, as an error: a Rich Traceback's last exception, else the text."""
    for r in renderables:
        stacks = getattr(getattr(r, "trace", None), "stacks", None)
        if stacks:
            return Panic(str(stacks[-1].exc_type), str(stacks[-1].exc_value))
    return Panic("panic", " ".join(str(getattr(r, "plain", r)) for r in renderables))


def error_line(exc: BaseException) -> str:
    """The one line an unhandled error leaves on the terminal."""
    text = plain(exc, 300)
    kind = exc.kind if isinstance(exc, Panic) else type(exc).__name__
    return f"svctui: internal error: {plain(kind, 80)}" + (f": {text}" if text else "")


def crash_log(exc: BaseException) -> str | None:
    """The full traceback, in a file next to the one-line message (the terminal gets one line only)."""
    import tempfile

    try:
        fd, path = tempfile.mkstemp(prefix="svctui-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return path
    except OSError:
        return None


def terminal_gone(fd: int) -> bool:
    """The tty at fd has hung up (its terminal emulator or SSH session closed). Nothing is read."""
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLPRI)
    try:
        events = p.poll(0)
    except OSError:
        return True
    return any(ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, ev in events)


def restore_terminal(driver: Any) -> None:
    """Put the terminal back as Textual found it, as far as it can still be done. Never raises."""
    if driver is None:
        return
    try:
        driver.stop_application_mode()
    except Exception:  # noqa: BLE001 - the tty may be gone; nothing left to restore then
        pass
    try:
        driver.close()
    except Exception:  # noqa: BLE001
        pass


def _hard_reset(driver: Any) -> None:
    fd = getattr(driver, "fileno", None)
    attrs = getattr(driver, "attrs_before", None)
    try:
        if isinstance(fd, int):
            os.write(fd, _RESET.encode())
            if attrs is not None:
                import termios

                termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except Exception:  # noqa: BLE001 - a hung-up tty: there is no terminal to reset
        pass


def arm_watchdog(code: int, cleanup: Callable[[], object], driver: Any = None, message: str | None = None,
                 grace: float = GRACE) -> None:
    """From now on the process ends within `grace` seconds: the normal path if it can, else this one
    (cleanup, terminal reset, the message, exit `code`). Armed once; later calls do nothing."""
    if _armed.is_set():
        return
    _armed.set()

    def run() -> None:
        threading.Event().wait(grace)
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - best effort: the process is ending either way
            pass
        _hard_reset(driver)
        try:
            print(message or f"svctui: did not shut down within {grace:g}s; forced exit", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001
            pass
        os._exit(code)

    threading.Thread(target=run, name="svctui-exit-watchdog", daemon=True).start()
