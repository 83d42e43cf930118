"""Per-kind API rules (defaulting, validation, allocation, graceful deletion) and table printers."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cluster import Cluster

# Each module exports register(cluster), which registers strategies (strategy.register) and printers
# (tables.register) for its kinds.
MODULES = ("core", "pods", "services", "workloads", "rbac", "daemonsets", "secrets", "jobs", "leases")


def register_all(cluster: Cluster) -> None:
    for mod in MODULES:
        importlib.import_module(f"{__name__}.{mod}").register(cluster)
