"""The build's static checks: import contracts (import-linter), lint (ruff) and types (mypy).

Each runs as a subprocess with this venv's own executable and its configuration in pyproject.toml, so a
failure here reads exactly as the tool's output would on the command line. A missing tool is a failure,
never a skip: `pip install -e '.[test]'` brings all three.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"{name} is not installed in {BIN} (pip install -e '.[test]' installs it)", pytrace=False)
    return str(path)


def _run(argv: list[str], timeout: float = 300) -> None:
    # NO_COLOR and a wide terminal: plain output that does not wrap in the failure message.
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"$ {' '.join(argv)}  (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}", pytrace=False)


def test_import_contracts() -> None:
    # --no-cache: the graph is rebuilt each run (~0.2 s), so a stale cache cannot hide an import.
    _run([_tool("lint-imports"), "--no-cache"])


def test_ruff() -> None:
    _run([_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."])


def test_mypy() -> None:
    # The incremental cache in .mypy_cache is sound (keyed on file contents) and makes a rerun ~0.4 s
    # instead of ~10 s cold.
    _run([_tool("mypy")])


# ---- import cycles ----
# Run-time import cycles (imports under `if TYPE_CHECKING:` excluded: they make no cycle when the code runs).
# Measured with grimp; import-linter's acyclic contract cannot leave the type-only imports out. Each entry is
# one strongly connected component; the sim's pod runtime (containers, podfs, backends, kubeproxy and the
# virtual shell call each other) is the one left. Breaking it shrinks this list; a new cycle fails.
KNOWN_CYCLES: list[frozenset[str]] = [
    frozenset({
        "svctui.sim.backends", "svctui.sim.containers", "svctui.sim.kubeproxy", "svctui.sim.podfs",
        "svctui.sim.shell", "svctui.sim.shell.builtins", "svctui.sim.shell.commands", "svctui.sim.shell.context",
        "svctui.sim.shell.coreutils", "svctui.sim.shell.curl", "svctui.sim.shell.dig", "svctui.sim.shell.environ",
        "svctui.sim.shell.httpclient", "svctui.sim.shell.nslookup", "svctui.sim.shell.resolve", "svctui.sim.shell.sh",
        "svctui.sim.shell.wget",
    }),
]


def _cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(frozenset(comp))
    return out


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}}
    assert _cycles(edges) == [frozenset({"a", "b", "c"})]


def test_no_new_import_cycles() -> None:
    import grimp

    graph = grimp.build_graph("svctui", cache_dir=None, exclude_type_checking_imports=True)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    found = _cycles(edges)
    new = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not new, f"new import cycles: {new}"
    assert not gone, f"these cycles changed or were broken (update KNOWN_CYCLES): {gone}"
