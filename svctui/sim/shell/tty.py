"""The terminal side of a container's TTY: what a pty's line discipline (and ash's line editing) do with keys.

`kubectl exec -it` / `run -it` put the local terminal in raw mode and send keys as typed: Enter is CR,
nothing is echoed locally. So here, as the kernel's tty in canonical mode with ICRNL and ECHO does: CR turns
into LF, typed characters are echoed, backspace/DEL erase one character, ctrl-u the line, ctrl-w a word,
ctrl-c drops the line and interrupts the foreground command (echoed `^C`), ctrl-d on an empty line is EOF
for whoever reads then (`cat` ends, the shell reads on; at the prompt the shell exits).
A line reaches the shell's stdin only once complete. Escape sequences (arrow keys) are swallowed: no history.
Output's LF → CRLF (ONLCR) is the writer's business (exec.py).
"""

from __future__ import annotations

from collections.abc import Callable

from .context import Input

CTRL_C, CTRL_D, CTRL_U, CTRL_W, BS, ESC, DEL = 0x03, 0x04, 0x15, 0x17, 0x08, 0x1B, 0x7F
ERASE = b"\b \b"


class LineDiscipline:
    def __init__(self, stdin: Input, echo: Callable[[bytes], None]):
        self.stdin = stdin
        self.echo = echo
        self.line = bytearray()
        # 0: plain; 1: after ESC; 2: inside a CSI/SS3 sequence
        self.escape = 0

    def feed(self, data: bytes) -> None:
        for b in data:
            self._key(b)

    def _key(self, b: int) -> None:
        if self.escape == 1:
            self.escape = 2 if b in (0x5B, 0x4F) else 0  # ESC [ or ESC O
            return
        if self.escape == 2:
            if 0x40 <= b <= 0x7E:
                self.escape = 0
            return
        if b == ESC:
            self.escape = 1
        elif b in (0x0D, 0x0A):
            self.echo(b"\r\n")
            self.stdin.feed(bytes(self.line) + b"\n")
            self.line.clear()
        elif b in (DEL, BS):
            if self._erase_char():
                self.echo(ERASE)
        elif b == CTRL_U:
            self.echo(ERASE * self._chars(self.line))
            self.line.clear()
        elif b == CTRL_W:
            cut = len(self.line.rstrip(b" "))
            cut = self.line.rfind(b" ", 0, cut) + 1
            self.echo(ERASE * self._chars(self.line[cut:]))
            del self.line[cut:]
        elif b == CTRL_C:
            self.echo(b"^C\r\n")
            self.line.clear()
            self.stdin.interrupt()
        elif b == CTRL_D:
            if not self.line:
                self.stdin.end_of_file()
        elif b >= 0x20 or b == 0x09:
            if b == 0x09:
                b = 0x20  # no completion: a tab is a word break
            self.line.append(b)
            self.echo(bytes([b]))

    def _erase_char(self) -> bool:
        if not self.line:
            return False
        # A UTF-8 character: its continuation bytes, then its lead byte.
        while self.line and 0x80 <= self.line[-1] < 0xC0:
            self.line.pop()
        if self.line:
            self.line.pop()
        return True

    @staticmethod
    def _chars(data: bytes | bytearray) -> int:
        return sum(1 for c in data if not 0x80 <= c < 0xC0)
