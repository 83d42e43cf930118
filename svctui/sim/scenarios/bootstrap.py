"""What every simulated cluster starts with: a kind-like cluster named `svctui`.

A control-plane and two workers, the system namespaces, the `kubernetes` Service and CoreDNS
(Deployment `coredns`, Service `kube-dns` at 10.96.0.10), as `kind create cluster` leaves them; the rest
of kube-system (static pods, kube-proxy, kindnet, local-path-provisioner, Leases) is in kube_system.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import resources as R
from . import kube_system
from .manifests import HERE, read_manifests

if TYPE_CHECKING:
    from ..cluster import Cluster

CLUSTER_NAME = "svctui"
KUBELET_VERSION = "v1.32.2"
NODES = (
    # name, internal IP, pod CIDR, control plane
    (f"{CLUSTER_NAME}-control-plane", "172.18.0.2", "10.244.0.0/24", True),
    (f"{CLUSTER_NAME}-worker", "172.18.0.3", "10.244.1.0/24", False),
    (f"{CLUSTER_NAME}-worker2", "172.18.0.4", "10.244.2.0/24", False),
)
APISERVER_IP = NODES[0][1]


def node(name: str, ip: str, cidr: str, control_plane: bool, zone: str | None = None) -> dict[str, Any]:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    spec: dict[str, Any] = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"kind://docker/{CLUSTER_NAME}/{name}"}
    if control_plane:
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    capacity = {"cpu": "2", "ephemeral-storage": "263174212Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                "memory": "24551540Ki", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels,
                     "annotations": {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                                     "node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "addresses": [{"address": ip, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": [
                _cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                _cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                _cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                _cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "00000000-0000-0000-0000-00000000000" + str(len(name) % 10),
                "containerRuntimeVersion": "containerd://1.7.24",
                "kernelVersion": "6.1.0-28-amd64",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": "0" * 32,
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": "00000000-0000-0000-0000-000000000000",
            },
        },
    }


def _cond(type_: str, status: str, reason: str, message: str) -> dict[str, str | None]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": None, "lastTransitionTime": None}


def load(cluster: Cluster) -> None:
    store = cluster.store
    if store.get(R.NAMESPACES, None, "default") is not None:
        return
    now = cluster.clock.iso()
    for name in ("default", "kube-node-lease", "kube-public", "kube-system"):
        cluster.api.create(R.NAMESPACES, None, {"metadata": {"name": name}})
    for name, ip, cidr, cp in NODES:
        obj = node(name, ip, cidr, cp)
        for c in obj["status"]["conditions"]:
            c["lastHeartbeatTime"] = c["lastTransitionTime"] = now
        store.create(R.NODES, obj)
    cluster.apply_objects(read_manifests(HERE / "empty.yaml") + kube_system.objects())
    kube_system.load(cluster, NODES[0][0], NODES[0][1])
