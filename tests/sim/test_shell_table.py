"""The shell's one command table (shell/programs.py) against what the images say they have (shell/catalog.py).

A builtin is run straight from the table (Programs.run indexes it), so one missing there would be a KeyError
inside the shell; a table entry no image has and no shell runs as a builtin could never be started.
"""

from __future__ import annotations

from svctui.sim.shell import catalog
from svctui.sim.shell.programs import TABLE

IMAGES = ["busybox", "nginx:1.27", "nginx:1.27-alpine", "curlimages/curl", "postgres:17", "nicolaka/netshoot",
          "registry.k8s.io/coredns/coredns:v1.11.3"]


def test_every_shell_builtin_is_in_the_table() -> None:
    assert catalog.SHELL_BUILTINS - TABLE.keys() == set()


def test_every_table_entry_can_be_started_somewhere() -> None:
    startable = set(catalog.SHELL_BUILTINS).union(*(catalog.tools(image) for image in IMAGES))
    assert TABLE.keys() - startable == set()
