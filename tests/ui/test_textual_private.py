"""svctui/ui/textual_private.py against the installed Textual: the private names we rely on still exist,
keep their parameters, and are all listed there (a new private use must be added, so this test sees it)."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Tree

from svctui.ui import textual_private as P

PKG = Path(__file__).resolve().parents[2] / "svctui"

# A fresh instance of each class: most of the private attributes are set in __init__, not on the class.
INSTANCES: dict[str, Callable[[], object]] = {
    "textual.widgets._tree.TreeNode": lambda: Tree("root").root,
    "textual.widgets.Tree": lambda: Tree("root"),
    "textual.widget.Widget": Widget,
    "textual.screen.Screen": Screen,
    "textual.app.App": App,
    "rich.text.Text": lambda: Text("x"),
    "rich.style.Style": Style,
}


def _resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        owner_path, _, attr = path.rpartition(".")
        return getattr(_resolve(owner_path), attr)


def test_every_listed_class_has_an_instance_factory() -> None:
    assert set(P.ATTRIBUTES) == set(INSTANCES)


@pytest.mark.parametrize("cls", sorted(P.ATTRIBUTES))
def test_private_attributes_exist(cls: str) -> None:
    obj = INSTANCES[cls]()
    assert isinstance(obj, _resolve(cls))  # type: ignore[arg-type]
    missing = []
    for name in P.ATTRIBUTES[cls]:
        try:
            inspect.getattr_static(obj, name)  # no property runs: some need a mounted widget
        except AttributeError:
            missing.append(name)
    assert missing == [], f"{cls} no longer has {missing}: Textual changed under svctui/ui"


@pytest.mark.parametrize("cls", sorted(P.LATE_ATTRIBUTES))
def test_late_attributes_are_still_set_by_textual(cls: str) -> None:
    source = inspect.getsource(_resolve(cls))  # type: ignore[arg-type]
    missing = [name for name in P.LATE_ATTRIBUTES[cls] if f"self.{name} =" not in source]
    assert missing == [], f"{cls} no longer sets {missing}"


@pytest.mark.parametrize("method", sorted(P.SIGNATURES))
def test_private_methods_keep_their_parameters(method: str) -> None:
    params = tuple(inspect.signature(_resolve(method)).parameters)  # type: ignore[arg-type]
    assert params == P.SIGNATURES[method], f"{method} now takes {params}"


@pytest.mark.parametrize("module", sorted(P.MODULES))
def test_private_modules_keep_their_names(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [n for n in P.MODULES[module] if not hasattr(mod, n)]
    assert missing == [], f"{module} no longer has {missing}"


def _ours() -> set[str]:
    """Underscore names svctui itself defines (functions, classes, attributes it assigns, __slots__)."""
    names: set[str] = set()
    for path in PKG.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ entries, getattr(..., "_x") names
    return names


def _private_uses(source: str) -> tuple[set[str], set[str]]:
    """(private attribute names read or written as `x._name`, private textual modules imported)."""
    attrs: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            attrs.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textual" and \
                any(part.startswith("_") for part in node.module.split(".")):
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(a.name for a in node.names if a.name.split(".")[0] == "textual" and "._" in a.name)
    return attrs, modules


def test_every_private_use_under_ui_is_listed() -> None:
    ours, listed = _ours(), P.all_names()
    unlisted: list[str] = []
    for path in sorted((PKG / "ui").rglob("*.py")):
        attrs, modules = _private_uses(path.read_text(encoding="utf-8"))
        # A name svctui defines itself is ours, unless it is also listed (a Textual name we assign too).
        unlisted += [f"{path.relative_to(PKG.parent)}: .{a}" for a in sorted(attrs - ours - listed)]
        unlisted += [f"{path.relative_to(PKG.parent)}: import {m}" for m in sorted(modules - set(P.MODULES))]
    assert unlisted == [], "private Textual/Rich names not in svctui/ui/textual_private.py:\n" + "\n".join(unlisted)


def test_the_scan_sees_a_private_use() -> None:
    attrs, modules = _private_uses("from textual._compositor import Compositor\nx = node._brand_new\n")
    assert attrs == {"_brand_new"} and modules == {"textual._compositor"}


def _textual_base(cls: type) -> type | None:
    return next((b for b in cls.__mro__ if b.__module__.split(".")[0] == "textual"), None)


def _ui_subclasses() -> list[tuple[type, ast.ClassDef]]:
    """svctui's classes under ui/ that extend a Textual class, with their source."""
    out = []
    for path in sorted((PKG / "ui").rglob("*.py")):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
            if isinstance(cls, type) and cls.__module__ == module.__name__ and _textual_base(cls) is not None:
                out.append((cls, node))
    return out


def _listed_on(name: str) -> set[str]:
    """The dotted classes under which textual_private lists `name` (attribute or method)."""
    attrs = {cls for table in (P.ATTRIBUTES, P.LATE_ATTRIBUTES) for cls, names in table.items() if name in names}
    return attrs | {path.rpartition(".")[0] for path in P.SIGNATURES if path.rpartition(".")[2] == name}


def test_overrides_and_inherited_privates_of_textual_classes_are_listed() -> None:
    """A subclass's `self._x` or `def _x` that Textual's class also has is Textual's private API, even when
    our code assigns it: it must be listed (an override of a renamed method would just stop running)."""
    unlisted = []
    for cls, node in _ui_subclasses():
        base = _textual_base(cls)
        assert base is not None
        probe = next((f for path, f in INSTANCES.items() if _resolve(path) is base), None)
        instance = probe() if probe is not None else None
        names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                 and n.value.id == "self"}
        names |= {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for name in sorted(n for n in names if n.startswith("_") and not n.startswith("__")):
            on_class = any(name in vars(b) for b in base.__mro__)
            on_instance = instance is not None and name in getattr(instance, "__dict__", {})
            if (on_class or on_instance) and not _listed_on(name):
                unlisted.append(f"{cls.__module__}.{cls.__qualname__}: {name} (from {base.__module__}.{base.__name__})")
    assert unlisted == [], "Textual private names used by subclasses, not in textual_private.py:\n" + \
        "\n".join(unlisted)
