"""What the tree shows for one Service, as plain row specs (Rich Text labels), built from the model.

No Textual here: the tree widget reconciles these specs with its nodes, so this module decides the
words and the tree decides only where rows go. Every string from the cluster passes `plain()` and is
appended as Text (never parsed as markup). Meaning is in signs and words; styles only repeat it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len
from rich.text import Span, Text

from svctui.model.access import FORBIDDEN, PLURAL, UNWATCHED, Gap
from svctui.model.churn import ADDED, REMOVED, ChurnEntry, Conditions
from svctui.model.churnwords import GONE, NEW, SHAKY, UNSLICED, recovery_words
from svctui.model.cluster import ClusterModel
from svctui.model.diagnose import Finding, unchecked
from svctui.model.objects import Endpoint, Key, Service, ServicePort
from svctui.model.sanitize import is_plain, plain
from svctui.model.selector import selector_summary
from svctui.model.store import ENDPOINTSLICE, SERVICE
from svctui.model.topology import EndpointRow
from svctui.model.traffic import row_tags

from . import findings as F
from .columns import Layout, middle

STEADY = " "  # the sign column of a steady ready endpoint (the other signs: model/churnwords.py)
UNKNOWN = "?"  # before what could not be read: nothing is claimed about it

S_NAME = "bold"
S_DIM = "dim"
S_NEW = "green"
S_GONE = "dim red"
S_SHAKY = "yellow"
S_WARN = "bold yellow"
S_RECOVERING = "bold yellow"
S_RECOVERED = "green"
S_OK = "green"
S_BAD = "red"

NAME_CAP = 63  # a DNS label's limit: a Service name is shown whole when the tree has the room
NAME_LEAST = 16  # what a Service name keeps when nothing else gives way
POD_LEAST = 12
# What a Service row needs after its name (status, badge, type and IP at their usual lengths): the
# name column gives up cells beyond this before any column is dropped, the same on every row.
SVC_RESERVE = 36
FLEX = -1  # cols(): the name field, cut in the middle
KEEP = 0  # cols(): always shown (the IP, the state, the badge)
# cols() ranks, dropped highest first: the spec before the health, the where before the who.
R_TAGS, R_PORTS, R_SELECTOR, R_TYPE, R_BADGE = 5, 4, 3, 2, 1
R_ZONE, R_NODE = 3, 2
R_SLICE_PORTS, R_SLICE_FAMILY = 3, 2


@dataclass(slots=True)
class Row:
    data: tuple  # identity of the row: ("svc", key) / ("slice", key, name) / ("ep", key, addr) / ...
    label: Text
    children: list[Row] = field(default_factory=list)
    expandable: bool = False
    # The label reads the clock (ages, stopwatch): repaint it on the clock tick.
    animated: bool = False


def t(*parts: tuple[str, str] | str | Text) -> Label:
    """Text from (text, style) pairs and strings, each sanitized and taken literally, and Texts whose
    text is sanitized already (made by t(), findings.badge). Built in one go (Text.append per part
    re-checks and re-strips each one: most of a repaint of 10,000 rows), and not stripped again by
    Text(): plain() has removed every control. Nearly always no part holds one: then the parts are
    checked once, joined, instead of one by one. tests/ui/test_literal.py compares it with Rich's own
    building."""
    # Told apart by exact type() for speed, which the type checker does not follow: the parts are Any here.
    items: tuple[Any, ...] = parts
    raw = [p if type(p) is str else p[0] if type(p) is tuple else p.plain for p in items]
    try:
        joined = "".join(raw)
    except TypeError:  # a part that is not a string: plain() turns it into one
        joined = None
    clean = joined is not None and is_plain(joined)
    chunks: list[str] = []
    spans: list[Span] = []
    pos = 0
    for p, s in zip(items, raw, strict=True):
        kind = type(p)
        if kind is str:
            if not clean:
                s = plain(s)
        elif kind is tuple:
            if not clean:
                s = plain(s)
            style = p[1]
            if s and style:
                spans.append(_span(Span, (pos, pos + len(s), style)))
        else:  # a Text
            if p.style:
                spans.append(_span(Span, (pos, pos + len(s), p.style)))
            if p._spans:
                spans.extend([_span(Span, (pos + a, pos + b, st)) for a, b, st in p._spans])
        if s:
            if not clean:
                chunks.append(s)
            pos += len(s)
    text = joined if clean and joined is not None else "".join(chunks)  # clean: joined is a str
    out = Label(no_wrap=True, overflow="ellipsis")
    out._text, out._length, out._spans = [text], pos, spans
    if text.isascii():
        out.cells = (pos, pos)
    else:
        out.cells = (pos, sum(len(c) if c.isascii() else cell_len(c) for c in (raw if clean else chunks) if c))
    return out


class Label(Text):
    """A Text made by t(), with its width in cells counted from its parts (short, repeated strings
    whose widths rich caches): the tree asks every line's width after each structural change."""
    __slots__ = ("cells", "layout")  # (length, cells) when made; an append since changes the length
    cells: tuple[int, int]
    layout: Layout  # set by cols(): which parts give way when the row is too wide (columns.fit)

    def cell_width(self) -> int:
        cells = getattr(self, "cells", None)  # unset on a copy rich made through Label()
        return cells[1] if cells is not None and cells[0] == self._length else self.cell_len


_span = tuple.__new__  # Span is a NamedTuple: built without its Python-level __new__


def secs(s: float) -> str:
    return f"{max(0, int(s))}s"


def ip_sort_key(addr: str) -> tuple:
    try:
        ip = ipaddress.ip_address(addr)
        return (ip.version, int(ip), addr)
    except ValueError:
        return (9, 0, addr)


def plural(n: int, word: str, many: str | None = None) -> str:
    """1 endpoint, 2 endpoints: "1 endpoints" reads as a bug to an audience."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


Piece = tuple[Text, int] | tuple[Text, int, Text]


def cols(*pieces: Piece, least: int = POD_LEAST, reserve: int = 0) -> Label:
    """One label from (part, rank[, short]) columns, each part made by t() with its leading separator:
    KEEP parts always show, the FLEX part is the name field, the others drop at narrow widths (or
    become `short`)."""
    label = t(*(p[0] for p in pieces))
    drops: list[tuple[int, int, int, Text | None]] = []
    flex = None
    pos = 0
    for piece in pieces:
        part, rank = piece[0], piece[1]
        end = pos + len(part.plain)
        if rank == FLEX:
            flex = (pos, end, least)
        elif rank > KEEP and end > pos:
            drops.append((pos, end, rank, piece[2] if len(piece) > 2 else None))
        pos = end
    label.layout = Layout(tuple(drops), flex, reserve)
    return label


def short_pod(name: str | None, limit: int = 22) -> str:
    """nginx-deployment-7c5b8f4d9-abc12 → nginx-…-abc12: the head says what, the tail which one."""
    if not name:
        return "(no pod)"
    if len(name) <= limit:
        return name
    parts = name.split("-")
    if len(parts) >= 3:
        s = f"{parts[0]}-…-{parts[-1]}"
        if len(s) <= limit:
            return s
    return name[: limit - 1] + "…"


# ---- Service ------------------------------------------------------------------------------------

def port_text(p: ServicePort, svc: Service) -> str:
    target = p.port if p.target_port is None else p.target_port
    node = f":{p.node_port}" if p.node_port and svc.type in ("NodePort", "LoadBalancer") else ""
    return f"{p.port}{node}→{target}/{p.protocol or 'TCP'}"


def ports_text(svc: Service) -> str:
    return ",".join(port_text(p, svc) for p in svc.ports) or "no ports"


def type_text(svc: Service) -> str:
    if svc.headless and svc.type == "ClusterIP":
        return "Headless"
    return svc.type


def address_text(svc: Service) -> str:
    if svc.type == "ExternalName":
        return f"→ {svc.external_name or '?'}"
    if svc.headless:
        return "None"
    if svc.type == "LoadBalancer":
        ext = ",".join(svc.lb_ingress + svc.external_ips)
        return f"{svc.cluster_ip or '-'} {ext or '<pending>'}"
    if svc.external_ips:
        return f"{svc.cluster_ip or '-'} {','.join(svc.external_ips)}"
    return svc.cluster_ip or "-"


def service_status(model: ClusterModel, key: Key, now: float) -> tuple[Text, bool]:
    """The ready count, or the recovery badge that replaces it (it repeats the count)."""
    view = model.topology.view(key)
    sw = model.ledger.stopwatch(key)
    counts = view.counts if view else None
    ready, total = (counts.ready, counts.total) if counts else (0, 0)
    if sw is not None and sw.episode is not None:
        ep = sw.episode
        return t((f"⟳ recovering {ep.elapsed(now):.1f}s ({ready}/{ep.steady} ready)", S_RECOVERING)), True
    scaling = sw.scaling_text() if sw is not None else None
    if scaling is not None:
        # A deliberate scale (spec.replicas changed): progress in the intent's terms, not a recovery.
        done = sw is not None and sw.scaling is not None and sw.scaling.ended is not None
        return t((f"⇅ {scaling}", S_RECOVERED if done else S_SHAKY)), False
    if sw is not None and sw.last is not None:
        style = S_RECOVERED if ready >= sw.last.steady else S_SHAKY
        last = sw.last
        word = recovery_words(last.outcome, last.steady)
        return t((f"⟲ {word} {last.seconds:.1f}s ({ready}/{last.steady} ready)", style)), False
    style = S_OK if total and ready == total else (S_BAD if not ready else S_SHAKY)
    return t((f"{ready}/{total} ready", style if total else S_DIM)), False


def service_label(model: ClusterModel, svc: Service | None, key: Key, now: float, name_width: int,
                  findings: Sequence[Finding] = ()) -> tuple[Text, bool]:
    name = middle(plain(key[1]), NAME_CAP)
    head = (t((name.ljust(name_width), S_NAME)), FLEX)
    gaps = unchecked(model, key)

    def row(*pieces: Piece) -> Label:
        return cols(head, *pieces, least=NAME_LEAST, reserve=SVC_RESERVE)

    if svc is None:
        if model.listed(SERVICE, key[0]):
            return row((t("  ", ("(Service gone; slices remain)", S_WARN)), KEEP)), False
        gap = next((g for g in gaps if g.kind == SERVICE), None)
        if gap is not None:
            return row((t("  ", gap_text(gap)), KEEP)), False
        return row((t("  ", ("(Service not listed yet)", S_DIM)), KEEP)), False
    animated = False
    parts: list[Piece] = []
    status: Text
    if svc.type == "ExternalName":
        status = t(("CNAME", S_DIM))
    elif any(g.kind == ENDPOINTSLICE for g in gaps):
        # A ready count of unreadable slices would be a claim ("0/0 ready"): say why there is none.
        status = gap_text(next(g for g in gaps if g.kind == ENDPOINTSLICE))
        gaps = [g for g in gaps if g.kind != ENDPOINTSLICE]
    elif not model.listed(ENDPOINTSLICE, key[0]):
        status = t(("EndpointSlices not listed yet", S_DIM))  # not "0/0 ready": nothing is known yet
    else:
        status, animated = service_status(model, key, now)
    parts.append((t("  ", status), KEEP))
    if findings:
        # Right after the status, so it survives 80 columns: health first, then the spec.
        # At a narrow width it keeps its mark and says how many (the rows below give the words).
        parts.append((t("  ", F.badge(findings)), R_BADGE, t("  ", F.badge_short(findings))))
    for g in gaps:
        parts.append((t("  ", gap_text(g)), KEEP))
    parts += [(t("  "), KEEP), (t(type_text(svc), " "), R_TYPE), (t(address_text(svc)), KEEP)]
    if svc.type != "ExternalName":
        parts += [(t("  ", ports_text(svc)), R_PORTS), (t("  ", (selector_summary(svc.selector), S_DIM)), R_SELECTOR)]
    tags = row_tags(svc)
    if tags:
        parts.append((t("  ", (tags, S_DIM)), R_TAGS))
    return row(*parts), animated


def gap_text(gap: Gap) -> Text:
    return t((f"{UNKNOWN} {gap.text}", S_WARN))


def namespace_gaps(model: ClusterModel, ns: str) -> str:
    """`not permitted to list EndpointSlices, Pods`: what the namespace's rows cannot show."""
    gaps = model.access.gaps(ns)
    refused = [PLURAL[g.kind] for g in gaps if g.state == FORBIDDEN]
    unwatched = [PLURAL[g.kind] for g in gaps if g.state != FORBIDDEN]
    parts = []
    if refused:
        parts.append(f"not permitted to list {', '.join(refused)}")
    if unwatched:
        parts.append(f"{', '.join(unwatched)} not watched (not permitted in all namespaces)")
    return "; ".join(parts)


# ---- endpoints ---------------------------------------------------------------------------------

def state_words(c: Conditions) -> str:
    return c.label


def endpoint_label(model: ClusterModel, key: Key, row: EndpointRow, new_age: float | None,
                   reused_from: str | None) -> Text:
    ep = row.endpoint
    c = Conditions.of(ep)
    if c.terminating or not c.ready:
        sign, style = SHAKY, S_SHAKY
    elif new_age is not None:
        sign, style = NEW, S_NEW
    else:
        sign, style = STEADY, ""
    pod_name = ep.target_name
    if pod_name is None and ep.targets_pod:
        pod, _ = model.topology.pod_for(key[0], ep)
        pod_name = pod.name if pod else None
    # State and age first, then who, then where: at 80 columns the zone and node give way, then the
    # pod name is cut in the middle; the words that carry the meaning stay.
    head = t((sign, style), " ", (row.address.ljust(15), style), " ", (state_words(c).ljust(11), style),
             " ", ((f"new {secs(new_age)}" if new_age is not None else "").ljust(7), S_NEW), " ")
    pieces = [(head, KEEP), (t(pod_name or "(no pod)"), FLEX), (t("  ", (ep.node_name or "-", S_DIM)), R_NODE)]
    if ep.zone:
        pieces.append((t(" ", (ep.zone, S_DIM)), R_ZONE))
    if reused_from:
        pieces.append((t("  ", (f"reused: was {reused_from}", S_WARN)), KEEP))
    return cols(*pieces)


def ghost_label(e: ChurnEntry, now: float) -> Text:
    head = t((GONE, S_GONE), " ", (e.address.ljust(15), S_GONE), " ", ("gone".ljust(11), S_GONE),
             " ", (f"{secs(now - e.time)} ago".ljust(7), S_GONE), " ")
    return cols((head, KEEP), (t((e.pod or "(no pod)", S_GONE)), FLEX), (t("  ", (e.node or "-", S_GONE)), R_NODE))


def endpoint_ports_text(ports) -> str:
    out = []
    for p in ports:
        n = f"{p.name} " if p.name else ""
        out.append(f"{n}{p.port if p.port is not None else '*'}/{p.protocol or 'TCP'}")
    return ", ".join(out) or "no ports"


# ---- one Service's rows ------------------------------------------------------------------------

def _reuse_map(model: ClusterModel, key: Key) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in model.ledger.entries(key):
        if e.change == ADDED:
            if e.reused_from:
                out[e.address] = e.reused_from
            else:
                out.pop(e.address, None)
    return out


def service_row(model: ClusterModel, key: Key, now: float, name_width: int,
                findings: Sequence[Finding] = ()) -> Row | None:
    """`findings`: what to show for this Service (the app's FindingsTracker decides, grace included)."""
    view = model.topology.view(key)
    svc = model.store.services.get(key)
    if svc is None and view is None:
        return None
    label, animated = service_label(model, svc, key, now, name_width, findings)
    row = Row(("svc", key), label, expandable=True, animated=animated)
    new = model.ledger.new_endpoints(key, now)
    ghosts = model.ledger.ghosts(key, now)
    reused = _reuse_map(model, key) if new else {}
    if new or ghosts:
        row.animated = True
    # The findings first, one line each with the whole message: the badge only names the worst.
    row.children.extend(Row(("note", key, "finding", i), F.line(f)) for i, f in enumerate(findings))
    slices = _readable_slices(model, key)
    ghost_home: dict[str, Row] = {}
    for sl in slices:
        rows = [r for r in (view.rows.values() if view else ()) if r.slice_name == sl.name]
        ready = sum(1 for r in rows if r.endpoint.is_ready)
        slabel = cols((t(sl.name), FLEX), (t("  ", (sl.address_type, S_DIM)), R_SLICE_FAMILY),
                      (t("  ", endpoint_ports_text(sl.ports)), R_SLICE_PORTS),
                      (t("  ", (f"{plural(len(sl.endpoints), 'endpoint')}, {ready} ready", S_DIM)), KEEP))
        srow = Row(("slice", key, sl.name), slabel, expandable=True)
        for r in sorted(rows, key=lambda r: ip_sort_key(r.address)):
            age = new.get(r.key)
            srow.children.append(Row(("ep", key, r.address), endpoint_label(model, key, r, age, reused.get(r.key))))
        ghost_home.setdefault(sl.address_type, srow)
        row.children.append(srow)
    # Oldest first; removals in one instant by address, so arrival batching does not reorder them.
    for g in sorted(ghosts, key=lambda g: (g.time, ip_sort_key(g.address))):
        g_row = Row(("ghost", key, g.address), ghost_label(g, now), animated=True)
        home = ghost_home.get(g.address_type)
        (home.children if home is not None else row.children).append(g_row)
    if svc is not None:
        row.children.extend(_notes(model, svc, key))
    if not row.children:
        row.expandable = False
    return row


def service_head(model: ClusterModel, key: Key, now: float, name_width: int,
                 findings: Sequence[Finding] = ()) -> Row | None:
    """The Service row alone, for a Service whose children are not on screen (collapsed): the same
    label and `expandable` as `service_row`, without building a row per endpoint. `animated` only
    says whether the label itself reads the clock (the children's ages are not shown)."""
    view = model.topology.view(key)
    svc = model.store.services.get(key)
    if svc is None and view is None:
        return None
    label, animated = service_label(model, svc, key, now, name_width, findings)
    return Row(("svc", key), label, expandable=service_row_count(model, key, now, findings, 1) > 1,
               animated=animated)


def service_row_count(model: ClusterModel, key: Key, now: float, findings: Sequence[Finding] = (),
                      limit: int | None = None) -> int:
    """row_count(service_row(...)) without building the rows (0: no such Service); the count may stop
    early once it exceeds `limit`."""
    view = model.topology.view(key)
    svc = model.store.services.get(key)
    if svc is None and view is None:
        return 0
    slices = _readable_slices(model, key)
    n = 1 + len(findings) + len(slices) + (len(view.rows) if view and slices else 0)
    if limit is not None and n > limit:
        return n
    n += len(model.ledger.ghosts(key, now))
    if limit is not None and n > limit:
        return n
    if svc is not None:
        n += len(_notes(model, svc, key))
    return n


def _readable_slices(model: ClusterModel, key: Key) -> list:
    """The Service's slices, none while they are refused: what was listed before a refusal (a role
    revoked mid-run) would never be updated again, and must not pass for the current endpoints."""
    if model.access.any_refused and model.access.state(ENDPOINTSLICE, key[0]) in (FORBIDDEN, UNWATCHED):
        return []
    return model.topology.slices(key)


def _notes(model: ClusterModel, svc: Service, key: Key) -> list[Row]:
    notes: list[Row] = []
    for g in unchecked(model, key):
        # One line each: what could not be read, and which of the doctor's checks that skips.
        notes.append(Row(("note", key, "gap", g.kind),
                         t((f"{UNKNOWN} {g.text}: ", S_WARN), (f"{g.skipped} skipped", S_DIM))))
    if svc.type == "ExternalName":
        notes.append(Row(("note", key, "cname"), t(("DNS answers with a CNAME to ", S_DIM),
                                                   svc.external_name or "?", (": no endpoints, no proxying", S_DIM))))
        return notes
    if svc.selector is None and model.topology.slices(key):
        notes.append(Row(("note", key, "noselector"),
                         t(("no selector: EndpointSlices are managed by someone else", S_DIM))))
    if model.pods_known(svc.namespace) and svc.has_selector:
        for pod in model.topology.unsliced_pods(key):
            why = pod.phase + (", deleting" if pod.deleting else "") + ("" if pod.ips else ", no IP yet")
            notes.append(Row(("pod", key, pod.name),
                             cols((t((UNSLICED, S_SHAKY), " ", ("(no endpoint)".ljust(15), S_SHAKY), " ",
                                     (f"in no slice ({why})", S_SHAKY), " "), KEEP),
                                  (t(pod.name), FLEX), (t("  ", (pod.node_name or "-", S_DIM)), R_NODE))))
    return notes


def row_count(row: Row) -> int:
    return 1 + sum(row_count(c) for c in row.children)


def matches(model: ClusterModel, key: Key, needle: str) -> bool:
    """The filter: name, namespace, IPs, selector and label text, pod and node names."""
    if not needle:
        return True
    n = needle.lower()
    hay = [key[0], key[1], f"{key[0]}/{key[1]}"]
    svc = model.store.services.get(key)
    if svc is not None:
        hay += [svc.cluster_ip or "", svc.external_name or "", svc.type, *svc.external_ips, *svc.lb_ingress]
        hay += [f"{k}={v}" for k, v in (svc.selector or ())] + [f"{k}={v}" for k, v in svc.labels]
    view = model.topology.view(key)
    if view is not None:
        for r in view.rows.values():
            ep: Endpoint = r.endpoint
            hay += [*ep.addresses, ep.target_name or "", ep.node_name or ""]
    return any(n in plain(h).lower() for h in hay)


def timeline_line(e: ChurnEntry, with_namespace: bool, clock_text, name_width: int = 0,
                  names: str | None = None) -> Text:
    """`names`: every Service the change touched (model.timeline), instead of the entry's own."""
    if names is None:
        names = f"{e.service[0]}/{e.service[1]}" if with_namespace else e.service[1]
    svc = middle(names, name_width).ljust(name_width) if name_width else names
    style = {ADDED: S_NEW, REMOVED: S_GONE}.get(e.change, S_SHAKY)
    return t((clock_text(e.time), S_DIM), "  ", (svc, S_NAME), "  ", (e.sign, style), " ",
             (e.address.ljust(12), style), " ", short_pod(e.pod), " ", (f"({e.what})", style))
