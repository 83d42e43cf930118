"""A large cluster, built fast: `scale:services=10000,pods=100000[,namespaces=N][,pods_per_node=N]`.

Services go through the API (so the ClusterIP allocator and the EndpointSlice controller see them as
any other); pods go straight into the store, already Running and Ready, because the scheduler and
kubelet lifecycle would take minutes for 100k pods. Each pod carries what a kubelet would have written:
a pod IP from its node's podCIDR, conditions, container statuses.

Memory: stored objects are never mutated in place, so pods of one Service share their spec parts,
labels and conditions; only what differs per pod (names, IPs, container IDs) is allocated per pod.
"""

from __future__ import annotations

import ipaddress
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import imageref
from .. import resources as R
from ..apiserver import random_suffix
from ..strategy import strategy_for
from .bootstrap import CLUSTER_NAME, node
from .manifests import ScenarioError

if TYPE_CHECKING:
    from ..cluster import Cluster

MAX_PODS_PER_NODE = 110
# kind's 10.244.0.0/16 holds only 256 node ranges; a big cluster carves its /24s from a /9.
CLUSTER_CIDR = ipaddress.ip_network("10.128.0.0/9")
NODE_IPS = ipaddress.ip_network("172.18.0.0/16")
FIRST_NODE_HOST = 5  # 172.18.0.2-4 are the bootstrap nodes
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"
ZONES = ("zone-a", "zone-b", "zone-c")


@dataclass(frozen=True)
class ScaleSpec:
    services: int = 100
    pods: int = 1000
    namespaces: int = 0  # 0: one per 500 Services
    pods_per_node: int = 100

    @property
    def namespace_count(self) -> int:
        return self.namespaces or max(1, math.ceil(self.services / 500))

    @property
    def node_count(self) -> int:
        return math.ceil(self.pods / self.pods_per_node) if self.pods else 0


_KNOBS = {"services": (0, 1_000_000), "pods": (0, 2_000_000), "namespaces": (0, 10_000), "pods_per_node": (1, MAX_PODS_PER_NODE)}


def parse(name: str) -> ScaleSpec:
    """`scale` or `scale:key=value,...`."""
    head, _, rest = name.partition(":")
    if head != "scale":
        raise ScenarioError(f"unknown scenario {name!r}: a scale scenario is written scale:services=N,pods=M")
    values: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, raw = part.partition("=")
        key = key.strip().replace("-", "_")
        if not eq or key not in _KNOBS:
            raise ScenarioError(f"scenario {name!r}: expected key=value with key one of {', '.join(_KNOBS)}, got {part!r}")
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            raise ScenarioError(f"scenario {name!r}: {key} must be a whole number, got {raw.strip()!r}") from None
        lo, hi = _KNOBS[key]
        if not lo <= value <= hi:
            raise ScenarioError(f"scenario {name!r}: {key} must be between {lo} and {hi}, got {value}")
        values[key] = value
    spec = ScaleSpec(**values)
    if spec.pods and not spec.services:
        raise ScenarioError(f"scenario {name!r}: pods need at least one Service to belong to")
    if spec.node_count > CLUSTER_CIDR.num_addresses // 256:
        raise ScenarioError(f"scenario {name!r}: {spec.node_count} nodes do not fit in the cluster CIDR {CLUSTER_CIDR}")
    return spec


def load(cluster: Cluster, spec: ScaleSpec) -> None:
    namespaces = [f"scale-{i:0{len(str(spec.namespace_count - 1))}d}" for i in range(spec.namespace_count)]
    for ns in namespaces:
        if cluster.store.get(R.NAMESPACES, None, ns) is None:
            cluster.api.create(R.NAMESPACES, None, {"metadata": {"name": ns}})
    nodes = _create_nodes(cluster, spec.node_count)
    width = len(str(spec.services))
    services = []
    for i in range(spec.services):
        name = f"svc-{i:0{width}d}"
        ns = namespaces[i % len(namespaces)]
        if cluster.store.get(R.SERVICES, ns, name) is None:
            cluster.api.create(R.SERVICES, ns, _service(name, ns))
        services.append((ns, name))
    if not spec.pods:
        return
    # Pods are spread round-robin over the Services, and fill nodes in order.
    per_service, extra = divmod(spec.pods, len(services))
    slots = _node_slots(nodes, spec.pods_per_node)
    builder = _PodBuilder(cluster)
    for i, (ns, svc) in enumerate(services):
        count = per_service + (1 if i < extra else 0)
        if count:
            builder.create(ns, svc, count, slots)


def _create_nodes(cluster: Cluster, count: int) -> list[tuple[str, str, str]]:
    """(name, internal IP, pod CIDR) of `count` workers beyond the bootstrap ones, created if missing."""
    now = cluster.clock.iso()
    subnets = CLUSTER_CIDR.subnets(new_prefix=24)
    hosts = NODE_IPS.hosts()
    for _ in range(FIRST_NODE_HOST - 1):
        next(hosts)
    out = []
    for i in range(count):
        name = f"{CLUSTER_NAME}-worker{i + 3}"
        ip, cidr = str(next(hosts)), str(next(subnets))
        if cluster.store.get(R.NODES, None, name) is None:
            obj = node(name, ip, cidr, False, zone=ZONES[i % len(ZONES)])
            for c in obj["status"]["conditions"]:
                c["lastHeartbeatTime"] = c["lastTransitionTime"] = now
            cluster.store.create(R.NODES, obj)
        out.append((name, ip, cidr))
    return out


def _node_slots(nodes: list[tuple[str, str, str]], per_node: int) -> Iterator[tuple[str, str, str]]:
    for n in nodes:
        for _ in range(per_node):
            yield n


def _service(name: str, ns: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"selector": {"app": name}, "type": "ClusterIP",
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]},
    }


class _PodBuilder:
    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.api = cluster.api
        self.rng = cluster.rng
        self.ipam = cluster.parts.ipam
        self.now = cluster.clock.iso()
        self.ready_conditions = [
            {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": self.now}
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        self.running = {"running": {"startedAt": self.now}}
        self.image, self.image_id = imageref.full_image(IMAGE), imageref.image_id(IMAGE)

    def _template(self, ns: str, svc: str) -> dict[str, Any]:
        """A pod as the API server would have stored it, defaulted and admitted, before scheduling."""
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"generateName": f"{svc}-", "namespace": ns, "labels": {"app": svc}},
            "spec": {"containers": [{
                "name": "app",
                "image": IMAGE,
                "args": ["netexec", "--http-port=8080"],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            }]},
        }
        strategy = strategy_for(R.PODS)
        strategy.default(self.api, pod)
        strategy.prepare_create(self.api, pod, False)
        return pod

    def create(self, ns: str, svc: str, count: int, slots: Iterator[tuple[str, str, str]]) -> None:
        template = self._template(ns, svc)
        labels = template["metadata"]["labels"]
        spec = template["spec"]
        status = template.get("status") or {}
        # What the kubelet reports for each mount, so that adopting these pods changes nothing.
        mounts = [{"mountPath": m["mountPath"], "name": m["name"], "readOnly": True, "recursiveReadOnly": "Disabled"}
                  for m in spec["containers"][0].get("volumeMounts") or []]
        store = self.cluster.store
        for _ in range(count):
            node_name, node_ip, cidr = next(slots)
            uid = str(uuid.uuid4())
            pod_ip = self.ipam.allocate(uid, cidr)
            container = {
                "containerID": "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex,
                "image": self.image,
                "imageID": self.image_id,
                "lastState": {},
                "name": "app",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": self.running,
            }
            if mounts:
                container["volumeMounts"] = mounts
            name = f"{svc}-{random_suffix(5, self.rng)}"
            while store.get(R.PODS, ns, name) is not None:
                name = f"{svc}-{random_suffix(5, self.rng)}"
            store.create(R.PODS, {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "generateName": f"{svc}-", "namespace": ns, "uid": uid,
                             "creationTimestamp": self.now, "labels": labels},
                "spec": {**spec, "nodeName": node_name},
                "status": {
                    "phase": "Running",
                    "conditions": self.ready_conditions,
                    "hostIP": node_ip,
                    "hostIPs": [{"ip": node_ip}],
                    "podIP": pod_ip,
                    "podIPs": [{"ip": pod_ip}],
                    "startTime": self.now,
                    "containerStatuses": [container],
                    "qosClass": status.get("qosClass", "BestEffort"),
                },
            })
