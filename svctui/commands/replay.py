"""`svctui replay FILE [--speed X] [--from T]`: the live view on a recording, no cluster needed.

This module reads the arguments and the file (one-line errors, exit 2); the screen is svctui/ui/replay.py,
which cli.py hands in as `run` (commands do not import the UI).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..model import recording as fmt
from ..model.sanitize import plain
from .argtypes import number
from .report import load

PROG = "svctui replay"


def _speed(text: str) -> float:
    x = number(text)
    if not 0.01 <= x <= 1000:
        raise argparse.ArgumentTypeError("must be between 0.01 and 1000")
    return x


def _offset(text: str) -> float:
    """Seconds from the recording's start: 90, 1:30 or 0:01:30."""
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (seconds, M:SS or H:MM:SS)") from None
    if len(parts) > 3 or any(p < 0 for p in parts):
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (seconds, M:SS or H:MM:SS)")
    total = 0.0
    for p in parts:
        total = total * 60 + p
    return total


def replay_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Replay a recording made by `svctui record` (or the R key) "
                                "in the svctui screen. Keys: space pause/play, . step, [ ] seek 10s, "
                                "+ - speed, home restart.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--speed", type=_speed, default=1.0, help="playback speed (default 1)")
    p.add_argument("--from", dest="start", type=_offset, default=0.0, metavar="T",
                   help="start T seconds into the recording (or M:SS)")
    return p


def main(argv: Sequence[str], run: Callable[[fmt.Recording, argparse.Namespace], int] | None = None) -> int:
    parser = replay_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        rec = load(args.file)
    except (OSError, fmt.RecordingError) as exc:
        print(f"{PROG}: error: {plain(args.file)}: {plain(getattr(exc, 'strerror', None) or exc)}", file=sys.stderr)
        return 2
    length = rec.end - rec.start
    if args.start > length:
        print(f"{PROG}: error: --from {args.start:g}s is past the recording's end ({length:.1f}s)", file=sys.stderr)
        return 2
    if rec.torn:
        print(f"{PROG}: note: the last frame was torn (the recorder was killed mid-write); replaying up to it",
              file=sys.stderr)
    if rec.skipped:
        print(f"{PROG}: note: {rec.skipped} unreadable record(s) left out", file=sys.stderr)
    if run is None:
        print(f"{PROG}: {len(rec.records)} records over {length:.1f}s", file=sys.stderr)
        return 0
    return run(rec, args)
