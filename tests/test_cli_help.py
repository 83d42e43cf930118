"""`svctui --help` lists every subcommand in cli.SUBCOMMANDS with its one line; theirs stay their own."""

import subprocess
import sys

from svctui import cli


def test_help_lists_every_subcommand_with_one_line():
    out = subprocess.run([sys.executable, "-m", "svctui", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    listing = out.stdout.split("subcommands", 1)[1].splitlines()[1:]
    names = [line.split()[0] for line in listing if line.strip()]
    assert names == list(cli.SUBCOMMANDS)
    for line in listing:
        name, text = line.split(None, 1)
        assert text == cli.summary(name) and len(text) > 10 and "`" not in text, line
    assert "serve a simulated Kubernetes cluster on loopback" in out.stdout


def test_subcommand_help_is_its_own():
    out = subprocess.run([sys.executable, "-m", "svctui", "doctor", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("usage: svctui doctor") and "subcommands" not in out.stdout
