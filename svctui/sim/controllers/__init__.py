"""The controllers a cluster runs, in start order."""

from __future__ import annotations

from typing import Any

from . import (
    daemonset,
    deployment,
    endpoints,
    endpointslice,
    endpointslicemirroring,
    gc,
    job,
    kubelet,
    mirrorpods,
    namespace,
    replicaset,
    scheduler,
    serviceaccount,
    statefulset,
)
from .base import Controller

# Each module exports CONTROLLERS, a list of Controller subclasses.
MODULES = (namespace, serviceaccount, gc, job, daemonset, deployment, replicaset, statefulset, scheduler, kubelet,
           mirrorpods, endpointslice, endpoints, endpointslicemirroring)


def all_controllers() -> list[type[Controller[Any]]]:
    found: list[type[Controller[Any]]] = []
    for mod in MODULES:
        found.extend(mod.CONTROLLERS)
    return found
