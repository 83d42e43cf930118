"""Readiness probes in the simulated kubelet: nothing is probed, the outcome is read from the pod.

A readiness probe passes unless
  (a) it is an exec probe whose command obviously fails: `false`, `exit N` with N > 0, or those run by
      `sh -c` (e.g. `["sh", "-c", "exit 1"]`);
  (b) its httpGet/tcpSocket port is a name that the probed container does not declare (the kubelet resolves
      named ports in the probe's own container only); or
  (c) the pod carries the annotation `sim.svctui.dev/ready: "false"` — tests and demos flip readiness with
      `kubectl annotate pod X sim.svctui.dev/ready=false --overwrite` (and back with `=true`); the kubelet
      re-evaluates it as soon as the annotation changes, without waiting for probe periods.
A container without a readiness probe is ready once started, unless (c) applies.
A failing probe keeps the container running but not ready; the kubelet records a Warning `Unhealthy` event
(`Readiness probe failed: ...`) every periodSeconds while it fails.
"""

from __future__ import annotations

import shlex
from typing import Any

READY_ANNOTATION = "sim.svctui.dev/ready"

_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"}


def readiness_failure(pod: dict[str, Any], container: dict[str, Any], pod_ip: str) -> str | None:
    """The event message of a failing readiness probe ("" for a silent failure), or None when it passes."""
    annotations = pod["metadata"].get("annotations") or {}
    probe = container.get("readinessProbe")
    if probe is None:
        return "" if annotations.get(READY_ANNOTATION) == "false" else None
    if "exec" in probe and _exec_fails(probe["exec"].get("command") or []):
        return "Readiness probe failed: "
    for kind in ("httpGet", "tcpSocket", "grpc"):
        action = probe.get(kind)
        if action is None:
            continue
        port = action.get("port")
        if isinstance(port, str) and not port.isdigit():
            if not any(p.get("name") == port for p in container.get("ports") or []):
                return f"Readiness probe errored: port {port} not found"
        if annotations.get(READY_ANNOTATION) == "false":
            number = _port_number(port, container)
            if kind == "httpGet":
                return "Readiness probe failed: HTTP probe failed with statuscode: 503"
            return f"Readiness probe failed: dial tcp {pod_ip}:{number}: connect: connection refused"
    if annotations.get(READY_ANNOTATION) == "false":
        return "Readiness probe failed: "
    return None


def _port_number(port: Any, container: dict[str, Any]) -> Any:
    if isinstance(port, str) and not port.isdigit():
        for p in container.get("ports") or []:
            if p.get("name") == port:
                return p.get("containerPort")
    return port


def _exec_fails(command: list[str]) -> bool:
    argv = [str(a) for a in command]
    if not argv:
        return False
    if argv[0] in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        try:
            argv = shlex.split(argv[2])
        except ValueError:
            return False
        if not argv:
            return False
    if argv[0] in ("false", "/bin/false"):
        return True
    return argv[0] == "exit" and len(argv) > 1 and argv[1].isdigit() and int(argv[1]) % 256 != 0
