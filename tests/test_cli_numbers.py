"""A bad number on any subcommand's command line is one line in the same words, exit 2, before anything
connects (commands/argtypes.py: one function per bound, shared by record, sim, probe, replay and the live
view's --speed)."""

import argparse

import pytest

from svctui import cli
from svctui.commands import argtypes


@pytest.mark.parametrize("args, words", [
    (["record", "-o", "{tmp}/r", "--duration", "nan"], "argument --duration: must be greater than 0"),
    (["record", "-o", "{tmp}/r", "--duration", "soon"], "argument --duration: not a number: 'soon'"),
    (["sim", "--speed", "0"], "argument --speed: must be greater than 0"),
    (["sim", "--token-ttl", "-5"], "argument --token-ttl: must be greater than 0"),
    (["probe", "svc/web", "--count", "0"], "argument --count: must be at least 1"),
    (["probe", "svc/web", "--port", "http"], "argument --port: not a number: 'http'"),
    (["probe", "svc/web", "--interval", "-1"], "argument --interval: must be 0 or more"),
    (["replay", "{tmp}/r", "--speed", "2000"], "argument --speed: must be between 0.01 and 1000"),
    (["replay", "{tmp}/r", "--speed", "fast"], "argument --speed: not a number: 'fast'"),
])
def test_bad_numbers_are_one_line_and_exit_2(tmp_path, capsys, args, words):
    try:
        status = cli.main([a.format(tmp=tmp_path) for a in args])
    except SystemExit as exc:  # svctui sim lets argparse exit: the process status all the same
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"svctui {args[0]}: error: ") and err[-1].endswith(words), err
    assert not (tmp_path / "r").exists()


def test_the_bounds() -> None:
    assert argtypes.positive("0.5") == 0.5 and argtypes.non_negative("0") == 0.0 and argtypes.count("3") == 3
    for fn, text in [(argtypes.positive, "nan"), (argtypes.positive, "0"), (argtypes.non_negative, "nan"),
                     (argtypes.non_negative, "-0.1"), (argtypes.count, "1.5"), (argtypes.number, "")]:
        with pytest.raises(argparse.ArgumentTypeError):
            fn(text)
