"""targetPort resolution, per pod, as the endpoint controllers do it (podutil.FindPort)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .objects import Pod, Service, ServicePort


def resolve_target_port(port: ServicePort, pod: Pod) -> int | None:
    """The container port traffic for `port` reaches on `pod`, or None when a named targetPort has
    no container port of that name and the service port's protocol (the controller then leaves that
    port out for that pod)."""
    target = port.target_port
    if target is None:
        return port.port  # API defaulting: targetPort = port
    if isinstance(target, int):
        return target
    protocol = port.protocol or "TCP"
    for cp in pod.container_ports:
        if cp.name == target and (cp.protocol or "TCP") == protocol:
            return cp.container_port
    return None


@dataclass(frozen=True, slots=True)
class PortResolution:
    port: ServicePort
    pod: str
    container_port: int | None

    @property
    def text(self) -> str:
        tp = self.port.target_port
        arrow = f"{tp}→{self.container_port}" if isinstance(tp, str) else str(self.container_port)
        if self.container_port is None:
            arrow = f"{tp}→unresolved"
        return f"{self.port.port}/{self.port.protocol} → {arrow} on {self.pod}"


def resolve_all(svc: Service, pods: Iterable[Pod]) -> list[PortResolution]:
    """Every service port against every pod, pods in the given order."""
    return [PortResolution(p, pod.name, resolve_target_port(p, pod)) for pod in pods for p in svc.ports]
