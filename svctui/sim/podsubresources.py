"""The pods' subresources: log, binding, exec, attach, portforward, ephemeralcontainers.

Wired by the Cluster once the kinds are registered, not by kinds/pods.py: each handler uses the pod rules
(kinds.pods), so registering them from there made an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ephemeral, portforward
from . import exec as pod_exec
from .podlogs import binding_handler, log_handler

if TYPE_CHECKING:
    from .cluster import Cluster


def register(cluster: Cluster) -> None:
    cluster.server.subresource_handlers[("pods", "log")] = log_handler(cluster)
    cluster.server.subresource_handlers[("pods", "binding")] = binding_handler(cluster)
    pod_exec.register(cluster)
    portforward.register(cluster)
    ephemeral.register(cluster)
