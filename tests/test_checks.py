"""The build's static checks: import contracts (import-linter), lint (ruff) and types (mypy), and the two
things import-linter cannot see: dynamic imports and import cycles that leave type-only imports out.

The tools run as subprocesses with this venv's own executables and their configuration in pyproject.toml,
so a failure here reads exactly as the tool's output would on the command line. A missing tool is a
failure, never a skip: `pip install -e '.[test]'` brings them all.
"""

from __future__ import annotations

import ast
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
    # instead of 10-13 s cold.
    _run([_tool("mypy")])


# ---- import cycles ----
# Run-time import cycles (imports under `if TYPE_CHECKING:` excluded: they make no cycle when the code runs).
# Measured with grimp; import-linter's acyclic contract cannot leave the type-only imports out. Each entry is
# one strongly connected component. None is left: a new cycle fails, and so does an import moved into a
# function to hide one (grimp sees function-level imports too).
KNOWN_CYCLES: list[frozenset[str]] = []


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


# ---- dynamic imports ----
# import-linter sees only `import` statements. importlib.import_module and __import__ are held here to the
# same layers: the target's static prefix must be known and allowed for the importing module.
PKG = ROOT / "svctui"
LAYERS = [("svctui.cli",), ("svctui.commands", "svctui.ui"), ("svctui.kube",), ("svctui.model",)]
ONLY_UNDER = {"textual": "svctui.ui", "kubernetes": "svctui.kube", "kubernetes_asyncio": "svctui.kube"}
# Modules whose dynamic imports name a target only at run time, and why that target stays in bounds.
UNKNOWN_TARGET_OK = {
    "svctui.kube.lazy_client": "imports submodules of the kubernetes_asyncio packages it defers (_PACKAGES)",
}


def _part(name: str) -> str:
    """svctui.kube.watch → svctui.kube; an outside package → its top-level name."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "svctui" else parts[0]


def _layer(part: str) -> int | None:
    return next((i for i, names in enumerate(LAYERS) if part in names), None)


def dynamic_import_allowed(importer: str, target: str) -> bool:
    src, dst = _part(importer), _part(target)
    if src == dst:
        return True
    if dst in ONLY_UNDER:
        return src == ONLY_UNDER[dst]
    if not dst.startswith("svctui"):
        return src != "svctui.model"  # the model stays pure (stdlib only)
    if src == "svctui.sim" or (dst == "svctui.sim" and src in ("svctui.model", "svctui.kube", "svctui.ui")):
        return False
    a, b = _layer(src), _layer(dst)
    return a is None or b is None or a < b


def _static_prefix(arg: ast.expr, module: str) -> str | None:
    """The part of the imported name known before run time ("" when none), or None for no string at all."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr):
        out = ""
        for piece in arg.values:
            if isinstance(piece, ast.Constant):
                out += str(piece.value)
            elif isinstance(piece.value, ast.Name) and piece.value.id == "__name__" and not out:
                out = module
            else:
                break
        return out
    return None


def _dynamic_imports(module: str, source: str) -> list[tuple[int, str | None]]:
    out: list[tuple[int, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("import_module", "__import__"):
                out.append((node.lineno, _static_prefix(node.args[0], module)))
    return out


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_dynamic_imports_keep_the_layers() -> None:
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        module = _module(path)
        for line, prefix in _dynamic_imports(module, path.read_text(encoding="utf-8")):
            # A prefix must name at least a layer ("svctui.commands."), so the target is known to stay in it.
            if module in UNKNOWN_TARGET_OK:
                continue
            if not prefix or (prefix.startswith("svctui") and prefix.count(".") < 1):
                bad.append(f"{path.relative_to(ROOT)}:{line}: cannot tell what it imports ({prefix!r})")
            elif not dynamic_import_allowed(module, prefix.rstrip(".")):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {prefix!r}")
    assert bad == [], "dynamic imports outside the layers:\n" + "\n".join(bad)


@pytest.mark.parametrize("importer, source, ok", [
    ("svctui.cli", 'importlib.import_module(f"svctui.commands.{name}")', True),
    ("svctui.sim.kinds", 'importlib.import_module(f"{__name__}.{mod}")', True),
    ("svctui.model.store", 'importlib.import_module("textual.app")', False),
    ("svctui.kube.watch", '__import__("svctui.ui.app")', False),
    ("svctui.ui.app", 'importlib.import_module("svctui.commands.dns")', False),
    ("svctui.sim.server", 'importlib.import_module(f"svctui.model.{x}")', False),
    ("svctui.ui.app", 'importlib.import_module(name)', False),
])
def test_the_dynamic_import_check_judges(importer: str, source: str, ok: bool) -> None:
    [(_, prefix)] = _dynamic_imports(importer, source)
    assert (bool(prefix) and dynamic_import_allowed(importer, prefix.rstrip("."))) is ok


# ---- what crosses the sim's modules ----
# A name one module of the sim takes from another is public: `from .podlogs import _container` made a helper
# part of two modules' contracts while its name said it was neither's.
def _private_imports(module: str, source: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("svctui")):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    return out


def test_the_private_import_check_finds_one() -> None:
    assert _private_imports("svctui.sim.exec", "from .podlogs import _container, validate\nfrom os import _exit\n") == [
        (1, "_container")]


def test_the_sim_imports_no_private_names() -> None:
    bad = [f"{path.relative_to(ROOT)}:{line}: imports {name}"
           for path in sorted((PKG / "sim").rglob("*.py"))
           for line, name in _private_imports(_module(path), path.read_text(encoding="utf-8"))]
    assert bad == [], "private names imported across the sim's modules:\n" + "\n".join(bad)
