"""The UI's split by ownership holds (issue 14): no mixin, a small App, and no object writes another's
private fields (Textual's and Rich's own, inventoried in ui/textual_private.py, aside)."""

from __future__ import annotations

import ast
from pathlib import Path

from svctui.ui.textual_private import all_names

UI = Path(__file__).resolve().parents[2] / "svctui" / "ui"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(UI.rglob("*.py"))]


def _own_names(tree: ast.Module) -> set[str]:
    """Names a module imports from svctui (absolute or relative)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("svctui")):
            out |= {a.asname or a.name for a in node.names}
    return out


def test_no_class_mixes_two_of_svctuis_classes():
    mixed = []
    for path, tree in _modules():
        own = _own_names(tree) | {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in own]
                if len(bases) > 1 or node.name.endswith("Mixin"):
                    mixed.append(f"{path.relative_to(UI)}: {node.name}({', '.join(bases)})")
    assert not mixed, mixed


def test_the_app_module_is_small():
    assert len((UI / "app.py").read_text(encoding="utf-8").splitlines()) <= 300


def test_nothing_writes_another_objects_private_fields():
    allowed = all_names()  # Textual's and Rich's, each listed and checked against the installed version
    writes = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
            for t in targets:
                for a in ast.walk(t):
                    if (isinstance(a, ast.Attribute) and a.attr.startswith("_") and not a.attr.startswith("__")
                            and not (isinstance(a.value, ast.Name) and a.value.id in ("self", "cls"))
                            and a.attr not in allowed):
                        writes.append(f"{path.relative_to(UI)}:{a.lineno} {ast.unparse(a)}")
    assert not writes, writes
