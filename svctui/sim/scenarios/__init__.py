"""Scenarios: what the simulated cluster holds when it starts.

`empty` is a fresh kind-like cluster (always loaded first); `demo` adds the seeds' setups;
`scale:services=N,pods=M` generates a large cluster; any other value is a path to a manifest file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ..cluster import Cluster

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
    out = []
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


def load_scenarios(cluster: "Cluster", names: list[str]) -> None:
    from . import bootstrap

    bootstrap.load(cluster)
    for name in names:
        if name == "empty":
            continue
        if name == "demo":
            cluster.apply_objects(read_manifests(HERE / "demo.yaml"))
        elif name.startswith("scale"):
            from . import scale

            scale.load(cluster, scale.parse(name))
        else:
            path = Path(name).expanduser()
            builtin = HERE / f"{name}.yaml"
            if not path.exists() and builtin.exists():
                path = builtin
            if not path.exists():
                raise ScenarioError(f"unknown scenario {name!r}: not a built-in scenario (empty, demo, scale:...) nor a file")
            cluster.apply_objects(read_manifests(path))
