"""Cluster DNS without a pod: the resolver's search-path walk, asked of CoreDNS itself.

A pod in namespace NS resolves a name through `search NS.svc.<zone> svc.<zone> <zone>` with `ndots:5`
(model/dnsnames.py). We port-forward to a ready CoreDNS pod's TCP 53 (k8s-app=kube-dns in kube-system)
and send each candidate the pod would try, over DNS-over-TCP with dnspython, so every step shows its rcode
and answers: A/AAAA (ClusterIP, or one per ready pod when headless), SRV for `_port._proto.` names,
CNAME for ExternalName (followed, as the pod's resolver would).

When port-forward is forbidden (RBAC on pods/portforward, or listing kube-system pods), the same walk
runs as `nslookup` in a debug pod in NS, and the result says so.
"""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
from kubernetes_asyncio.client import ApiClient

from ..model.dnsnames import DEFAULT_ZONE, NDOTS, candidates, search_path
from .api import ApiError, get_json
from .debugpod import DebugPodError, DebugSession
from .exec import ExecError
from .portforward import Forward, PortForwardError, open_forward, recv_exact
from .transport import KubeApiClient

DNS_NAMESPACE = "kube-system"
DNS_SELECTOR = "k8s-app=kube-dns"
ADDRESS_TYPES = ("A", "AAAA")
MAX_CNAME_HOPS = 8


class DnsError(Exception):
    """The walk could not be made at all (no cluster DNS to ask, no way to reach it)."""


@dataclass(frozen=True)
class Record:
    type: str
    name: str
    value: str  # address, target name, or "prio weight port target" for SRV

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


@dataclass
class Answer:
    qtype: str
    rcode: str  # NOERROR, NXDOMAIN, SERVFAIL, ... or TIMEOUT
    records: list[Record] = field(default_factory=list)


@dataclass
class Step:
    name: str  # the fully qualified name asked (no trailing dot)
    answers: list[Answer] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        # A CNAME comes back once per asked type: show it once.
        return list(dict.fromkeys(r for a in self.answers for r in a.records))

    @property
    def found(self) -> bool:
        return any(a.rcode == "NOERROR" and a.records for a in self.answers)

    @property
    def rcode(self) -> str:
        codes = [a.rcode for a in self.answers]
        if "NOERROR" in codes:
            return "NOERROR"
        return codes[0] if codes else "NOANSWER"


@dataclass
class Walk:
    name: str
    namespace: str
    qtypes: tuple[str, ...]
    search: tuple[str, ...]
    ndots: int
    steps: list[Step]  # the candidates asked, in order, up to the first that answered
    chain: list[Step] = field(default_factory=list)  # CNAME targets followed from the answering step
    via: str = ""
    fallback: str | None = None  # why the debug pod was used instead of port-forward

    @property
    def answer(self) -> Step | None:
        return next((s for s in self.steps if s.found), None)

    @property
    def final_records(self) -> list[Record]:
        last = self.chain[-1] if self.chain else self.answer
        if last is None:
            return []
        return [r for r in last.records if r.type in (*ADDRESS_TYPES, "SRV")]

    @property
    def resolved(self) -> bool:
        return bool(self.final_records)


def wanted_types(name: str) -> tuple[str, ...]:
    """SRV for `_port._proto.…`, else what getaddrinfo asks: A and AAAA."""
    labels = name.strip(".").split(".")
    if len(labels) >= 3 and labels[0].startswith("_") and labels[1] in ("_tcp", "_udp", "_sctp"):
        return ("SRV",)
    return ADDRESS_TYPES


def _records(msg: dns.message.Message) -> list[Record]:
    out = []
    for rrset in msg.answer:
        owner = rrset.name.to_text(omit_final_dot=True)
        t = dns.rdatatype.to_text(rrset.rdtype)
        for rd in rrset:
            if t in ADDRESS_TYPES:
                value = rd.address
            elif t == "CNAME":
                value = rd.target.to_text(omit_final_dot=True)
            elif t == "SRV":
                value = f"{rd.priority} {rd.weight} {rd.port} {rd.target.to_text(omit_final_dot=True)}"
            else:
                value = rd.to_text()
            out.append(Record(t, owner, value))
    return out


# ---- asking CoreDNS through a port-forward (blocking; run in a thread) ----

class ForwardedResolver:
    """DNS over TCP through one port-forward connection; queries are sent one after the other on it."""

    def __init__(self, fwd: Forward, timeout: float = 3.0):
        self.fwd = fwd
        self.timeout = timeout

    def query(self, name: str, qtype: str) -> Answer:
        sock = self.fwd.socket
        wire = dns.message.make_query(name + ".", qtype).to_wire()
        try:
            sock.sendall(struct.pack("!H", len(wire)) + wire)
            n = struct.unpack("!H", recv_exact(sock, 2))[0]
            reply = dns.message.from_wire(recv_exact(sock, n))
        except (TimeoutError, OSError, ConnectionError) as exc:
            why = self.fwd.error()
            if why:
                raise DnsError(f"port-forward to CoreDNS failed: {why.strip()}") from None
            if isinstance(exc, TimeoutError):
                return Answer(qtype, "TIMEOUT")
            raise DnsError(f"the connection to CoreDNS broke: {exc}") from None
        return Answer(qtype, dns.rcode.to_text(reply.rcode()), _records(reply))


def _walk(ask: Callable[[str, str], Answer], names: Sequence[str], qtypes: tuple[str, ...]) -> tuple[list[Step], list[Step]]:
    steps = []
    for name in names:
        step = Step(name, [ask(name, t) for t in qtypes])
        steps.append(step)
        if step.found:
            break
    chain: list[Step] = []
    last = steps[-1] if steps and steps[-1].found else None
    # A CNAME alone (ExternalName): the pod's resolver follows it, so do we.
    while last is not None and len(chain) < MAX_CNAME_HOPS:
        if any(r.type in (*ADDRESS_TYPES, "SRV") for r in last.records):
            break
        cname = next((r.value for r in last.records if r.type == "CNAME"), None)
        if cname is None:
            break
        last = Step(cname, [ask(cname, t) for t in qtypes])
        chain.append(last)
    return steps, chain


# ---- asking from a debug pod (nslookup), when port-forward is forbidden ----

_CANT_FIND = re.compile(r"server can't find ([^:\s]+):\s*(\w+)")
_NAME = re.compile(r"^Name:\s*(\S+)")
_ADDRESS = re.compile(r"^Address(?:\s+\d+)?:\s*(\S+)")
_CNAME = re.compile(r"^(\S+)\s+canonical name = (\S+)")
_SRV = re.compile(r"^(\S+)\s+service = (\d+) (\d+) (\d+) (\S+)")
MARK = "@@svctui"


def nslookup_script(names: Sequence[str], qtypes: Sequence[str]) -> str:
    """One exec for the whole walk: a marker line before each query's output. Names are absolute (dot)."""
    parts = []
    for n in names:
        for t in qtypes:
            parts.append(f"echo '{MARK} {n} {t}'; nslookup -type={t.lower()} '{n}.' 2>&1")
    return "; ".join(parts)


def parse_nslookup(output: str) -> dict[tuple[str, str], Answer]:
    """busybox 1.36 (or BIND) nslookup blocks, split at the markers of nslookup_script."""
    out: dict[tuple[str, str], Answer] = {}
    current: Answer | None = None
    owner = ""
    in_server = False
    for line in output.splitlines():
        line = line.rstrip()
        if line.startswith(MARK):
            _, name, qtype = line.split()
            current = out[(name, qtype)] = Answer(qtype, "NOERROR")
            in_server, owner = True, name
            continue
        if current is None:
            continue
        if line.startswith("Server:"):
            in_server = True
            continue
        if not line:
            in_server = False
            continue
        if in_server and line.startswith("Address"):
            continue  # the server's own address
        if "connection timed out" in line or "no servers could be reached" in line:
            current.rcode = "TIMEOUT"
        elif m := _CANT_FIND.search(line):
            current.rcode = m.group(2).upper()
        elif m := _NAME.match(line):
            owner = m.group(1).rstrip(".")
        elif m := _ADDRESS.match(line):
            ip = m.group(1)
            current.records.append(Record("AAAA" if ":" in ip else "A", owner, ip))
        elif m := _CNAME.match(line):
            current.records.append(Record("CNAME", m.group(1).rstrip("."), m.group(2).rstrip(".")))
        elif m := _SRV.match(line):
            current.records.append(Record("SRV", m.group(1).rstrip("."),
                                          f"{m.group(2)} {m.group(3)} {m.group(4)} {m.group(5).rstrip('.')}"))
    return out


async def _walk_in_pod(session: DebugSession, namespace: str, names: list[str], qtypes: tuple[str, ...],
                       timeout: float) -> tuple[list[Step], list[Step], str]:
    pod = await session.pod(namespace)
    cache: dict[tuple[str, str], Answer] = {}

    async def ask_all(batch: list[str]) -> None:
        todo = [n for n in batch if any((n, t) not in cache for t in qtypes)]
        if not todo:
            return
        result = await session.exec(namespace, ["sh", "-c", nslookup_script(todo, qtypes)], timeout=timeout)
        cache.update(parse_nslookup(result.stdout.decode("utf-8", "replace")))

    await ask_all(names)

    def ask(name: str, qtype: str) -> Answer:
        return cache.get((name, qtype)) or Answer(qtype, "NOANSWER")

    steps, chain = _walk(ask, names, qtypes)
    # CNAME targets were not in the batch: ask for them, then walk again from the cache.
    for _ in range(MAX_CNAME_HOPS):
        pending = [s.name for s in chain if s.rcode == "NOANSWER"]
        if not pending:
            break
        await ask_all(pending)
        steps, chain = _walk(ask, names, qtypes)
    return steps, chain, f"debug pod {namespace}/{pod} (nslookup, {session.image})"


# ---- the entry point ----

async def coredns_pod(api: ApiClient) -> str:
    """A running, ready CoreDNS pod's name (ApiError when listing is forbidden; DnsError if none is up)."""
    data = await get_json(api, f"/api/v1/namespaces/{DNS_NAMESPACE}/pods", [("labelSelector", DNS_SELECTOR)])
    ready: list[str] = []
    for pod in data.get("items") or []:
        status = pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") != "Running":
            continue
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []):
            ready.append(pod["metadata"]["name"])
    if not ready:
        raise DnsError(f"no ready CoreDNS pod ({DNS_SELECTOR} in {DNS_NAMESPACE}): cluster DNS is down, "
                       "every lookup from a pod times out")
    return sorted(ready)[0]


async def lookup(api: KubeApiClient, name: str, namespace: str, *, session: DebugSession | None = None,
                 debug_image: str | None = None, zone: str = DEFAULT_ZONE, ndots: int = NDOTS,
                 qtypes: tuple[str, ...] | None = None, timeout: float = 3.0) -> Walk:
    """The search-path walk for `name` as a pod in `namespace` makes it.

    Through a port-forward to CoreDNS; if that is forbidden, through a debug pod in `namespace` (the
    given session's, else a temporary one, removed before returning)."""
    qtypes = qtypes or wanted_types(name)
    names = candidates(name, namespace, zone, ndots)
    walk = Walk(name, namespace, qtypes, search_path(namespace, zone), ndots, [])
    try:
        pod = await coredns_pod(api)
        fwd = await open_forward(api, DNS_NAMESPACE, pod, 53, timeout=timeout)

        def run() -> tuple[list[Step], list[Step]]:
            with fwd:
                return _walk(ForwardedResolver(fwd, timeout).query, names, qtypes)

        walk.steps, walk.chain = await asyncio.to_thread(run)
        walk.via = f"port-forward to {DNS_NAMESPACE}/{pod} TCP 53"
        return walk
    except ApiError as err:
        if not err.forbidden:
            raise  # the API's answer, not DNS's: the caller reports it as such (svctui dns exits 2)
        walk.fallback = f"cannot list pods in {DNS_NAMESPACE} ({err.message})"
    except PortForwardError as err:
        if not err.forbidden:  # the API server or the way to it failed, not DNS
            raise ApiError(err.code, "PortForwardFailed", str(err)) from None
        walk.fallback = f"port-forward is forbidden ({err})"
    own = session is None
    session = session or DebugSession(api, image=debug_image)
    try:
        walk.steps, walk.chain, walk.via = await _walk_in_pod(session, namespace, names, qtypes, timeout * 10)
    except (DebugPodError, ExecError) as exc:
        raise DnsError(f"{walk.fallback}; the debug pod fallback failed too: {exc}") from None
    finally:
        if own:
            await session.close()
    return walk


def format_walk(walk: Walk, plain: Callable[[Any], str] = str) -> list[str]:
    """Lines for a terminal or a pane; cluster text goes through `plain`."""
    lines = [f"{plain(walk.name)} from a pod in namespace {plain(walk.namespace)}: "
             f"search {' '.join(walk.search)}, ndots:{walk.ndots}; asking {'/'.join(walk.qtypes)}"]
    lines.append(f"via {plain(walk.via)}" + (f" — {plain(walk.fallback)}" if walk.fallback else ""))
    for i, step in enumerate(walk.steps, 1):
        lines += _step_lines(f"{i}.", step, plain)
    for step in walk.chain:
        lines += _step_lines("  →", step, plain)
    return lines


def _step_lines(prefix: str, step: Step, plain: Callable[[Any], str]) -> list[str]:
    codes = ", ".join(f"{a.qtype} {a.rcode}" for a in step.answers)
    head = f"{prefix} {plain(step.name)}  [{codes}]"
    body = [f"     {r.type:5} {plain(r.value)}" + (f"  ({plain(r.name)})" if r.name != step.name else "")
            for r in step.records]
    if step.rcode == "NOERROR" and not step.records:
        body = ["     (name exists, no records of the asked types)"]
    return [head, *body]
