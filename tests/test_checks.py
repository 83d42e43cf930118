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
