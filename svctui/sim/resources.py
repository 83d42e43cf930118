"""The resource types the simulated API server serves, as discovery describes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

READ_VERBS = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""  # group/version of the subresource's kind when it differs (Scale)
    version: str = ""


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[Subresource, ...] = ()
    list_kind: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The name error messages use: `pods`, `deployments.apps`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kind_qualified(self) -> str:
        """The name 422 messages use: `Pod`, `Deployment.apps`."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    def base_path(self, namespace: str | None) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else "/api/v1"
        if self.namespaced and namespace:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"


def _rt(group: str, version: str, kind: str, plural: str, namespaced: bool, short: Sequence[str] = (),
        cats: Sequence[str] = (), verbs: Sequence[str] = ALL_VERBS, subs: Sequence[Subresource] = ()) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=tuple(short),
        categories=tuple(cats),
        verbs=tuple(verbs),
        subresources=tuple(subs),
        list_kind=kind + "List",
    )


_STATUS = ("get", "patch", "update")
_SCALE = Subresource("scale", "Scale", _STATUS, group="autoscaling", version="v1")

NAMESPACES = _rt("", "v1", "Namespace", "namespaces", False, ["ns"],
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                 subs=[Subresource("status", "Namespace", _STATUS), Subresource("finalize", "Namespace", ("update",))])
NODES = _rt("", "v1", "Node", "nodes", False, ["no"],
            subs=[Subresource("status", "Node", _STATUS), Subresource("proxy", "NodeProxyOptions", ("create", "delete", "get", "patch", "update"))])
PODS = _rt("", "v1", "Pod", "pods", True, ["po"], ["all"], subs=[
    Subresource("status", "Pod", _STATUS),
    Subresource("log", "Pod", ("get",)),
    Subresource("eviction", "Eviction", ("create",), group="policy", version="v1"),
    Subresource("binding", "Binding", ("create",)),
    Subresource("exec", "PodExecOptions", ("create", "get")),
    Subresource("attach", "PodAttachOptions", ("create", "get")),
    Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
    Subresource("ephemeralcontainers", "Pod", _STATUS),
])
SERVICES = _rt("", "v1", "Service", "services", True, ["svc"], ["all"],
               verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
               subs=[Subresource("status", "Service", _STATUS)])
ENDPOINTS = _rt("", "v1", "Endpoints", "endpoints", True, ["ep"])
CONFIGMAPS = _rt("", "v1", "ConfigMap", "configmaps", True, ["cm"])
EVENTS = _rt("", "v1", "Event", "events", True, ["ev"])
ENDPOINTSLICES = _rt("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True)
DEPLOYMENTS = _rt("apps", "v1", "Deployment", "deployments", True, ["deploy"], ["all"],
                  subs=[Subresource("status", "Deployment", _STATUS), _SCALE])
REPLICASETS = _rt("apps", "v1", "ReplicaSet", "replicasets", True, ["rs"], ["all"],
                  subs=[Subresource("status", "ReplicaSet", _STATUS), _SCALE])
STATEFULSETS = _rt("apps", "v1", "StatefulSet", "statefulsets", True, ["sts"], ["all"],
                   subs=[Subresource("status", "StatefulSet", _STATUS), _SCALE])
DAEMONSETS = _rt("apps", "v1", "DaemonSet", "daemonsets", True, ["ds"], ["all"],
                 subs=[Subresource("status", "DaemonSet", _STATUS)])
SECRETS = _rt("", "v1", "Secret", "secrets", True)
SERVICEACCOUNTS = _rt("", "v1", "ServiceAccount", "serviceaccounts", True, ["sa"])
JOBS = _rt("batch", "v1", "Job", "jobs", True, cats=["all"], subs=[Subresource("status", "Job", _STATUS)])
LEASES = _rt("coordination.k8s.io", "v1", "Lease", "leases", True)
INGRESSES = _rt("networking.k8s.io", "v1", "Ingress", "ingresses", True, ["ing"],
                subs=[Subresource("status", "Ingress", _STATUS)])
INGRESSCLASSES = _rt("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False)

# RBAC (rbac.py authorizes with them) and the reviews that ask it (reviews.py): create-only, never stored.
_RBAC = "rbac.authorization.k8s.io"
ROLES = _rt(_RBAC, "v1", "Role", "roles", True)
CLUSTERROLES = _rt(_RBAC, "v1", "ClusterRole", "clusterroles", False)
ROLEBINDINGS = _rt(_RBAC, "v1", "RoleBinding", "rolebindings", True)
CLUSTERROLEBINDINGS = _rt(_RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", False)
SELFSUBJECTACCESSREVIEWS = _rt("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                               False, verbs=("create",))
SELFSUBJECTRULESREVIEWS = _rt("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                              False, verbs=("create",))
SELFSUBJECTREVIEWS = _rt("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", False,
                         verbs=("create",))
RBAC_KINDS = (CLUSTERROLES, CLUSTERROLEBINDINGS, ROLES, ROLEBINDINGS)
REVIEWS = (SELFSUBJECTACCESSREVIEWS, SELFSUBJECTRULESREVIEWS, SELFSUBJECTREVIEWS)

ALL: tuple[ResourceType, ...] = (
    NAMESPACES, NODES, PODS, SERVICES, ENDPOINTS, CONFIGMAPS, EVENTS,
    ENDPOINTSLICES, DEPLOYMENTS, REPLICASETS, STATEFULSETS,
    DAEMONSETS, SECRETS, SERVICEACCOUNTS, JOBS, LEASES, INGRESSES, INGRESSCLASSES,
    *RBAC_KINDS, *REVIEWS,
)

BY_KEY: dict[tuple[str, str], ResourceType] = {rt.key: rt for rt in ALL}
BY_KIND: dict[tuple[str, str], ResourceType] = {(rt.api_version, rt.kind): rt for rt in ALL}

# Group versions served, in discovery order (preferred first within a group).
GROUPS: dict[str, list[str]] = {}
for _r in ALL:
    if _r.group:
        GROUPS.setdefault(_r.group, [])
        if _r.version not in GROUPS[_r.group]:
            GROUPS[_r.group].append(_r.version)


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    rt = BY_KEY.get((group, plural))
    if rt is None or rt.version != version:
        return None
    return rt


def for_kind(api_version: str, kind: str) -> ResourceType | None:
    return BY_KIND.get((api_version, kind))
