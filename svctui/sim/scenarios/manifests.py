"""Reading a scenario's manifests: what the built-in scenarios and a user's FILE.yaml have in common.

Apart from the package so that bootstrap and scale (which the package loads) can use it without
importing the package back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


class ScenarioError(ValueError):
    pass


def read_manifests(path: Path) -> list[dict[str, Any]]:
    try:
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario file {path} is not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"scenario file {path} is not a text file (not UTF-8: a binary file?)") from None
    out: list[dict[str, Any]] = []
    for d in docs:
        if d is None:
            continue
        if not isinstance(d, dict) or "kind" not in d:
            raise ScenarioError(f"scenario file {path}: every document must be a Kubernetes object")
        if d.get("kind") == "List":
            out.extend(d.get("items") or [])
        else:
            out.append(d)
    return out
