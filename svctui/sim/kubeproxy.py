"""The emulated data path: kube-proxy's Service rules plus pod-to-pod routing, for connections the emulated
tools (curl, wget, the demo api) and nothing else make.

A connection to
  a ClusterIP:port            -> a ready endpoint of the Service (from its EndpointSlices), port translated
                                 to the endpoint's (targetPort, named ports resolved per pod by the slice
                                 controller). An endpoint is picked at random, each equally likely, as
                                 iptables mode's statistic rules do (a stream of its own, seeded by --seed,
                                 so picks do not shift names or IPs) unless sessionAffinity is ClientIP, which pins a client IP to
                                 one endpoint for sessionAffinityConfig.clientIP.timeoutSeconds.
                                 No ready endpoint -> refused (kube-proxy installs an ICMP REJECT).
                                 A port the Service does not have -> timeout (no rule matches; the packet
                                 leaves for the default route and nothing answers).
  a node IP:nodePort          -> the same, for NodePort and LoadBalancer Services; other node ports refused.
  a pod IP:port, 127.0.0.1    -> that pod; refused when nothing listens on the port (backends.py).
  an address nobody has       -> timeout (no internet here either).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import backends
from . import dns as D
from . import resources as R

if TYPE_CHECKING:
    from .cluster import Cluster

DEFAULT_AFFINITY_SECONDS = 10800
REFUSED, TIMEOUT = "refused", "timeout"


@dataclass
class Target:
    pod: dict[str, Any]
    port: int
    service: dict[str, Any] | None = None


def client_ip(pod: dict[str, Any] | None) -> str:
    status = (pod or {}).get("status") or {}
    return status.get("podIP") or status.get("hostIP") or ""


class KubeProxy:
    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.store = cluster.store
        self._pick = random.Random(cluster.options.seed)
        self._affinity: dict[tuple[str, str], tuple[str, float]] = {}

    def _source_ip(self, client: dict[str, Any] | None) -> str:
        """The client pod's address; a container's command runs before the kubelet writes podIP, so its own."""
        if client is None:
            return "127.0.0.1"
        if (client.get("status") or {}).get("podIP"):
            return client_ip(client)
        md = client["metadata"]
        kubelet = self.cluster.parts.kubelet
        run = kubelet.runs.get((md.get("namespace", ""), md["name"])) if kubelet is not None else None
        return (run.ip if run is not None and run.ip else None) or client_ip(client) or "127.0.0.1"

    # ---- entry points ----
    def connect(self, client: dict[str, Any] | None, ip: str, port: int) -> Target | str:
        if ip in ("127.0.0.1", "::1", "localhost") and client is not None:
            return self._to_pod(client, port)
        svc = self._service_by_ip(ip)
        if svc is not None:
            sport = next((p for p in svc["spec"].get("ports") or [] if p.get("port") == port and p.get("protocol", "TCP") == "TCP"), None)
            if sport is None:
                return TIMEOUT
            return self._to_service(client, svc, sport)
        if self._is_node_ip(ip):
            for svc in self.store.list(R.SERVICES):
                for sport in svc["spec"].get("ports") or []:
                    if sport.get("nodePort") == port and sport.get("protocol", "TCP") == "TCP":
                        return self._to_service(client, svc, sport)
            return REFUSED
        pod = self._pod_by_ip(ip)
        if pod is not None:
            return self._to_pod(pod, port)
        return TIMEOUT

    def open(self, client: dict[str, Any] | None, ip: str, port: int) -> backends.Stream | str:
        """A byte stream to whatever answers at ip:port, or REFUSED / TIMEOUT."""
        target = self.connect(client, ip, port)
        if isinstance(target, str):
            return target
        # Pod-to-Service traffic is DNATed only, so the server sees the client pod's own address.
        stream = backends.open_stream(self.cluster, target.pod, target.port, self._source_ip(client))
        return REFUSED if stream is None else stream

    # ---- services ----
    def _service_by_ip(self, ip: str) -> dict[str, Any] | None:
        for svc in self.store.list(R.SERVICES):
            spec = svc.get("spec") or {}
            if ip in (spec.get("clusterIPs") or [spec.get("clusterIP")]) and spec.get("clusterIP") != "None":
                return svc
        return None

    def _to_service(self, client: dict[str, Any] | None, svc: dict[str, Any], sport: dict[str, Any]) -> Target | str:
        md = svc["metadata"]
        name = sport.get("name") or ""
        eps = [e for e in D.endpoints(self.cluster, svc, include_not_ready=False) if name in e["ports"]]
        eps.sort(key=lambda e: (e["pod"] or "", e["ip"]))
        if not eps:
            return REFUSED
        chosen = None
        spec = svc.get("spec") or {}
        src = client_ip(client)
        if spec.get("sessionAffinity") == "ClientIP" and src:
            timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS
            key = (md.get("uid", ""), src)
            now = self.cluster.clock.now()
            pinned = self._affinity.get(key)
            if pinned is not None and pinned[1] > now:
                chosen = next((e for e in eps if e["ip"] == pinned[0]), None)
            if chosen is None:
                chosen = self._next(md, name, eps)
            self._affinity[key] = (chosen["ip"], now + timeout)
        else:
            chosen = self._next(md, name, eps)
        pod = self.store.get(R.PODS, md["namespace"], chosen["pod"] or "") if chosen["pod"] else self._pod_by_ip(chosen["ip"])
        if pod is None:
            return REFUSED
        return Target(pod, chosen["ports"][name][0], svc)

    def _next(self, md: dict[str, Any], port_name: str, eps: list[dict[str, Any]]) -> dict[str, Any]:
        return eps[self._pick.randrange(len(eps))]

    # ---- pods and nodes ----
    def _pod_by_ip(self, ip: str) -> dict[str, Any] | None:
        for pod in self.store.list(R.PODS):
            status = pod.get("status") or {}
            if status.get("podIP") == ip and not (pod.get("spec") or {}).get("hostNetwork"):
                if status.get("phase") == "Running":
                    return pod
        return None

    def _is_node_ip(self, ip: str) -> bool:
        return any(a.get("address") == ip for n in self.store.list(R.NODES) for a in (n.get("status") or {}).get("addresses") or [])

    def _to_pod(self, pod: dict[str, Any], port: int) -> Target | str:
        if port not in backends.listening(pod, backends.running_containers(pod)):
            return REFUSED
        return Target(pod, port)
