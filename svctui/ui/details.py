"""The details pane's text for the selected row: what Kubernetes derives from this Service (DNS names,
ports per pod, selector vs labels, env vars) and the kubectl commands that show the same thing."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from svctui.model import dnsnames, traffic
from svctui.model.access import Gap
from svctui.model.churn import Conditions
from svctui.model.cluster import ClusterModel
from svctui.model.diagnose import Finding, unchecked
from svctui.model.livefindings import GRACE, FindingsTracker
from svctui.model.objects import Key, Pod, Service
from svctui.model.ports import resolve_target_port
from svctui.model.readyhistory import sparkline
from svctui.model.selector import selector_summary, selector_text
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

from . import findings as F
from .rows import S_DIM, S_NAME, S_OK, S_SHAKY, S_WARN, address_text, ports_text, secs, t, type_text

H = "bold underline"


def _head(out: list[Text], title: str) -> None:
    out.append(Text(""))
    out.append(t((title, H)))


def _kv(k: str, v: str, style: str = "") -> Text:
    return t(("  " + k, S_DIM), "  ", (v, style))


def for_selection(model: ClusterModel, data: tuple | None, now: float,
                  findings: FindingsTracker | None = None) -> Text:
    """`findings`: the app's live findings (what the tree shows), for the Findings section."""
    if data is None:
        return Text("Nothing selected. Move with j/k or the arrows; enter opens a row.")
    kind = data[0]
    if kind == "ns":
        return _namespace(model, data[1])
    key: Key = data[1]
    fs = (findings.shown(key, now), findings.held_for(key, now)) if findings is not None else None
    if kind in ("svc", "slice", "note"):
        return _join(_service(model, key, data[2] if kind == "slice" else None, fs=fs, now=now))
    if kind == "ep":
        return _join(_endpoint(model, key, data[2]) + _service(model, key, None, brief=True, fs=fs))
    if kind == "ghost":
        return _join(_ghost(model, key, data[2], now) + _service(model, key, None, brief=True, fs=fs))
    if kind == "pod":
        pod = model.store.pods.get((key[0], data[2]))
        return _join(_pod(model, key, pod) + _service(model, key, None, brief=True, fs=fs))
    return Text("")


def _findings(out: list[Text], found: Sequence[Finding], held: float | None, brief: bool,
              partial: bool = False) -> None:
    """Each finding: mark, severity and code, the message, its evidence, the kubectl that confirms it.
    `partial`: some of the data was not readable, so "none" is only about what was."""
    _head(out, "Findings")
    if not found:
        out.append(t(("  none in what could be read (see Not readable)", S_DIM)) if partial
                   else t(("  ✔ none", S_OK)))
    for f in found:
        if brief:
            out.append(t("  ", (F.mark(f), F.style(f)), " ", f.message))
            continue
        out.append(t("  ", (f"{F.mark(f)} {f.severity}", F.style(f)), "  ", (f"[{f.code}]", S_DIM)))
        out.append(t("    ", f.message))
        for ev in f.evidence_lines():
            out.append(t(("    " + ev, S_DIM)))
        if f.kubectl:
            out.append(t(("    confirm with:", S_DIM)))
            out += [t("      ", c) for c in f.kubectl]
    if held is not None:
        out.append(t(("  readiness trouble for ", S_DIM), f"{held:.1f}s",
                     (f": reported as a finding if it lasts {GRACE:g}s (a normal restart recovers sooner)",
                      S_DIM)))


CHART_SPAN = 120.0  # seconds the ready chart covers: a pod deletion's dip and recovery, with room around
CHART_WIDTH = 40  # characters (3 s each): with its label and numbers, well inside 80 columns


def _ready_chart(model: ClusterModel, key: Key, now: float) -> Text:
    """Ready endpoints over the last CHART_SPAN seconds, scaled to the steady count."""
    values = model.ledger.ready.series(key, now, CHART_SPAN, CHART_WIDTH)
    known = [v for v in values if v is not None]
    top = max(model.ledger.steady(key) or 0, max(known, default=0))
    low = min(known, default=0)
    style = S_DIM if not top else (S_OK if low >= top else S_SHAKY)  # 0/0 is no endpoints, not health
    return t(("ready ", S_DIM), (sparkline(values, top), style),
             # Now is the latest count: the last bar is its bucket's lowest, which may be the dip.
             (f"  {model.ledger.ready.latest(key) or 0}/{top} (low {low}, last {CHART_SPAN:g}s)", S_DIM))


def _gaps(out: list[Text], gaps: Sequence[Gap]) -> None:
    """What could not be read: in place of the findings that would have come from it."""
    if not gaps:
        return
    _head(out, "Not readable")
    for g in gaps:
        out.append(t("  ", (f"? {g.text}", S_WARN)))
        out.append(t(("    not checked: ", S_DIM), (g.skipped, S_DIM)))


def _join(lines: list[Text]) -> Text:
    return Text("\n").join(lines)


def _namespace(model: ClusterModel, ns: str) -> Text:
    keys = sorted(k for k in model.topology.service_keys() if k[0] == ns)
    lines: list[Text] = [t(("namespace ", S_DIM), (ns, S_NAME), f"  {len(keys)} Service(s)")]
    _gaps(lines, model.access.gaps(ns))
    _head(lines, "kubectl")
    lines += [t("  ", c) for c in (f"kubectl get svc -n {ns} -o wide",
                                   f"kubectl get endpointslices -n {ns}",
                                   f"kubectl get pods -n {ns} -o wide")]
    return _join(lines)


def _service(model: ClusterModel, key: Key, slice_name: str | None, brief: bool = False,
             fs: tuple[Sequence[Finding], float | None] | None = None, now: float | None = None) -> list[Text]:
    ns, name = key
    svc = model.store.services.get(key)
    out: list[Text] = []
    gaps = unchecked(model, key)
    if svc is None:
        if any(g.kind == SERVICE for g in gaps):
            out.append(t(("Service ", S_DIM), (f"{ns}/{name}", S_NAME), ("  (not readable; its EndpointSlices are "
                                                                        "shown)", S_WARN)))
        elif not model.listed(SERVICE, ns):
            out.append(t(("Service ", S_DIM), (f"{ns}/{name}", S_NAME), ("  (not listed yet)", S_DIM)))
        else:
            out.append(t(("Service ", S_DIM), (f"{ns}/{name}", S_NAME),
                         ("  (gone; its EndpointSlices remain)", S_WARN)))
        _gaps(out, gaps)
        return out
    if brief:
        _head(out, f"Service {ns}/{name}")
    else:
        out.append(t(("Service ", S_DIM), (f"{ns}/{name}", S_NAME), "  ", type_text(svc), " ", address_text(svc),
                     "  ", ports_text(svc)))
    _gaps(out, gaps)
    if now is not None and svc.type != "ExternalName":
        out.append(_ready_chart(model, key, now))
    if fs is not None and (fs[0] or fs[1] is not None or not brief):
        _findings(out, fs[0], fs[1], brief, partial=bool(gaps))
    view = model.topology.view(key)
    # DNS
    _head(out, "DNS names")
    names = dnsnames.service_names(svc)
    for n in names.all():
        out.append(t("  ", n))
    for srv in dnsnames.srv_names(svc):
        out.append(t(("  SRV ", S_DIM), srv))
    if svc.type == "ExternalName":
        out.append(t(("  CNAME → ", S_DIM), svc.external_name or "?"))
    if svc.headless and any(g.kind == ENDPOINTSLICE for g in gaps):
        out.append(t(("  per pod (headless): not known, its EndpointSlices cannot be read", S_DIM)))
    elif svc.headless:
        eps = [r.endpoint for r in view.rows.values()] if view else []
        pods = dnsnames.pod_names(svc, eps)
        if pods:
            out.append(t(("  per pod (headless):", S_DIM)))
            for p in pods:
                out.append(t("    ", p.name, " → ", ", ".join(p.addresses),
                             ("" if p.published else "  (not published: not ready)", S_WARN)))
        else:
            out.append(t(("  headless: the name answers with the ready endpoint IPs, one A record each", S_DIM)))
    if brief:
        return out
    # Ports
    if svc.type != "ExternalName":
        _head(out, "Ports (targetPort per pod)")
        selected = model.topology.selected_pods(key) if svc.has_selector else []
        for sp in svc.ports:
            pname = f" ({sp.name})" if sp.name else ""
            tp = sp.port if sp.target_port is None else sp.target_port
            node = f"  nodePort {sp.node_port}" if sp.node_port else ""
            out.append(t("  ", f"{sp.port}/{sp.protocol}{pname} → targetPort {tp}{node}"))
            for pod in selected[:10]:
                cp = resolve_target_port(sp, pod)
                res = (f"{pod.pod_ip or '<no IP>'}:{cp}", S_OK) if cp is not None else \
                    (f"unresolved: no container port named {tp!r}", S_WARN)
                out.append(t("      ", (pod.name, S_DIM), " → ", res))
            if len(selected) > 10:
                out.append(t(("      … and ", S_DIM), str(len(selected) - 10), (" more pods", S_DIM)))
        # Selector
        _head(out, "Selector vs pod labels")
        out.append(t(("  selector  ", S_DIM), selector_summary(svc.selector)))
        if svc.has_selector:
            out += _selector_report(model, svc)
    spread = traffic.lines(svc)
    if spread:
        _head(out, "Traffic")
        out += [_kv(k, v) for k, v in spread]
    if slice_name:
        sl = next((s for s in model.topology.slices(key) if s.name == slice_name), None)
        if sl is not None:
            _head(out, f"EndpointSlice {slice_name}")
            out.append(_kv("addressType", sl.address_type))
            out.append(_kv("managed by", sl.managed_by or "-"))
            for ep in sl.endpoints:
                c = Conditions.of(ep)
                hint = traffic.hint_text(ep)
                out.append(t("    ", ", ".join(ep.addresses), "  ", (ep.target_name or "-", S_DIM), "  ", c.label,
                             ("  hint: " if hint else "", S_DIM), hint or ""))
    # Env
    env = dnsnames.env_vars(svc)
    if env:
        _head(out, f"Env vars in pods of {ns} started after the Service")
        for k, v in env:
            out.append(t("  ", k, ("=", S_DIM), (v, S_DIM)))
    # Recovery
    sw = model.ledger.stopwatch(key)
    if sw is not None and sw.last is not None:
        r = sw.last
        _head(out, "Last recovery")
        out.append(t("  ", r.text))
        if r.first_replacement is not None:
            out.append(t(("  first new IP after ", S_DIM), f"{r.first_replacement - r.started:.1f}s"))
        if r.replacement_ready is not None:
            out.append(t(("  first new IP ready after ", S_DIM), f"{r.replacement_ready - r.started:.1f}s"))
    # kubectl
    _head(out, "kubectl")
    cmds = [f"kubectl get svc {name} -n {ns} -o wide",
            f"kubectl describe svc {name} -n {ns}",
            f"kubectl get endpointslices -l kubernetes.io/service-name={name} -n {ns}",
            f"kubectl get endpointslices -l kubernetes.io/service-name={name} -n {ns} -w"]
    if svc.has_selector:
        cmds.append(f"kubectl get pods -l {selector_text(svc.selector or ())} -n {ns} -o wide")
    for cmd in cmds:
        out.append(t("  ", cmd))
    return out


def _selector_report(model: ClusterModel, svc: Service) -> list[Text]:
    out: list[Text] = []
    selected = model.topology.selected_pods(svc.key)
    if selected:
        for pod in selected[:10]:
            labels = selector_text(pod.labels)
            out.append(t(("  ✓ ", S_OK), pod.name, "  ", (labels, S_DIM)))
        if len(selected) > 10:
            out.append(t(("  … and ", S_DIM), str(len(selected) - 10), (" more", S_DIM)))
        return out
    if not model.pods_known(svc.namespace):
        gap = next((g for g in unchecked(model, svc.key) if g.kind == POD), None)
        out.append(t((f"  ? {gap.text}", S_WARN)) if gap else t(("  pods of this namespace are not listed yet", S_DIM)))
        return out
    out.append(t(("  ✗ no pod in ", S_WARN), svc.namespace, (" has all of these labels", S_WARN)))
    pods = [p for p in model.store.pods.values() if p.namespace == svc.namespace]
    for k, v in svc.selector or ():
        values = sorted({got for p in pods if (got := dict(p.labels).get(k)) is not None})
        if values:
            out.append(t(("    pods have ", S_DIM), k, ("=", S_DIM), ", ".join(values),
                         ("  (selector wants ", S_DIM), v, (")", S_DIM)))
        else:
            out.append(t(("    no pod has the label key ", S_DIM), k))
    return out


def _pod(model: ClusterModel, key: Key, pod: Pod | None) -> list[Text]:
    out: list[Text] = []
    if pod is None:
        out.append(t(("pod not in the cache", S_WARN)))
        return out
    out.append(t(("Pod ", S_DIM), (f"{pod.namespace}/{pod.name}", S_NAME), "  ", pod.phase,
                 ("  deleting" if pod.deleting else "", S_WARN), "  ", "ready" if pod.ready else "not ready"))
    out.append(_kv("IPs", ", ".join(pod.ips) or "none yet"))
    out.append(_kv("node", pod.node_name or "-"))
    out.append(_kv("restarts", str(pod.restarts)))
    if pod.owner_kind:
        out.append(_kv("owner", f"{pod.owner_kind}/{pod.owner_name}"))
    out.append(_kv("labels", selector_text(pod.labels) or "none"))
    svc = model.store.services.get(key)
    if svc is not None and svc.ports:
        for p in svc.ports:
            cp = resolve_target_port(p, pod)
            tp = p.port if p.target_port is None else p.target_port
            out.append(_kv(f"port {p.port}", f"targetPort {tp} → " + (str(cp) if cp is not None else "unresolved")))
    _head(out, "kubectl")
    for c in (f"kubectl get pod {pod.name} -n {pod.namespace} -o wide",
              f"kubectl describe pod {pod.name} -n {pod.namespace}",
              f"kubectl delete pod {pod.name} -n {pod.namespace}"):
        out.append(t("  ", c))
    return out


def _endpoint(model: ClusterModel, key: Key, address: str) -> list[Text]:
    view = model.topology.view(key)
    row = view.rows.get(address) if view else None
    if row is None:
        return [t(("endpoint ", S_DIM), address, ("  (no longer listed)", S_WARN))]
    ep = row.endpoint
    out: list[Text] = [t(("Endpoint ", S_DIM), (address, S_NAME), "  ", Conditions.of(ep).label,
             ("  in slice ", S_DIM), row.slice_name)]
    out.append(_kv("conditions", f"ready={ep.ready} serving={ep.serving} terminating={ep.terminating}"))
    if ep.hostname:
        out.append(_kv("hostname", ep.hostname))
    if ep.zone:
        out.append(_kv("zone", ep.zone))
    hint = traffic.hint_text(ep)
    if hint:
        out.append(_kv("hint", hint))
    pod, how = model.topology.pod_for(key[0], ep)
    if ep.target_kind and ep.target_kind != "Pod":
        out.append(_kv("targetRef", f"{ep.target_kind}/{ep.target_name}"))
    elif pod is None:
        out.append(_kv("pod", f"{ep.target_name or '?'} (not in the cache)"))
    else:
        out.append(Text(""))
        out += _pod(model, key, pod)
        if how == "ip":
            out.append(t(("  (pod found by IP: the endpoint has no targetRef)", S_DIM)))
    return out


def _ghost(model: ClusterModel, key: Key, address: str, now: float) -> list[Text]:
    g = next((e for e in model.ledger.ghosts(key, now) if e.address == address), None)
    if g is None:
        return [t(("endpoint ", S_DIM), address, ("  (gone)", S_DIM))]
    out: list[Text] = [t(("Gone ", S_DIM), (address, S_NAME), "  ", f"{secs(now - g.time)} ago",
             ("  was ", S_DIM), g.pod or "(no pod)", ("  last seen ", S_DIM), g.conditions.label)]
    if g.age is not None:
        out.append(_kv("lived", f"{g.age:.1f}s in the slices"))
    if g.pod:
        out.append(_kv("events", f"kubectl get events -n {key[0]} --field-selector involvedObject.name={g.pod}"))
    return out
