"""The few fields of Services, EndpointSlices and Pods that svctui shows or joins on.

Immutable and hashable: tens of thousands of these live at once, are shared between the store, the
topology indexes and the churn ledger, and are replaced (never mutated) when an event arrives. The two
kinds built 100,000 at a time at scale, Endpoint and Pod, are NamedTuples: a frozen dataclass's
__init__ goes through object.__setattr__ once per field (3 µs an endpoint); a tuple is built in C.
The others are frozen, slotted dataclasses.
Mappings are stored as sorted tuples of pairs so objects stay hashable and compare by value.
Timestamps (`created`, `start_time`) are epoch seconds, already parsed by kube/convert.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

Labels = tuple[tuple[str, str], ...]
Key = tuple[str, str]  # (namespace, name)

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
# Read when TOPOLOGY_MODE is absent, as the EndpointSlice controller does (deprecated in 1.27).
TOPOLOGY_HINTS_OLD = "service.kubernetes.io/topology-aware-hints"


def freeze_labels(labels: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Labels:
    """Labels as a sorted tuple of pairs; sorted so equal label sets compare and hash equal."""
    if not labels:
        return ()
    items = labels.items() if isinstance(labels, Mapping) else labels
    return tuple(sorted(items))


@dataclass(frozen=True, slots=True)
class ServicePort:
    name: str = ""
    port: int = 0
    # int, or a container port name; None only when the API server's defaulting (= port) was skipped.
    target_port: int | str | None = None
    protocol: str = "TCP"
    node_port: int | None = None
    app_protocol: str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    type: str = "ClusterIP"
    cluster_ip: str | None = None  # "None" for headless, as the API spells it
    cluster_ips: tuple[str, ...] = ()
    external_name: str | None = None
    external_ips: tuple[str, ...] = ()
    lb_ingress: tuple[str, ...] = ()  # each an IP or a hostname
    ports: tuple[ServicePort, ...] = ()
    # None: the Service has no selector (endpoints are managed by someone else);
    # (): an empty selector, kept distinct because the details pane shows what the user wrote.
    selector: Labels | None = None
    headless: bool = False
    publish_not_ready: bool = False
    session_affinity: str | None = None
    internal_traffic_policy: str | None = None
    external_traffic_policy: str | None = None
    ip_families: tuple[str, ...] = ()
    labels: Labels = ()
    created: float | None = None
    affinity_timeout: int | None = None  # sessionAffinityConfig.clientIP.timeoutSeconds
    ip_family_policy: str | None = None
    traffic_distribution: str | None = None  # spec.trafficDistribution (PreferClose)
    topology_mode: str | None = None  # the annotation TOPOLOGY_MODE (or its older spelling)

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)

    @property
    def has_selector(self) -> bool:
        # The endpoint controllers treat an empty selector like none (it round-trips as omitted).
        return bool(self.selector)


@dataclass(frozen=True, slots=True)
class EndpointPort:
    name: str = ""
    port: int | None = None
    protocol: str = "TCP"
    app_protocol: str | None = None


class Endpoint(NamedTuple):
    addresses: tuple[str, ...]
    # Raw conditions as sent (None = field absent); read them through is_ready/is_serving/is_terminating.
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None
    hostname: str | None = None
    node_name: str | None = None
    zone: str | None = None
    target_kind: str | None = None
    target_name: str | None = None
    target_uid: str | None = None
    target_namespace: str | None = None
    hint_zones: tuple[str, ...] = ()  # hints.forZones[].name: the zones kube-proxy may route this to

    @property
    def address(self) -> str:
        # Addresses are interchangeable and consumers (kube-proxy) use the first.
        return self.addresses[0] if self.addresses else ""

    @property
    def is_ready(self) -> bool:
        return self.ready is None or self.ready

    @property
    def is_serving(self) -> bool:
        return self.is_ready if self.serving is None else self.serving

    @property
    def is_terminating(self) -> bool:
        return bool(self.terminating)

    @property
    def targets_pod(self) -> bool:
        # No targetRef at all (hand-made endpoints) may still be a pod: the IP fallback decides.
        return self.target_kind is None or self.target_kind == "Pod"


@dataclass(frozen=True, slots=True)
class EndpointSlice:
    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    service_name: str | None = None  # label kubernetes.io/service-name; None = belongs to no Service
    address_type: str = "IPv4"
    ports: tuple[EndpointPort, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    managed_by: str | None = None
    labels: Labels = ()
    created: float | None = None

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)

    @property
    def service_key(self) -> Key | None:
        return (self.namespace, self.service_name) if self.service_name else None


@dataclass(frozen=True, slots=True)
class ContainerPort:
    name: str | None = None
    container_port: int = 0
    protocol: str = "TCP"


# Waiting reasons of a container on its way to starting: not a reason the pod is stuck.
NORMAL_WAITING: frozenset[str] = frozenset({"ContainerCreating", "PodInitializing"})


class Pod(NamedTuple):
    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    labels: Labels = ()
    node_name: str | None = None
    pod_ip: str | None = None
    pod_ips: tuple[str, ...] = ()
    phase: str = "Pending"
    ready: bool = False
    deleting: bool = False  # metadata.deletionTimestamp is set
    restarts: int = 0
    container_ports: tuple[ContainerPort, ...] = ()
    hostname: str | None = None
    subdomain: str | None = None
    owner_kind: str | None = None
    owner_name: str | None = None
    created: float | None = None
    start_time: float | None = None
    # Why the pod is not ready, as the cluster says: the first container's waiting reason that is not the
    # normal ContainerCreating/PodInitializing (ImagePullBackOff, CrashLoopBackOff, ...), and the
    # PodScheduled condition's reason while it is False (Unschedulable).
    waiting_reason: str | None = None
    unscheduled_reason: str | None = None

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)

    @property
    def ips(self) -> tuple[str, ...]:
        if self.pod_ips:
            return self.pod_ips
        return (self.pod_ip,) if self.pod_ip else ()

    @property
    def live(self) -> bool:
        """Counts toward the replicas a controller keeps: not being deleted and not finished."""
        return not self.deleting and self.phase not in ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment, ReplicaSet or StatefulSet: only what says how many pods it wants, and who owns it
    (a ReplicaSet's Deployment), so a Service's desired count comes from intent, not from history."""
    namespace: str
    name: str
    kind: str  # Deployment | ReplicaSet | StatefulSet
    uid: str = ""
    resource_version: str = ""
    replicas: int = 1  # spec.replicas; the API defaults an omitted one to 1
    owner_kind: str | None = None  # the controller ownerReference
    owner_name: str | None = None

    @property
    def key(self) -> Key:
        return (self.namespace, self.name)
