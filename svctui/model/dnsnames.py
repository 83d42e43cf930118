"""The DNS names and environment variables Kubernetes gives a Service, per the DNS spec (1.1.0) and
the kubelet's service-link variables, so the details pane can show them without asking the cluster.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass

from .objects import Endpoint, Key, Service

DEFAULT_ZONE = "cluster.local"
NDOTS = 5


@dataclass(frozen=True, slots=True)
class ServiceNames:
    short: str
    name_ns: str
    name_ns_svc: str
    fqdn: str  # without the trailing dot

    def all(self) -> tuple[str, str, str, str]:
        return (self.short, self.name_ns, self.name_ns_svc, self.fqdn)


def _zone(zone: str) -> str:
    return zone.strip(".").lower()


def service_fqdn(name: str, namespace: str, zone: str = DEFAULT_ZONE) -> str:
    """`web.demo.svc.cluster.local`: the name every pod can resolve, whatever its search path."""
    return f"{name}.{namespace}.svc.{_zone(zone)}"


def service_names(svc: Service, zone: str = DEFAULT_ZONE) -> ServiceNames:
    base = f"{svc.name}.{svc.namespace}"
    return ServiceNames(svc.name, base, f"{base}.svc", service_fqdn(svc.name, svc.namespace, zone))


def srv_names(svc: Service, zone: str = DEFAULT_ZONE) -> list[str]:
    """SRV owner names for named ports (unnamed ports get none); protocol lower case."""
    fqdn = service_names(svc, zone).fqdn
    return [f"_{p.name}._{(p.protocol or 'TCP').lower()}.{fqdn}" for p in svc.ports if p.name]


@dataclass(frozen=True, slots=True)
class PodName:
    name: str
    addresses: tuple[str, ...]
    published: bool  # DNS serves ready endpoints, or all with publishNotReadyAddresses


def pod_names(svc: Service, endpoints: Iterable[Endpoint], zone: str = DEFAULT_ZONE) -> list[PodName]:
    """Per-endpoint names of a headless Service: <hostname>.<svc>.<ns>.svc.<zone>."""
    if not svc.headless:
        return []
    fqdn = service_names(svc, zone).fqdn
    out: dict[str, PodName] = {}
    for ep in endpoints:
        if ep.hostname:
            name = f"{ep.hostname}.{fqdn}"
            published = svc.publish_not_ready or ep.is_ready
            prev = out.get(name)
            addrs = (prev.addresses if prev else ()) + tuple(a for a in ep.addresses)
            out[name] = PodName(name, addrs, published or bool(prev and prev.published))
    return sorted(out.values(), key=lambda p: p.name)


def search_path(namespace: str, zone: str = DEFAULT_ZONE) -> tuple[str, str, str]:
    """The `search` line of a ClusterFirst pod's resolv.conf (with `options ndots:5`)."""
    z = _zone(zone)
    return (f"{namespace}.svc.{z}", f"svc.{z}", z)


def candidates(name: str, namespace: str, zone: str = DEFAULT_ZONE, ndots: int = NDOTS) -> list[str]:
    """The names a pod's resolver tries, in order (glibc/musl search logic).

    A trailing dot means absolute: only that name. Otherwise a name with at least `ndots` dots is
    tried as-is first, then with each search domain; one with fewer is tried with the search domains
    first and as-is last.
    """
    name = name.strip().lower()
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{d}" for d in search_path(namespace, zone)]
    if name.count(".") >= ndots:
        return [name, *searched]
    return [*searched, name]


def service_for_name(fqdn: str, zone: str = DEFAULT_ZONE) -> tuple[Key, str | None] | None:
    """(namespace, service) and the hostname label, if fqdn is a Service (or headless pod) name."""
    suffix = f".svc.{_zone(zone)}"
    fqdn = fqdn.rstrip(".").lower()
    if not fqdn.endswith(suffix):
        return None
    labels = fqdn[: -len(suffix)].split(".")
    if len(labels) == 2:
        return (labels[1], labels[0]), None
    if len(labels) == 3:
        return (labels[2], labels[1]), labels[0]
    return None


@dataclass(frozen=True, slots=True)
class Step:
    query: str
    service: Key | None  # the Service this query would answer for, if any
    hostname: str | None = None


def walk(name: str, namespace: str, services: Container[Key], zone: str = DEFAULT_ZONE,
         ndots: int = NDOTS) -> list[Step]:
    """The resolver's walk for `name` from a pod in `namespace`, up to the first query that names a
    known Service (keys (namespace, name)); the last step has service None when nothing matched."""
    steps = []
    for q in candidates(name, namespace, zone, ndots):
        hit = service_for_name(q, zone)
        if hit is not None and hit[0] in services:
            steps.append(Step(q, hit[0], hit[1]))
            return steps
        steps.append(Step(q, None))
    return steps


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_")


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def env_vars(svc: Service) -> list[tuple[str, str]]:
    """The service-link variables the kubelet injects into pods of the same namespace (with
    enableServiceLinks, the default), in the kubelet's order. None for headless or ExternalName
    Services: they have no cluster IP."""
    ip = svc.cluster_ip
    if svc.type == "ExternalName" or svc.headless or not ip or ip == "None":
        return []
    prefix = _env_name(svc.name)
    out = [(f"{prefix}_SERVICE_HOST", ip)]
    if not svc.ports:
        return out
    out.append((f"{prefix}_SERVICE_PORT", str(svc.ports[0].port)))
    for p in svc.ports:
        if p.name:
            out.append((f"{prefix}_SERVICE_PORT_{_env_name(p.name)}", str(p.port)))
    for i, p in enumerate(svc.ports):
        proto = p.protocol or "TCP"
        url = f"{proto.lower()}://{_host_port(ip, p.port)}"
        if i == 0:
            out.append((f"{prefix}_PORT", url))
        pp = f"{prefix}_PORT_{p.port}_{proto.upper()}"
        out += [(pp, url), (f"{pp}_PROTO", proto.lower()), (f"{pp}_PORT", str(p.port)), (f"{pp}_ADDR", ip)]
    return out
