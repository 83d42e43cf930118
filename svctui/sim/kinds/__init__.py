"""Per-kind API rules (defaulting, validation, allocation, graceful deletion) and table printers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import core, daemonsets, jobs, leases, pods, rbac, secrets, services, workloads

if TYPE_CHECKING:
    from ..cluster import Cluster

# Each module's register(cluster) registers strategies (strategy.register) and printers (tables.register)
# for its kinds, in this order.
MODULES = (core, pods, services, workloads, rbac, daemonsets, secrets, jobs, leases)


def register_all(cluster: Cluster) -> None:
    for mod in MODULES:
        mod.register(cluster)
