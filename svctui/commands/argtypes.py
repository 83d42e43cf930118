"""Argument types for the subcommands' parsers: a bad number is worded once for every command, and each
bound is tested one way (`not x > 0` also refuses nan, which `x <= 0` lets through)."""

from __future__ import annotations

import argparse


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def positive(text: str) -> float:
    """A duration, a speed or a lifetime: more than 0."""
    x = number(text)
    if not x > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return x


def non_negative(text: str) -> float:
    x = number(text)
    if not x >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return x


def count(text: str) -> int:
    """A whole number from 1 (a request count, a port)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n
