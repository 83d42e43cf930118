"""Scenarios: what the simulated cluster holds when it starts.

`empty` is a fresh kind-like cluster (always loaded first); `demo` adds the seeds' setups;
`scale:services=N,pods=M` generates a large cluster; any other value is a path to a manifest file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import bootstrap, rbac_policy, scale
from .manifests import HERE, ScenarioError, read_manifests

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["HERE", "ScenarioError", "load_scenarios", "read_manifests"]


def load_scenarios(cluster: Cluster, names: list[str]) -> None:
    bootstrap.load(cluster)
    rbac_policy.load(cluster)
    for name in names:
        if name == "empty":
            continue
        if name == "demo":
            cluster.apply_objects(read_manifests(HERE / "demo.yaml"))
        elif name.startswith("scale"):
            scale.load(cluster, scale.parse(name))
        else:
            path = Path(name).expanduser()
            builtin = HERE / f"{name}.yaml"
            if not path.exists() and builtin.exists():
                path = builtin
            if not path.exists():
                raise ScenarioError(f"unknown scenario {name!r}: not a built-in scenario (empty, demo, scale:...) nor a file")
            cluster.apply_objects(read_manifests(path))
