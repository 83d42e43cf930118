"""The pieces of one simulated cluster that kinds, controllers and the data path share, by name and type.

Cluster builds it once (cluster.py) and hangs it on the Api, so a strategy that only receives the Api reaches
the same allocators, kube-proxy and DNS as the HTTP handlers. The two controllers other code asks about
(the kubelet for logs and exec, the garbage collector for deletion finalizers) are None until the
controllers start: a cluster without them still serves the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .controllers.gc import GarbageCollector
    from .controllers.kubelet import Kubelet
    from .dns import Resolver
    from .ipalloc import ServiceAllocators
    from .ipam import Ipam
    from .kubeproxy import KubeProxy
    from .podfs import PodFS
    from .rbac import Authorizer
    from .shell.context import Input


@dataclass
class Parts:
    authorizer: Authorizer
    allocators: ServiceAllocators
    ipam: Ipam
    dns: Resolver
    kubeproxy: KubeProxy
    # (pod uid, container) -> that container's files; they die with the pod (podfs.drop)
    files: dict[tuple[str, str], PodFS] = field(default_factory=dict)
    # (pod uid, container) -> the stdin of a shell started by a first attach, for the attaches after it
    attach_sessions: dict[tuple[str, str], Input] = field(default_factory=dict)
    # (namespace, name) -> the manifest of a control-plane static pod, which the kubelet mirrors back
    static_pods: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    kubelet: Kubelet | None = None
    gc: GarbageCollector | None = None
