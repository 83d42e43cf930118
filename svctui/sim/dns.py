"""The cluster DNS server (CoreDNS with the kind Corefile) answering from the store, per the Kubernetes DNS
spec 1.1.0 (github.com/kubernetes/dns/blob/master/docs/specification.md).

Zone `cluster.local`, TTL 30 as in kind's Corefile (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods
insecure; ttl 30 }`). Answers for the zone are authoritative (AA set, RA clear: dig warns "recursion requested
but not available", as against real CoreDNS):
  <svc>.<ns>.svc.cluster.local            A: the ClusterIP; headless: one A per ready endpoint (NXDOMAIN with
                                          none); ExternalName: CNAME <externalName> for every type
  <host>.<svc>.<ns>.svc.cluster.local     A per headless endpoint (hostname, or the dashed IP without one)
  _<port>._<proto>.<svc>.<ns>.svc...      SRV per named port (headless: per endpoint, targeting its name)
  <a-b-c-d>.<ns>.pod.cluster.local        A a.b.c.d (`pods insecure`)
  reverse of a ClusterIP / endpoint IP    PTR to the Service / endpoint name
  dns-version.cluster.local               TXT "1.1.0"
  AAAA of an IPv4-only name                NOERROR, no answer, SOA in authority (NODATA)
A Service's endpoints come from its EndpointSlices, as CoreDNS reads them; publishNotReadyAddresses counts
not-ready ones.

Outside the zone there is no internet here. The sim behaves as a cluster whose upstream resolver works:
names in EXTERNAL (documented there) answer with fixed addresses (non-authoritative, RA set), every other
name is NXDOMAIN, as the public DNS says for a name that does not exist. So `external-db` -> CNAME
`database.example.com`, which (as on the real internet) does not exist: the answer is the CNAME alone.

The server answers only while the kube-dns Service has a ready endpoint (a running, ready CoreDNS pod);
otherwise `query` returns None: the packet is dropped and clients time out, as with CoreDNS scaled to 0.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.rrset
from dns.rdatatype import RdataType

from . import resources as R

if TYPE_CHECKING:
    from .cluster import Cluster

ZONE = "cluster.local"
TTL = 30
# (rcode, answer, authority, additional, authoritative): one reply's sections, before they become a message.
Answer = tuple[dns.rcode.Rcode, list[dns.rrset.RRset], list[dns.rrset.RRset], list[dns.rrset.RRset], bool]
DNS_IP = "10.96.0.10"
DNS_SERVICE = ("kube-system", "kube-dns")
SPEC_VERSION = "1.1.0"

# Names outside the cluster that resolve (A, AAAA). Anything else outside cluster.local is NXDOMAIN.
EXTERNAL: dict[str, tuple[list[str], list[str]]] = {
    "example.com": (["93.184.215.14"], ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]),
    "www.example.com": (["93.184.215.14"], ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]),
    "example.org": (["93.184.215.14"], ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]),
    "google.com": (["142.250.196.110"], ["2404:6800:4004:820::200e"]),
    "www.google.com": (["142.250.196.100"], ["2404:6800:4004:81d::2004"]),
    "kubernetes.io": (["15.197.167.90", "3.33.186.135"], []),
}
EXTERNAL_TTL = 300


def _slices(cluster: Cluster, ns: str, svc: str) -> list[dict[str, Any]]:
    return cluster.store.by_labels(R.ENDPOINTSLICES, ns, [("kubernetes.io/service-name", svc)]) or []


def endpoints(cluster: Cluster, svc: dict[str, Any], include_not_ready: bool | None = None) -> list[dict[str, Any]]:
    """The Service's endpoints CoreDNS publishes: {ip, hostname, ports {name: (port, protocol)}, ready, pod}."""
    md = svc["metadata"]
    if include_not_ready is None:
        include_not_ready = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    out = []
    for s in _slices(cluster, md["namespace"], md["name"]):
        ports = {p.get("name") or "": (p.get("port"), p.get("protocol", "TCP")) for p in s.get("ports") or []}
        for ep in s.get("endpoints") or []:
            ready = (ep.get("conditions") or {}).get("ready")
            ready = True if ready is None else ready
            if not ready and not include_not_ready:
                continue
            for ip in ep.get("addresses") or []:
                out.append({"ip": ip, "hostname": ep.get("hostname"), "ports": ports, "ready": ready,
                            "pod": (ep.get("targetRef") or {}).get("name"), "node": ep.get("nodeName")})
    return out


def available(cluster: Cluster) -> bool:
    """kube-dns has a ready endpoint: a query to 10.96.0.10 reaches some CoreDNS pod."""
    svc = cluster.store.get(R.SERVICES, DNS_SERVICE[0], DNS_SERVICE[1])
    return svc is not None and bool(endpoints(cluster, svc, include_not_ready=False))


def _dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


class Resolver:
    """Records of one name, looked up in the store at query time."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.store = cluster.store

    # ---- entry points ----
    def query(self, request: dns.message.Message, check_available: bool = True) -> dns.message.Message | None:
        if check_available and not available(self.cluster):
            return None
        resp = dns.message.make_response(request)
        if not request.question:
            resp.set_rcode(dns.rcode.FORMERR)
            return resp
        q = request.question[0]
        name = q.name.to_text().lower()
        rcode, answer, authority, additional, aa = self.lookup(name, q.rdtype)
        resp.flags &= ~dns.flags.RA
        if aa:
            resp.flags |= dns.flags.AA
        else:
            resp.flags |= dns.flags.RA
        resp.set_rcode(rcode)
        resp.answer = answer
        resp.authority = authority
        resp.additional = additional
        return resp

    def handle_wire(self, data: bytes, check_available: bool = True) -> bytes | None:
        try:
            request = dns.message.from_wire(data)
        except Exception:  # a packet CoreDNS could not parse gets no answer either
            return None
        resp = self.query(request, check_available)
        return None if resp is None else resp.to_wire()

    # ---- lookup ----
    def lookup(self, fqdn: str, rdtype: RdataType) -> Answer:
        """(rcode, answer, authority, additional, authoritative) for fqdn (with its trailing dot)."""
        name = fqdn.rstrip(".").lower()
        if name == ZONE or name.endswith("." + ZONE):
            return self._zone(name, rdtype)
        if name.endswith(".in-addr.arpa") or name.endswith(".ip6.arpa"):
            return self._reverse(name, rdtype)
        return self._external(name, rdtype)

    def _rr(self, name: str, rdtype: RdataType, values: list[str], ttl: int = TTL) -> dns.rrset.RRset:
        return dns.rrset.from_text_list(dns.name.from_text(name), ttl, dns.rdataclass.IN, rdtype, values)

    def _soa(self) -> dns.rrset.RRset:
        serial = self.store.rv % 4294967296
        return self._rr(ZONE + ".", dns.rdatatype.SOA,
                        [f"ns.dns.{ZONE}. hostmaster.{ZONE}. {serial} 7200 1800 86400 {TTL}"])

    def _nx(self) -> Answer:
        return dns.rcode.NXDOMAIN, [], [self._soa()], [], True

    def _nodata(self) -> Answer:
        return dns.rcode.NOERROR, [], [self._soa()], [], True

    def _zone(self, name: str, rdtype: RdataType) -> Answer:
        rel = name[: -len(ZONE)].rstrip(".")
        labels = rel.split(".") if rel else []
        if not labels:
            if rdtype == dns.rdatatype.SOA:
                return dns.rcode.NOERROR, [self._soa()], [], [], True
            if rdtype == dns.rdatatype.NS:
                return dns.rcode.NOERROR, [self._rr(name + ".", dns.rdatatype.NS, [f"ns.dns.{ZONE}."])], [], [], True
            return self._nodata()
        if labels == ["dns-version"]:
            if rdtype == dns.rdatatype.TXT:
                return dns.rcode.NOERROR, [self._rr(name + ".", dns.rdatatype.TXT, [f'"{SPEC_VERSION}"'])], [], [], True
            return self._nodata()
        kind = labels[-1]
        if kind == "svc":
            return self._services(name, labels[:-1], rdtype)
        if kind == "pod" and len(labels) == 3:
            return self._pod(name, labels[1], labels[0], rdtype)
        if kind == "pod" and len(labels) == 2:
            return self._nodata() if self._namespace(labels[0]) else self._nx()
        if kind == "pod" and len(labels) == 1:
            return self._nodata()
        return self._nx()

    def _namespace(self, ns: str) -> bool:
        return self.store.get(R.NAMESPACES, None, ns) is not None

    def _pod(self, name: str, ns: str, dashed: str, rdtype: RdataType) -> Answer:
        ip = dashed.replace("-", ".")
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return self._nx()
        if not self._namespace(ns):
            return self._nx()
        if rdtype == dns.rdatatype.A and addr.version == 4:
            return dns.rcode.NOERROR, [self._rr(name + ".", dns.rdatatype.A, [ip])], [], [], True
        return self._nodata()

    def _services(self, name: str, labels: list[str], rdtype: RdataType) -> Answer:
        if not labels:
            return self._nodata()
        ns = labels[-1]
        if len(labels) == 1:
            return self._nodata() if self._namespace(ns) else self._nx()
        svc = self.store.get(R.SERVICES, ns, labels[-2])
        if svc is None:
            return self._nx()
        rest = labels[:-2]
        if not rest:
            return self._service(name, svc, rdtype)
        if len(rest) == 2 and rest[0].startswith("_") and rest[1].startswith("_"):
            return self._srv(name, svc, rest[0][1:], rest[1][1:], rdtype)
        if len(rest) == 1:
            return self._endpoint(name, svc, rest[0], rdtype)
        return self._nx()

    def _service(self, name: str, svc: dict[str, Any], rdtype: RdataType) -> Answer:
        spec = svc.get("spec") or {}
        fqdn = name + "."
        if spec.get("type") == "ExternalName":
            target = (spec.get("externalName") or "").rstrip(".") + "."
            answer = [self._rr(fqdn, dns.rdatatype.CNAME, [target])]
            if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                # CoreDNS follows the target through its upstream and appends what it finds.
                rcode, more, _, _, _ = self.lookup(target, rdtype)
                if rcode == dns.rcode.NOERROR:
                    answer += more
            return dns.rcode.NOERROR, answer, [], [], True
        headless = spec.get("clusterIP") == "None"
        if headless:
            eps = endpoints(self.cluster, svc)
            if not eps:
                return self._nx()
            ips = [e["ip"] for e in eps]
        else:
            ips = [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip]
        if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            want = 4 if rdtype == dns.rdatatype.A else 6
            found = [ip for ip in ips if ipaddress.ip_address(ip).version == want]
            if not found:
                return self._nodata()
            return dns.rcode.NOERROR, [self._rr(fqdn, rdtype, found)], [], [], True
        if rdtype == dns.rdatatype.SRV:
            return self._srv_records(fqdn, svc, None, None)
        return self._nodata()

    def _srv(self, name: str, svc: dict[str, Any], port: str, proto: str, rdtype: RdataType) -> Answer:
        if (svc.get("spec") or {}).get("type") == "ExternalName":
            return self._nx()
        rcode, answer, authority, additional, aa = self._srv_records(name + ".", svc, port, proto)
        if not answer:
            return self._nx()
        if rdtype != dns.rdatatype.SRV:
            return self._nodata()
        return rcode, answer, authority, additional, aa

    def _srv_records(self, owner: str, svc: dict[str, Any], port_name: str | None,
                     proto: str | None) -> Answer:
        spec = svc.get("spec") or {}
        md = svc["metadata"]
        base = f"{md['name']}.{md['namespace']}.svc.{ZONE}."
        records: list[tuple[int, str, str]] = []  # (port, target, address)
        if spec.get("clusterIP") == "None":
            for ep in endpoints(self.cluster, svc):
                for pname, (number, protocol) in ep["ports"].items():
                    if port_name is not None and (pname != port_name or protocol.lower() != proto):
                        continue
                    if port_name is None or pname:
                        host = ep["hostname"] or _dashed(ep["ip"])
                        records.append((number, f"{host}.{base}", ep["ip"]))
        else:
            for p in spec.get("ports") or []:
                pname, protocol = p.get("name") or "", p.get("protocol", "TCP")
                if port_name is not None and (pname != port_name or protocol.lower() != proto):
                    continue
                records.append((p["port"], base, spec.get("clusterIP") or ""))
        if not records:
            return self._nodata()
        weight = 100 // len(records) if len(records) > 1 else 100
        answer = self._rr(owner, dns.rdatatype.SRV, [f"0 {weight} {port} {target}" for port, target, _ in records])
        extra: dict[str, list[str]] = {}
        for _, target, ip in records:
            if ip and ip != "None":
                extra.setdefault(target, [])
                if ip not in extra[target]:
                    extra[target].append(ip)
        additional = [self._rr(t, dns.rdatatype.A if ":" not in ips[0] else dns.rdatatype.AAAA, ips)
                      for t, ips in extra.items()]
        return dns.rcode.NOERROR, [answer], [], additional, True

    def _endpoint(self, name: str, svc: dict[str, Any], host: str, rdtype: RdataType) -> Answer:
        if (svc.get("spec") or {}).get("clusterIP") != "None":
            return self._nx()
        ips = [e["ip"] for e in endpoints(self.cluster, svc) if (e["hostname"] or _dashed(e["ip"])) == host]
        if not ips:
            return self._nx()
        if rdtype == dns.rdatatype.A:
            found = [ip for ip in ips if ":" not in ip]
            return (dns.rcode.NOERROR, [self._rr(name + ".", rdtype, found)], [], [], True) if found else self._nodata()
        return self._nodata()

    def _reverse(self, name: str, rdtype: RdataType) -> Answer:
        try:
            ip = str(dns.reversename.to_address(dns.name.from_text(name)))
        except Exception:
            return dns.rcode.NXDOMAIN, [], [], [], False
        target = self.reverse_name(ip)
        if target is None:
            # `fallthrough in-addr.arpa ip6.arpa`: the upstream has no PTR for private addresses.
            return dns.rcode.NXDOMAIN, [], [], [], False
        if rdtype != dns.rdatatype.PTR:
            return dns.rcode.NOERROR, [], [], [], True
        return dns.rcode.NOERROR, [self._rr(name + ".", dns.rdatatype.PTR, [target])], [], [], True

    def reverse_name(self, ip: str) -> str | None:
        for svc in self.store.list(R.SERVICES):
            md, spec = svc["metadata"], svc.get("spec") or {}
            base = f"{md['name']}.{md['namespace']}.svc.{ZONE}."
            if ip in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
                return base
            if spec.get("clusterIP") == "None":
                for ep in endpoints(self.cluster, svc):
                    if ep["ip"] == ip:
                        return f"{ep['hostname'] or _dashed(ip)}.{base}"
        return None

    def _external(self, name: str, rdtype: RdataType) -> Answer:
        known = EXTERNAL.get(name)
        if known is None:
            return dns.rcode.NXDOMAIN, [], [], [], False
        v4, v6 = known
        values = v4 if rdtype == dns.rdatatype.A else v6 if rdtype == dns.rdatatype.AAAA else []
        if not values:
            return dns.rcode.NOERROR, [], [], [], False
        return dns.rcode.NOERROR, [self._rr(name + ".", rdtype, values, EXTERNAL_TTL)], [], [], False


def tcp_frames(buffer: bytearray) -> list[bytes]:
    """Complete DNS-over-TCP messages (2-byte length prefix) taken off the front of buffer."""
    out = []
    while len(buffer) >= 2:
        size = int.from_bytes(buffer[:2], "big")
        if len(buffer) < 2 + size:
            break
        out.append(bytes(buffer[2:2 + size]))
        del buffer[:2 + size]
    return out


def tcp_frame(message: bytes) -> bytes:
    return len(message).to_bytes(2, "big") + message
