"""How a Service spreads its traffic, in plain words: session affinity, the traffic policies, the IP
families and topology-aware routing. Each line names the field's value first (as `kubectl get -o yaml`
spells it) and then what kube-proxy does with it, so the value can be looked up and the effect read.

Defaults are what the apiserver writes (sessionAffinity None, internalTrafficPolicy Cluster,
externalTrafficPolicy Cluster on NodePort/LoadBalancer, ipFamilyPolicy SingleStack): a field the API
left out (an old server, a recording) says nothing and gets no line rather than a guessed default.
"""

from __future__ import annotations

from .objects import Endpoint, Service

# kube-proxy's default when sessionAffinityConfig is absent (core/v1 DefaultClientIPServiceAffinitySeconds).
DEFAULT_AFFINITY_SECONDS = 10800

_AFFINITY = {"ClientIP": "the same client keeps reaching the same pod",
             "None": "each connection may reach any ready pod"}
_EXTERNAL = {"Local": "only nodes with a ready endpoint answer, the client IP is kept",
             "Cluster": "every node answers and may forward to another node, the client IP is replaced"}
_INTERNAL = {"Local": "pods reach only endpoints on their own node (none there: the connection fails)",
             "Cluster": "pods reach any ready endpoint"}
_DISTRIBUTION = {"PreferClose": "prefer endpoints in the client's zone"}


def duration_words(seconds: int) -> str:
    """10800 → "3 h", 90 → "90 s": the largest unit that divides it, so no value is rounded away."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _with(value: str, words: dict[str, str]) -> str:
    meaning = words.get(value)
    return f"{value} — {meaning}" if meaning else value


def affinity_line(svc: Service) -> str | None:
    if not svc.session_affinity:
        return None
    value = svc.session_affinity
    if value == "ClientIP":
        timeout = svc.affinity_timeout if svc.affinity_timeout is not None else DEFAULT_AFFINITY_SECONDS
        value = f"ClientIP ({duration_words(timeout)} timeout)"
    meaning = _AFFINITY.get(svc.session_affinity)
    return f"{value} — {meaning}" if meaning else value


def lines(svc: Service) -> list[tuple[str, str]]:
    """(label, text) pairs for the details pane; only the fields the Service carries."""
    out: list[tuple[str, str]] = []
    affinity = affinity_line(svc)
    if affinity:
        out.append(("session affinity", affinity))
    if svc.external_traffic_policy:
        out.append(("external traffic", _with(svc.external_traffic_policy, _EXTERNAL)))
    if svc.internal_traffic_policy:
        out.append(("internal traffic", _with(svc.internal_traffic_policy, _INTERNAL)))
    if svc.ip_families:
        policy = f" ({svc.ip_family_policy})" if svc.ip_family_policy else ""
        out.append(("IP families", ", ".join(svc.ip_families) + policy))
    if svc.traffic_distribution:
        out.append(("traffic distribution", _with(svc.traffic_distribution, _DISTRIBUTION)))
    if svc.topology_mode:
        mode = svc.topology_mode
        if mode.lower() == "auto":
            mode += " — the EndpointSlice controller adds zone hints when each zone has enough endpoints"
        out.append(("topology mode", mode))
    return out


def row_tags(svc: Service) -> str:
    """What differs from the defaults, compactly, for the Service row ("" when nothing does)."""
    tags = []
    if svc.session_affinity and svc.session_affinity != "None":
        tags.append(f"affinity={svc.session_affinity}")
    if svc.external_traffic_policy and svc.external_traffic_policy != "Cluster":
        tags.append(f"ext={svc.external_traffic_policy}")
    if svc.internal_traffic_policy and svc.internal_traffic_policy != "Cluster":
        tags.append(f"int={svc.internal_traffic_policy}")
    if len(svc.ip_families) > 1:
        tags.append("dual-stack")
    if svc.traffic_distribution:
        tags.append(f"dist={svc.traffic_distribution}")
    if svc.topology_mode and svc.topology_mode != "Disabled":
        tags.append(f"topology={svc.topology_mode}")
    return " ".join(tags)


def hint_text(ep: Endpoint) -> str | None:
    """The zones an endpoint is hinted for, e.g. "zone-a"; None when the slice carries no hints."""
    return ", ".join(ep.hint_zones) if ep.hint_zones else None
