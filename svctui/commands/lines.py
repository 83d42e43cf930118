"""One line to a terminal that may be gone: after SIGHUP a write fails, and losing a line must not
stop a command's cleanup (its debug pod's deletion, the recording's last frame)."""

from __future__ import annotations

from typing import TextIO


def say(stream: TextIO, text: str) -> None:
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):  # ValueError: the stream was closed
        pass
