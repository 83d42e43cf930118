"""The layer rules of design.md, checked by reading the source (ast), not by importing it.

  svctui/model   standard library and svctui.model only (pure, testable with plain data)
  svctui/sim     nothing from svctui.model/kube/ui, and no kubernetes client: it stands in for the cluster
  textual        only under svctui/ui
  kubernetes*    only under svctui/kube
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "svctui"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
KUBE_CLIENTS = ("kubernetes", "kubernetes_asyncio")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """Absolute names of every module a file imports (anywhere in it), with line numbers.
    `text` stands in for the file's contents (to test the checker itself)."""
    source = path.read_text(encoding="utf-8") if text is None else text
    tree = ast.parse(source, filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if node.module is None or node.level:
                # `from . import x` may name a submodule: count both the package and package.x.
                out += [(node.lineno, f"{prefix}.{a.name}") for a in node.names]
            out.append((node.lineno, prefix))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
                out.append((node.lineno, arg.value))
    return out


def _is_import_module(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module" or (func.attr == "__import__")
    return isinstance(func, ast.Name) and func.id in ("__import__", "import_module")


def _files(sub: str = "") -> list[Path]:
    base = PKG / sub if sub else PKG
    return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(files: list[Path], bad) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line}: {name}" for p in files for line, name in _imports(p) if bad(name)]


def test_model_imports_only_stdlib_and_itself():
    files = _files("model")
    assert files, "svctui/model has no sources"
    bad = _violations(files, lambda n: not (n.split(".")[0] in STDLIB or _under(n, "svctui.model")))
    assert bad == [], "svctui/model must stay pure:\n" + "\n".join(bad)


def test_sim_does_not_import_svctui_layers_or_kube_clients():
    bad = _violations(_files("sim"), lambda n: _under(n, "svctui.model", "svctui.kube", "svctui.ui",
                                                      "textual", *KUBE_CLIENTS))
    assert bad == [], "svctui/sim must not depend on the app or a kubernetes client:\n" + "\n".join(bad)


def test_textual_only_under_ui():
    others = [p for p in _files() if not p.is_relative_to(PKG / "ui")]
    bad = _violations(others, lambda n: _under(n, "textual"))
    assert bad == [], "textual is imported outside svctui/ui:\n" + "\n".join(bad)


def test_kubernetes_clients_only_under_kube():
    others = [p for p in _files() if not p.is_relative_to(PKG / "kube")]
    bad = _violations(others, lambda n: _under(n, *KUBE_CLIENTS))
    assert bad == [], "kubernetes clients are imported outside svctui/kube:\n" + "\n".join(bad)


@pytest.mark.parametrize("source, expected", [
    ("import textual.app", "textual.app"),
    ("from kubernetes_asyncio import client", "kubernetes_asyncio"),
    ("import importlib\nimportlib.import_module('kubernetes.config')", "kubernetes.config"),
    ("def f():\n    from textual.widgets import Tree", "textual.widgets"),
    ("from .objects import Pod", "svctui.model.objects"),
    ("from .. import cli", "svctui.cli"),
    ("from .. import cli", "svctui"),
])
def test_the_checker_sees_imports(source, expected):
    # Read as if the source lived in svctui/model, so relative imports resolve against that package.
    assert expected in [n for _, n in _imports(PKG / "model" / "probe.py", source)]
