"""What kind runs in kube-system besides CoreDNS, and the objects its controllers leave behind.

Static pods of the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler: mirror pods
named `<component>-<node>`, owned by the Node, host network), the kube-proxy and kindnet DaemonSets (one pod per
node), local-path-provisioner in local-path-storage, the system ServiceAccounts, the node Leases in
kube-node-lease and the leader-election Leases in kube-system. Flags and images follow kind v0.26
(Kubernetes v1.32.2). None of these pods is selected by a Service, so the doctor has nothing to say about them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .. import resources as R
from ..apiserver import deep_copy

if TYPE_CHECKING:
    from ..cluster import Cluster

K8S_VERSION = "v1.32.2"
ETCD_IMAGE = "registry.k8s.io/etcd:3.5.16-0"
KINDNET_IMAGE = "docker.io/kindest/kindnetd:v20241212-9f82dd49"
LOCAL_PATH_IMAGE = "docker.io/kindest/local-path-provisioner:v20241212-8ac705d0"
LOCAL_PATH_NAMESPACE = "local-path-storage"
# kube-system ServiceAccounts kind's controllers and addons create (the `default` one comes from the controller).
SYSTEM_SERVICE_ACCOUNTS = (
    "attachdetach-controller", "bootstrap-signer", "certificate-controller", "clusterrole-aggregation-controller",
    "coredns", "cronjob-controller", "daemon-set-controller", "deployment-controller", "disruption-controller",
    "endpoint-controller", "endpointslice-controller", "endpointslicemirroring-controller", "ephemeral-volume-controller",
    "expand-controller", "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller", "kindnet",
    "kube-proxy", "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
    "pv-protection-controller", "pvc-protection-controller", "replicaset-controller", "replication-controller",
    "resourcequota-controller", "root-ca-cert-publisher", "service-account-controller", "statefulset-controller",
    "token-cleaner", "ttl-after-finished-controller", "ttl-controller", "validatingadmissionpolicy-status-controller",
)


def _static_pod(component: str, node: dict[str, Any], image: str, command: list[str], ip: str,
                annotations: dict[str, str]) -> dict[str, Any]:
    node_name = node["metadata"]["name"]
    digest = hashlib.sha256(f"{component}{node_name}".encode()).hexdigest()[:32]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": f"{component}-{node_name}", "namespace": "kube-system",
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": {**annotations, "kubernetes.io/config.hash": digest, "kubernetes.io/config.mirror": digest,
                            "kubernetes.io/config.seen": "2026-01-01T00:00:00.000000000Z",
                            "kubernetes.io/config.source": "file"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node["metadata"]["uid"],
                                 "controller": True}],
        },
        "spec": {
            "nodeName": node_name, "hostNetwork": True, "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "automountServiceAccountToken": False, "enableServiceLinks": True,
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
            "containers": [{"name": component, "image": image, "command": command,
                            "resources": {"requests": {"cpu": {"etcd": "100m", "kube-apiserver": "250m",
                                                               "kube-controller-manager": "200m"}.get(component, "100m")}}}],
        },
    }


def _control_plane_pods(node: dict[str, Any], ip: str) -> list[dict[str, Any]]:
    name = node["metadata"]["name"]
    return [
        _static_pod("etcd", node, ETCD_IMAGE, [
            "etcd", f"--advertise-client-urls=https://{ip}:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
            "--client-cert-auth=true", "--data-dir=/var/lib/etcd", f"--initial-advertise-peer-urls=https://{ip}:2380",
            f"--initial-cluster={name}=https://{ip}:2380", f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
            "--listen-metrics-urls=http://127.0.0.1:2381", f"--listen-peer-urls=https://{ip}:2380", f"--name={name}",
            "--snapshot-count=10000"], ip, {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{ip}:2379"}),
        _static_pod("kube-apiserver", node, f"registry.k8s.io/kube-apiserver:{K8S_VERSION}", [
            "kube-apiserver", f"--advertise-address={ip}", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction", "--etcd-servers=https://127.0.0.1:2379",
            "--runtime-config=", "--secure-port=6443", "--service-cluster-ip-range=10.96.0.0/16"], ip,
            {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{ip}:6443"}),
        _static_pod("kube-controller-manager", node, f"registry.k8s.io/kube-controller-manager:{K8S_VERSION}", [
            "kube-controller-manager", "--allocate-node-cidrs=true", "--bind-address=127.0.0.1",
            "--cluster-cidr=10.244.0.0/16", "--cluster-name=svctui", "--controllers=*,bootstrapsigner,tokencleaner",
            "--enable-hostpath-provisioner=true", "--leader-elect=true", "--service-cluster-ip-range=10.96.0.0/16",
            "--use-service-account-credentials=true"], ip, {}),
        _static_pod("kube-scheduler", node, f"registry.k8s.io/kube-scheduler:{K8S_VERSION}", [
            "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
            "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
            "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"], ip, {}),
    ]


def _daemonset(name: str, labels: dict[str, str], container: dict[str, Any], sa: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system", "labels": dict(labels)},
        "spec": {"selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)},
                              "spec": {"hostNetwork": True, "serviceAccountName": sa,
                                       "priorityClassName": "system-node-critical",
                                       "nodeSelector": {"kubernetes.io/os": "linux"},
                                       "tolerations": [{"operator": "Exists"}], "containers": [container], **spec}}},
    }


def objects() -> list[dict[str, Any]]:
    """The API objects (namespace, accounts, DaemonSets, Deployment); pods and Leases come from load()."""
    out: list[dict[str, Any]] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LOCAL_PATH_NAMESPACE}}]
    out += [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": n, "namespace": "kube-system"}}
            for n in SYSTEM_SERVICE_ACCOUNTS]
    out.append({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "local-path-provisioner-service-account", "namespace": LOCAL_PATH_NAMESPACE}})
    out.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                                                                      "labels": {"app": "kube-proxy"}},
                "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
                                        "clusterCIDR: 10.244.0.0/16\nmode: iptables\n"}})
    out.append(_daemonset("kube-proxy", {"k8s-app": "kube-proxy"}, {
        "name": "kube-proxy", "image": f"registry.k8s.io/kube-proxy:{K8S_VERSION}",
        "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                    "--hostname-override=$(NODE_NAME)"],
        "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "securityContext": {"privileged": True}}, "kube-proxy"))
    out.append(_daemonset("kindnet", {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}, {
        "name": "kindnet-cni", "image": KINDNET_IMAGE,
        "env": [{"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "POD_SUBNET", "value": "10.244.0.0/16"}],
        "resources": {"limits": {"cpu": "100m", "memory": "50Mi"}, "requests": {"cpu": "100m", "memory": "50Mi"}},
        "securityContext": {"capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}, "privileged": False}}, "kindnet"))
    out.append({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "local-path-provisioner", "namespace": LOCAL_PATH_NAMESPACE},
        "spec": {"replicas": 1, "revisionHistoryLimit": 10, "selector": {"matchLabels": {"app": "local-path-provisioner"}},
                 "template": {"metadata": {"labels": {"app": "local-path-provisioner"}}, "spec": {
                     "serviceAccountName": "local-path-provisioner-service-account",
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Equal",
                                      "effect": "NoSchedule"}],
                     "containers": [{"name": "local-path-provisioner", "image": LOCAL_PATH_IMAGE,
                                     "command": ["local-path-provisioner", "--debug", "start",
                                                 "--helper-image", "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
                                                 "--config", "/etc/config/config.json"],
                                     "env": [{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {
                                         "fieldPath": "metadata.namespace"}}}]}]}}},
    })
    return out


def load(cluster: Cluster, control_plane: str, ip: str) -> None:
    """Control-plane static pods and the Leases, once the nodes exist."""
    api, store = cluster.api, cluster.store
    node = store.get(R.NODES, None, control_plane)
    if node is not None:
        static = cluster.parts.static_pods
        for pod in _control_plane_pods(node, ip):
            static[("kube-system", pod["metadata"]["name"])] = deep_copy(pod)
            api.create(R.PODS, "kube-system", pod)
    now = cluster.clock.iso_micro()
    for n in store.list(R.NODES, None):
        name = n["metadata"]["name"]
        api.create(R.LEASES, "kube-node-lease", {
            "metadata": {"name": name, "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                                           "uid": n["metadata"]["uid"]}]},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": now}})
    for component in ("kube-controller-manager", "kube-scheduler"):
        holder = f"{control_plane}_{hashlib.sha256(component.encode()).hexdigest()[:8]}-0000-4000-8000-000000000000"
        api.create(R.LEASES, "kube-system", {
            "metadata": {"name": component},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15, "acquireTime": now, "renewTime": now,
                     "leaseTransitions": 0}})
