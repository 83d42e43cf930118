"""`svctui --help` lists every subcommand in cli.SUBCOMMANDS with its one line (theirs stay their own); the
live view refuses a target that names no Service before it touches a cluster."""

import subprocess
import sys

import pytest

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


@pytest.mark.parametrize("args, words", [
    (["pod/web"], "only Services can be named here"),
    (["svc/"], "is not svc/NAME, NAME or NAME.NAMESPACE"),
    (["web.demo", "-A"], "names a namespace: use it without -A"),
    (["web.demo", "-n", "prod"], "-n says prod"),
])
def test_live_view_target_errors(tmp_path, args, words):
    # A kubeconfig pointing nowhere: the usage error must come before any connection is tried.
    proc = subprocess.run([sys.executable, "-m", "svctui", *args, "--kubeconfig", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and lines[-1].startswith("svctui: error: ") and words in lines[-1], proc.stderr
