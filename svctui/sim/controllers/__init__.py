"""The controllers a cluster runs, in start order."""

from __future__ import annotations

import importlib
from typing import Any

from .base import Controller

# Each module exports CONTROLLERS, a list of Controller subclasses.
MODULES: tuple[str, ...] = ("namespace", "serviceaccount", "gc", "job", "daemonset", "deployment", "replicaset", "statefulset", "scheduler", "kubelet", "mirrorpods", "endpointslice", "endpoints", "endpointslicemirroring")


def all_controllers() -> list[type[Controller[Any]]]:
    found: list[type[Controller[Any]]] = []
    for mod in MODULES:
        found.extend(importlib.import_module(f"{__name__}.{mod}").CONTROLLERS)
    return found
