"""Findings: what is wrong with a Service, why we think so, and the kubectl commands that show it.

This automates the seeds' troubleshooting checklist (selector vs labels, EndpointSlice empty or not
ready, port vs targetPort vs container ports, namespace, CoreDNS). Each check compares things the
model already holds; nothing here talks to the cluster.

Incremental use (the UI): `diagnose_service(model, key)` for each key in `Changes.services`, and
`diagnose_dns(model)` when something in kube-system changed. One-shot use (`svctui doctor`):
`diagnose(model, namespace)`.

Codes are stable (scripts match on them); messages and evidence wording may change. Values in a
Finding are raw cluster text: renderers must pass them through `sanitize.plain`.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .access import Gap
from .dnsnames import DEFAULT_ZONE, service_fqdn
from .objects import Key, Labels, Pod, Service, ServicePort
from .ports import resolve_target_port
from .selector import selector_text
from .store import ENDPOINTSLICE, POD, SERVICE

if TYPE_CHECKING:
    from .cluster import ClusterModel

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

SELECTOR_MATCHES_NO_PODS = "selector-matches-no-pods"
NO_READY_ENDPOINTS = "no-ready-endpoints"
PODS_NOT_READY = "pods-not-ready"
TARGET_PORT_NOT_EXPOSED = "target-port-not-exposed"
NAMED_PORT_UNRESOLVED = "named-port-unresolved"
SERVICE_NOT_FOUND = "service-not-found"
DNS_UNHEALTHY = "dns-unhealthy"
LB_PENDING = "lb-pending"
SELECTORLESS_NO_ENDPOINTS = "selectorless-no-endpoints"
LOCAL_POLICY_NO_LOCAL_ENDPOINTS = "local-policy-no-local-endpoints"
SELECTOR_MATCHES_MULTIPLE_WORKLOADS = "selector-matches-multiple-workloads"
EXTERNAL_NAME_UNRESOLVED = "external-name-unresolved"  # needs a DNS answer: model/externalname.py
CODES = (SELECTOR_MATCHES_NO_PODS, NO_READY_ENDPOINTS, PODS_NOT_READY, TARGET_PORT_NOT_EXPOSED,
         NAMED_PORT_UNRESOLVED, SERVICE_NOT_FOUND, DNS_UNHEALTHY, LB_PENDING, SELECTORLESS_NO_ENDPOINTS,
         LOCAL_POLICY_NO_LOCAL_ENDPOINTS, SELECTOR_MATCHES_MULTIPLE_WORKLOADS, EXTERNAL_NAME_UNRESOLVED)

DNS_SERVICE: Key = ("kube-system", "kube-dns")
DNS_SELECTOR = "k8s-app=kube-dns"

# Evidence lists are for reading, not for dumping a 500-pod Deployment.
_MAX_ITEMS = 8


@dataclass(frozen=True, slots=True)
class Fact:
    key: str  # stable, snake_case: the JSON key
    value: str | int | tuple[str, ...]

    @property
    def label(self) -> str:
        return self.key.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Finding:
    service: str  # "ns/name"
    severity: str  # error | warning | info
    code: str
    message: str  # one line
    evidence: tuple[Fact, ...] = ()
    kubectl: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        ns, _, name = self.service.partition("/")
        return (ns, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "severity": self.severity, "code": self.code, "message": self.message,
            "evidence": {f.key: list(f.value) if isinstance(f.value, tuple) else f.value for f in self.evidence},
            "kubectl": list(self.kubectl),
        }

    def evidence_lines(self) -> list[str]:
        """`label: value`, a list value as indented lines below its label (unsanitised)."""
        out = []
        for f in self.evidence:
            if isinstance(f.value, tuple):
                out.append(f"{f.label}:" if f.value else f"{f.label}: (none)")
                out += [f"  {v}" for v in f.value]
            else:
                out.append(f"{f.label}: {f.value}")
        return out


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.service, f.code))


def worst(findings: Iterable[Finding]) -> str | None:
    ranks = [severity_rank(f.severity) for f in findings]
    return SEVERITIES[min(ranks)] if ranks else None


# ---- small helpers ---------------------------------------------------------------------------------

def _kubectl(ns: str | None, *args: str) -> str:
    words = ["kubectl"] + (["-n", ns] if ns else []) + list(args)
    return " ".join(shlex.quote(w) for w in words)


def _slices_cmd(ns: str, name: str) -> str:
    return _kubectl(ns, "get", "endpointslices", "-l", f"kubernetes.io/service-name={name}", "-o", "wide")


def _capped(items: Sequence[str], n: int = _MAX_ITEMS) -> tuple[str, ...]:
    if len(items) <= n:
        return tuple(items)
    return tuple(items[:n]) + (f"… and {len(items) - n} more",)


def _names(pods: Sequence[Pod], n: int = 3) -> str:
    names = [p.name for p in pods[:n]]
    return ", ".join(names) + (f" +{len(pods) - n}" if len(pods) > n else "")


def _port_text(number: int, protocol: str | None) -> str:
    return f"{number}/{protocol or 'TCP'}"


def _port_label(sp: ServicePort) -> str:
    return f"{_port_text(sp.port, sp.protocol)}{f' ({sp.name})' if sp.name else ''}"


def _declared(pods: Iterable[Pod]) -> list[str]:
    seen: dict[str, None] = {}
    for p in pods:
        for cp in p.container_ports:
            text = _port_text(cp.container_port, cp.protocol)
            seen[f"{cp.name} {text}" if cp.name else text] = None
    return list(seen)


# What the kubelet's waiting reasons mean for someone looking at a Service with no ready pods.
_WAITING_HINTS = {
    "ImagePullBackOff": "the image cannot be pulled (name, tag or registry access)",
    "ErrImagePull": "the image cannot be pulled (name, tag or registry access)",
    "InvalidImageName": "the image name is not a valid reference",
    "ErrImageNeverPull": "imagePullPolicy Never and the image is not on the node",
    "CrashLoopBackOff": "the container keeps exiting; see its logs --previous",
    "CreateContainerConfigError": "a ConfigMap, Secret or key it needs is missing",
}


def _not_ready_reason(pod: Pod) -> str | None:
    """Why a live pod is not ready, in the cluster's own word, or None when ready."""
    if pod.ready or pod.deleting or pod.phase in ("Succeeded", "Failed"):
        return None
    if pod.waiting_reason:
        return pod.waiting_reason
    if pod.unscheduled_reason and not pod.node_name:
        return f"Pending: {pod.unscheduled_reason.lower()}" if pod.unscheduled_reason == "Unschedulable" \
            else f"Pending: {pod.unscheduled_reason}"
    if not pod.ips:
        return None
    return "readiness failing"


def _pod_state(pod: Pod) -> str:
    if pod.deleting:
        return "terminating"
    if pod.phase in ("Succeeded", "Failed"):
        return f"finished ({pod.phase})"
    why = _not_ready_reason(pod)
    if pod.waiting_reason and why == pod.waiting_reason:
        hint = _WAITING_HINTS.get(why)
        return f"{pod.phase}, {why}" + (f": {hint}" if hint else "")
    if why and why.startswith("Pending: "):
        return f"{why} (no node fits it; see its events)"
    if not pod.ips:
        return f"{pod.phase}, no IP yet"
    return "ready" if pod.ready else f"{pod.phase}, not ready (readiness failing)"


def _reasons(pods: Iterable[Pod]) -> str:
    """`2 ImagePullBackOff, 1 readiness failing`: the not-ready pods counted by their reason, commonest first."""
    counts: dict[str, int] = {}
    for p in pods:
        why = _not_ready_reason(p)
        if why:
            counts[why] = counts.get(why, 0) + 1
    return ", ".join(f"{n} {why}" for why, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# ---- one Service -------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Backends:
    """Endpoints and selected pods, grouped per backend (a dual-stack pod is one backend)."""
    ready: list[str]
    not_ready: list[str]  # in a slice, not ready, not terminating: failing readiness
    terminating: list[str]
    missing: list[str]  # selected, live, not in any slice: pending, no IP, or controller lag


def _backends(model: ClusterModel, key: Key, selected: list[Pod] | None = None) -> _Backends:
    """`selected`: the Service's selected pods if already at hand (else looked up)."""
    topo = model.topology
    view = topo.view(key)
    ns = key[0]
    pods_known = model.pods_known(ns)  # before the pod list is in, no lookup can find one
    pod_for = topo.pod_for
    # Per backend the best of its rows (a dual-stack pod has two): ready 2 > terminating 1 > not ready 0.
    best: dict[str, int] = {}
    in_slices: set[str] = set()  # uid (or name) of the pods behind the endpoints
    for row in (view.rows.values() if view else ()):
        e = row.endpoint
        pod = pod_for(ns, e)[0] if pods_known else None
        if pod is not None:
            in_slices.add(pod.uid or pod.name)
            name = pod.name
        else:
            name = e.target_name or e.address
        state = 2 if (e.ready is None or e.ready) else 1 if e.terminating else 0  # is_ready, is_terminating
        if best.get(name, -1) < state:
            best[name] = state
    b = _Backends([], [], [], [])
    lists = (b.not_ready, b.terminating, b.ready)
    for name in sorted(best):
        lists[best[name]].append(name)
    if pods_known:
        # Topology.unsliced_pods, from the walk above.
        b.missing = [p.name for p in (topo.selected_pods(key) if selected is None else selected)
                     if p.live and (p.uid or p.name) not in in_slices]
    return b


def diagnose_service(model: ClusterModel, key: Key, *, nodes: Iterable[str] | None = None,
                     platform: str | None = None, index: SharedPodIndex | None = None) -> list[Finding]:
    """Findings for one Service (none when it is healthy or gone).

    `nodes`: every node name, for the traffic-policy check (default: the nodes pods run on).
    `platform`: "kind", "minikube" or None, to explain a pending LoadBalancer.
    `index`: a SharedPodIndex for many calls over an unchanged model (else one is built if needed)."""
    svc = model.store.services.get(key)
    if svc is None or svc.type == "ExternalName":
        return []
    out: list[Finding] = []
    backends: _Backends | None = None  # a walk of every endpoint: only for the checks that read it
    pods_known = model.pods_known(svc.namespace)
    # Unreadable slices are unknown endpoints, not zero of them: nothing is concluded from them.
    slices_known = model.listed(ENDPOINTSLICE, svc.namespace)
    if svc.has_selector:
        selected = model.topology.selected_pods(key) if pods_known else []
        if pods_known and not selected:
            out.append(_no_pods(svc, (index or SharedPodIndex(model)).get()))
        elif pods_known:
            if slices_known:
                backends = _backends(model, key, selected)
                out += _readiness(svc, selected, backends)
            live = [p for p in selected if p.live]
            out += _ports(svc, live)
            out += _workloads(svc, live)
    elif slices_known:
        backends = _backends(model, key)
        out += _selectorless(model, svc, backends)
    if slices_known and "Local" in (svc.external_traffic_policy, svc.internal_traffic_policy) and \
            (backends if backends is not None else _backends(model, key)).ready:
        out += _local_policy(model, svc, nodes)
    if svc.type == "LoadBalancer" and not svc.lb_ingress:
        out.append(_lb_pending(svc, platform))
    return out


def unchecked(model: ClusterModel, key: Key) -> list[Gap]:
    """What could not be read for this Service (each Gap says which checks it skipped): shown in
    place of the findings that would have been derived from the missing data."""
    if not model.access.any_refused:
        return []  # the common case, asked for every row painted
    svc = model.store.services.get(key)
    kinds = [SERVICE]
    if svc is None or svc.type != "ExternalName":
        kinds.append(ENDPOINTSLICE)
        if svc is None or svc.has_selector:
            kinds.append(POD)
    return model.access.gaps(key[0], kinds)


class PodIndex:
    """Live pods by namespace → label key → value, and cluster-wide by (key, value).

    Finding the nearest candidates then costs the distinct values of the selector's keys, not the
    pods: a whole-cluster diagnose() builds one index for every Service with no matching pods."""

    def __init__(self, pods: Iterable[Pod]) -> None:
        self.by_ns: dict[str, dict[str, dict[str, list[Pod]]]] = {}
        self.by_label: dict[tuple[str, str], list[Pod]] = {}
        for p in pods:
            if not p.live:
                continue
            keys = self.by_ns.setdefault(p.namespace, {})
            for k, v in p.labels:
                keys.setdefault(k, {}).setdefault(v, []).append(p)
                self.by_label.setdefault((k, v), []).append(p)

    @classmethod
    def of(cls, model: ClusterModel) -> PodIndex:
        return cls(model.store.pods.values())


class SharedPodIndex:
    """A PodIndex for many diagnose_service calls over an unchanged model, built on first use."""

    def __init__(self, model: ClusterModel) -> None:
        self._model = model
        self._index: PodIndex | None = None

    def get(self) -> PodIndex:
        if self._index is None:
            self._index = PodIndex.of(self._model)
        return self._index


def _similar(a: str, b: str) -> float:
    m = difflib.SequenceMatcher(None, a, b)
    # The cheap upper bounds first: most values are nowhere near each other.
    return m.ratio() if m.real_quick_ratio() >= 0.5 and m.quick_ratio() >= 0.5 else 0.0


def _near(index: PodIndex, ns: str, selector: Labels) -> list[tuple[float, str, str, list[Pod]]]:
    """Pods missing the selector by exactly one pair: (score, wanted, found, pods), best first.

    With a one-pair selector every pod misses by one pair, so only look-alike values or keys count;
    with more pairs, matching all but one is itself the signal."""
    keys = index.by_ns.get(ns, {})
    multi = len(selector) > 1
    out = []
    for i, (k, v) in enumerate(selector):
        rest = selector[:i] + selector[i + 1:]

        def fits(pods: list[Pod], lacking: str | None = None) -> list[Pod]:
            # Called only within the iteration that made it: `rest` is this iteration's.
            return [p for p in pods if _matches(rest, p.labels) and (lacking is None or lacking not in dict(p.labels))]  # noqa: B023

        for v2, pods in keys.get(k, {}).items():  # a different value
            if v2 == v:
                continue
            score = _similar(v, v2)
            if (multi or score >= 0.5) and (got := fits(pods)):
                out.append((score, f"{k}={v}", f"{k}={v2}", got))
        for k2, values in keys.items():  # a misspelt key carrying the wanted value
            if k2 != k and v in values:
                score = _similar(k, k2)
                if (multi or score >= 0.5) and (got := fits(values[v], lacking=k)):
                    out.append((score, f"{k}={v}", f"{k2}={v}", got))
        if multi:  # the key is missing altogether
            k0, v0 = rest[0]
            got = fits(keys.get(k0, {}).get(v0, []), lacking=k)
            if got:
                out.append((0.4, f"{k}={v}", f"no label {k}", got))
    best: dict[tuple[str, str], tuple[float, str, str, list[Pod]]] = {}
    for cand in out:  # a key typo can also show up as "no label": keep each (wanted, found) once
        if (cand[1], cand[2]) not in best or best[(cand[1], cand[2])][0] < cand[0]:
            best[(cand[1], cand[2])] = cand
    return sorted(best.values(), key=lambda c: (-c[0], -len(c[3]), c[2]))


def _matches(selector: Labels, labels: Labels) -> bool:
    have = dict(labels)
    return all(have.get(k) == v for k, v in selector)


def _no_pods(svc: Service, index: PodIndex) -> Finding:
    ns, name = svc.key
    selector = svc.selector or ()
    ranked = _near(index, ns, selector)
    k0, v0 = selector[0]
    elsewhere: dict[str, int] = {}
    for p in index.by_label.get((k0, v0), ()):
        if p.namespace != ns and _matches(selector, p.labels):
            elsewhere[p.namespace] = elsewhere.get(p.namespace, 0) + 1
    cands = [f"{found} on {len(pods)} pod{'s' if len(pods) != 1 else ''} ({_names(pods)}); selector wants {wanted}"
             for _, wanted, found, pods in ranked]
    msg = f"selector {selector_text(selector)} matches no pods in {ns}"
    if ranked:
        _, _, found, pods = ranked[0]
        msg += f"; nearest: {found} ({len(pods)} pod{'s' if len(pods) != 1 else ''})"
    elif elsewhere:
        msg += f"; pods with these labels run in {', '.join(sorted(elsewhere))} (a Service selects in its own namespace only)"
    evidence = [Fact("selector", selector_text(selector)), Fact("nearest_candidates", _capped(cands))]
    if elsewhere:
        evidence.append(Fact("matching_pods_in_other_namespaces",
                             tuple(f"{n}: {c} pod{'s' if c != 1 else ''}" for n, c in sorted(elsewhere.items()))))
    return Finding(f"{ns}/{name}", ERROR, SELECTOR_MATCHES_NO_PODS, msg, tuple(evidence), (
        _kubectl(ns, "get", "service", name, "-o", "jsonpath={.spec.selector}"),
        _kubectl(ns, "get", "pods", "--show-labels"),
        _kubectl(ns, "get", "pods", "-l", selector_text(selector)),
        _slices_cmd(ns, name),
    ))


def _readiness(svc: Service, selected: list[Pod], b: _Backends) -> list[Finding]:
    bad = b.not_ready + b.missing
    if b.ready and not bad:
        return []  # the common case: nothing below is needed
    ns, name = svc.key
    sel = selector_text(svc.selector or ())
    cmds = (_kubectl(ns, "get", "pods", "-l", sel, "-o", "wide"), _kubectl(ns, "describe", "pods", "-l", sel),
            _slices_cmd(ns, name))
    states = _capped([f"{p.name}: {_pod_state(p)}" for p in selected])
    if not b.ready:
        parts = [f"{len(xs)} {word}" for xs, word in ((b.not_ready, "not ready"), (b.terminating, "terminating"),
                                                     (b.missing, "not in a slice")) if xs]
        n = len(selected)
        msg = f"{n} pod{'s' if n != 1 else ''} match{'es' if n == 1 else ''} {sel} but none is a ready endpoint"
        if parts:
            msg += f" ({', '.join(parts)})"
        why = _reasons(selected)
        if why:
            msg += f"; why: {why}"
        evidence: tuple[Fact, ...] = (Fact("selector", sel), Fact("ready_endpoints", 0), Fact("pods", states))
        if why:
            evidence += (Fact("not_ready_reasons", why),)
        return [Finding(f"{ns}/{name}", ERROR, NO_READY_ENDPOINTS, msg, evidence, cmds)]
    total = len(b.ready) + len(bad)
    msg = f"{len(bad)} of {total} backends not ready: {', '.join(bad[:3])}{' …' if len(bad) > 3 else ''}"
    bad_names = set(bad)
    why = _reasons(p for p in selected if p.name in bad_names)
    if why:
        msg += f" ({why})"
    evidence = (Fact("ready_endpoints", len(b.ready)), Fact("not_ready", _capped(bad)), Fact("pods", states))
    if why:
        evidence += (Fact("not_ready_reasons", why),)
    return [Finding(f"{ns}/{name}", WARNING, PODS_NOT_READY, msg, evidence, cmds)]


def _ports(svc: Service, live: list[Pod]) -> list[Finding]:
    if not live:
        return []
    ns, name = svc.key
    out = []
    any_declared = any(p.container_ports for p in live)
    for sp in svc.ports:
        # The checks first; the texts only for a finding (most Services have none).
        if isinstance(sp.target_port, str):
            unresolved = [p for p in live if resolve_target_port(sp, p) is None]
            if not unresolved:
                continue
            label, sel, declared = _port_label(sp), selector_text(svc.selector or ()), _declared(live)
            every = len(unresolved) == len(live)
            other_proto = sorted({_port_text(cp.container_port, cp.protocol) for p in live for cp in p.container_ports
                                  if cp.name == sp.target_port})
            msg = (f"targetPort {sp.target_port!r} of port {label} is not a container port name on "
                   + ("any selected pod: the EndpointSlice has no such port" if every
                      else f"{len(unresolved)} of {len(live)} pods: those get no endpoint for it"))
            ev = [Fact("service_port", f"{label} → targetPort {sp.target_port}"),
                  Fact("declared_container_ports", _capped(declared)),
                  Fact("pods_without_it", _capped([p.name for p in unresolved]))]
            if other_proto:
                ev.append(Fact("same_name_other_protocol", tuple(other_proto)))
            out.append(Finding(f"{ns}/{name}", ERROR if every else WARNING, NAMED_PORT_UNRESOLVED, msg, tuple(ev), (
                _kubectl(ns, "get", "service", name, "-o", "jsonpath={.spec.ports}"),
                _kubectl(ns, "get", "pods", "-l", sel, "-o", "jsonpath={.items[*].spec.containers[*].ports}"),
                _slices_cmd(ns, name),
            )))
            continue
        target = sp.port if sp.target_port is None else sp.target_port
        if not any_declared:
            # Declaring container ports is optional; with none declared there is nothing to compare.
            continue
        proto = sp.protocol or "TCP"
        if any(cp.container_port == target and (cp.protocol or "TCP") == proto for p in live for cp in p.container_ports):
            continue
        label, sel, declared = _port_label(sp), selector_text(svc.selector or ()), _declared(live)
        msg = (f"targetPort {target} of port {label} is not a declared container port; pods declare "
               f"{', '.join(declared[:4])}{' …' if len(declared) > 4 else ''}")
        pod0 = live[0].name
        out.append(Finding(f"{ns}/{name}", WARNING, TARGET_PORT_NOT_EXPOSED, msg, (
            Fact("service_port", f"{label} → targetPort {target}"),
            Fact("target_port", target),  # for the checks that try it (model/refusals.py)
            Fact("declared_container_ports", _capped(declared)),
            Fact("note", "declared ports are informational: confirm what the container really listens on"),
        ), (
            _kubectl(ns, "describe", "service", name),
            _kubectl(ns, "get", "pods", "-l", sel, "-o", "jsonpath={.items[*].spec.containers[*].ports}"),
            _kubectl(ns, "exec", pod0, "--", "sh", "-c", "netstat -tln || ss -tln"),
        )))
    return out


def _workload(pod: Pod) -> str:
    if not pod.owner_kind:
        return "(pods without a controller)"
    if pod.owner_kind == "ReplicaSet" and pod.owner_name:
        h = dict(pod.labels).get("pod-template-hash")
        if h and pod.owner_name.endswith("-" + h):
            return f"Deployment/{pod.owner_name[: -len(h) - 1]}"
    return f"{pod.owner_kind}/{pod.owner_name}"


def _workloads(svc: Service, live: list[Pod]) -> list[Finding]:
    groups: dict[str, list[Pod]] = {}
    for p in live:
        groups.setdefault(_workload(p), []).append(p)
    if len(groups) < 2:
        return []
    ns, name = svc.key
    sel = selector_text(svc.selector or ())
    lines = [f"{w}: {len(ps)} pod{'s' if len(ps) != 1 else ''} ({_names(ps)})" for w, ps in sorted(groups.items())]
    msg = f"selector {sel} matches pods of {len(groups)} workloads: {', '.join(sorted(groups))}"
    return [Finding(f"{ns}/{name}", WARNING, SELECTOR_MATCHES_MULTIPLE_WORKLOADS, msg,
                    (Fact("selector", sel), Fact("workloads", _capped(lines))),
                    (_kubectl(ns, "get", "pods", "-l", sel, "-L", "pod-template-hash", "-o", "wide"),))]


def _selectorless(model: ClusterModel, svc: Service, b: _Backends) -> list[Finding]:
    ns, name = svc.key
    if b.ready:
        return []
    slices = [s.name for s in model.topology.slices(svc.key)]
    cmds = (_slices_cmd(ns, name), _kubectl(ns, "get", "endpoints", name), _kubectl(ns, "describe", "service", name))
    selector_fact = "{} (empty: treated as none)" if svc.selector == () else "none"
    if b.not_ready or b.terminating:
        bad = b.not_ready + b.terminating
        return [Finding(f"{ns}/{name}", ERROR, NO_READY_ENDPOINTS,
                        f"none of the {len(bad)} manually managed endpoints is ready",
                        (Fact("selector", selector_fact), Fact("endpoints", _capped(bad)),
                         Fact("endpoint_slices", tuple(slices))), cmds)]
    return [Finding(f"{ns}/{name}", ERROR, SELECTORLESS_NO_ENDPOINTS,
                    "Service has no selector and no endpoints: nothing receives its traffic",
                    (Fact("selector", selector_fact), Fact("endpoint_slices", tuple(slices)),
                     Fact("fix", f"add a selector, or create an EndpointSlice labelled kubernetes.io/service-name={name}")),
                    cmds)]


def policy_nodes(model: ClusterModel, namespace: str) -> list[str]:
    """The nodes a Local traffic policy is judged over, one rule for the TUI and `svctui doctor`:
    every node when the node list could be read (`ClusterModel.nodes`), else the nodes the
    namespace's pods run on. Not the nodes of every pod held: what else is held differs between
    the two (the doctor lists all of kube-system, the TUI only kube-dns's pods)."""
    if model.nodes is not None:
        return sorted(model.nodes)
    return sorted({p.node_name for p in model.store.pods.values() if p.namespace == namespace and p.node_name})


def _local_policy(model: ClusterModel, svc: Service, nodes: Iterable[str] | None) -> list[Finding]:
    external = svc.external_traffic_policy == "Local" and svc.type in ("NodePort", "LoadBalancer")
    internal = svc.internal_traffic_policy == "Local"
    if not (external or internal):
        return []
    view = model.topology.view(svc.key)
    with_ready = {r.endpoint.node_name for r in (view.rows.values() if view else ()) if r.endpoint.is_ready}
    all_nodes = set(nodes) if nodes is not None else set(policy_nodes(model, svc.namespace))
    lacking = sorted(all_nodes - with_ready)
    if not lacking:
        return []
    ns, name = svc.key
    which = " and ".join(w for w, on in (("externalTrafficPolicy", external), ("internalTrafficPolicy", internal)) if on)
    effect = []
    if external:
        ports = "/".join(str(p.node_port) for p in svc.ports if p.node_port)
        effect.append(f"NodePort {ports + ' ' if ports else ''}connections to them are dropped")
    if internal:
        effect.append("pods on them cannot reach this Service")
    msg = f"{which} Local: {len(lacking)} of {len(all_nodes)} nodes have no ready endpoint ({'; '.join(effect)})"
    return [Finding(f"{ns}/{name}", WARNING, LOCAL_POLICY_NO_LOCAL_ENDPOINTS, msg, (
        Fact("policy", f"{which}: Local"),
        Fact("nodes_with_ready_endpoints", tuple(sorted(n for n in with_ready if n))),
        Fact("nodes_without", _capped(lacking)),
    ), (
        _slices_cmd(ns, name),
        _kubectl(ns, "get", "service", name, "-o",
                 "jsonpath={.spec.externalTrafficPolicy} {.spec.internalTrafficPolicy}"),
        _kubectl(None, "get", "nodes"),
    ))]


_LB_REASONS = {
    "kind": "kind has no load-balancer controller: run cloud-provider-kind, or use the NodePort / port-forward",
    "minikube": "minikube assigns LoadBalancer addresses only while `minikube tunnel` runs",
}


def _lb_pending(svc: Service, platform: str | None) -> Finding:
    ns, name = svc.key
    reason = _LB_REASONS.get(platform or "",
                             "no load-balancer controller has assigned an address yet (cloud provisioning takes "
                             "a minute; bare-metal clusters need one such as MetalLB)")
    node_ports = tuple(f"{p.port}:{p.node_port}/{p.protocol}" for p in svc.ports if p.node_port)
    port = svc.ports[0].port if svc.ports else 80
    return Finding(f"{ns}/{name}", INFO, LB_PENDING, f"LoadBalancer has no external address (EXTERNAL-IP <pending>): {reason}",
                   (Fact("type", svc.type), Fact("platform", platform or "unknown"), Fact("node_ports", node_ports),
                    Fact("reason", reason)),
                   (_kubectl(ns, "get", "service", name), _kubectl(ns, "describe", "service", name),
                    _kubectl(ns, "port-forward", f"svc/{name}", f"8080:{port}")))


# ---- cluster-wide ------------------------------------------------------------------------------------

def diagnose_dns(model: ClusterModel) -> list[Finding]:
    """Cluster DNS health from kube-system/kube-dns and its CoreDNS pods; nothing when kube-system
    is not in the model (not listed, or forbidden)."""
    svc = model.store.services.get(DNS_SERVICE)
    if svc is None or not model.pods_known(DNS_SERVICE[0]) or not model.listed(ENDPOINTSLICE, DNS_SERVICE[0]):
        return []
    b = _backends(model, DNS_SERVICE)
    pods = [p for p in model.topology.selected_pods(DNS_SERVICE) if p.live] if svc.has_selector else []
    not_ready = [p for p in pods if not p.ready]
    if b.ready and not not_ready:
        return []
    ns = DNS_SERVICE[0]
    ready_pods = len(pods) - len(not_ready)
    if not b.ready:
        sev = ERROR
        why = f"{ready_pods}/{len(pods)} CoreDNS pods ready" if pods else "no CoreDNS pods: scaled to 0?"
        msg = f"cluster DNS is down: kube-dns has no ready endpoints ({why}); Service names do not resolve"
    else:
        sev = WARNING
        msg = f"{len(not_ready)} of {len(pods)} CoreDNS pods not ready; DNS runs with less capacity"
    return [Finding(f"{ns}/{DNS_SERVICE[1]}", sev, DNS_UNHEALTHY, msg, (
        Fact("ready_endpoints", len(b.ready)),
        Fact("coredns_pods", _capped([f"{p.name}: {_pod_state(p)}" for p in pods])),
    ), (
        _kubectl(ns, "get", "deployment", "coredns"),
        _kubectl(ns, "get", "pods", "-l", DNS_SELECTOR, "-o", "wide"),
        _slices_cmd(ns, DNS_SERVICE[1]),
        _kubectl(ns, "logs", "-l", DNS_SELECTOR, "--tail=20"),
        _kubectl(None, "run", "-it", "--rm", "dnscheck", "--image=busybox:1.36", "--restart=Never", "--",
                 "nslookup", "kubernetes.default"),
    ))]


def service_not_found(namespace: str, name: str, services: Iterable[Key], zone: str = DEFAULT_ZONE) -> Finding:
    """`svc/NAME` asked for in a namespace that has no such Service: where it is, or what is close."""
    keys = set(services)
    elsewhere = sorted(ns for ns, n in keys if n == name and ns != namespace)
    similar = difflib.get_close_matches(name, sorted(n for ns, n in keys if ns == namespace), n=3, cutoff=0.6)
    msg = f"no Service {name} in namespace {namespace}"
    ev: list[Fact] = [Fact("namespace", namespace)]
    if elsewhere:
        other = elsewhere[0]
        msg += f"; it exists in {', '.join(elsewhere)}: from {namespace} use {name}.{other} or " \
               f"{service_fqdn(name, other, zone)}"
        ev.append(Fact("found_in_namespaces", tuple(elsewhere)))
        ev.append(Fact("names_to_use", tuple(x for o in elsewhere for x in (f"{name}.{o}", service_fqdn(name, o, zone)))))
    elif similar:
        msg += f"; did you mean {', '.join(similar)}?"
    if similar:
        ev.append(Fact("similar_names", tuple(similar)))
    cmds = [_kubectl(namespace, "get", "services"), _kubectl(None, "get", "services", "-A",
                                                             f"--field-selector=metadata.name={name}")]
    return Finding(f"{namespace}/{name}", ERROR, SERVICE_NOT_FOUND, msg, tuple(ev), tuple(cmds))


def diagnose(model: ClusterModel, namespace: str | None = None, *, nodes: Iterable[str] | None = None,
             platform: str | None = None, dns: bool = True) -> list[Finding]:
    """Every Service in `namespace` (None: all held), plus cluster DNS health; sorted worst first."""
    node_list = list(nodes) if nodes is not None else None
    index = SharedPodIndex(model)
    out: list[Finding] = []
    for key in sorted(model.store.services):
        if namespace is None or key[0] == namespace:
            out += diagnose_service(model, key, nodes=node_list, platform=platform, index=index)
    if dns:
        found = diagnose_dns(model)
        if found:
            # dns-unhealthy already says it, with the cluster-wide consequence; don't say it twice.
            out = [f for f in out if not (f.key == DNS_SERVICE and f.code in _DNS_COVERS)]
        out += found
    return sort_findings(out)


_DNS_COVERS = (SELECTOR_MATCHES_NO_PODS, NO_READY_ENDPOINTS, PODS_NOT_READY)
