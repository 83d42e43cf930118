"""Name resolution as a pod's libc does it (musl: /etc/hosts, then DNS with the resolv.conf search path and
ndots), and single DNS queries to a nameserver, all answered in-process by the cluster DNS (dns.py).

A query to the kube-dns IP is answered only while kube-dns has ready endpoints (else it times out); to a
CoreDNS pod IP while that pod runs; to the node's resolver (dnsPolicy Default) for names outside the cluster.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
from dns.rdatatype import RdataType

from . import dns as D
from . import resources as R
from .podfs import fs_for, hostname, hosts_file, resolv_conf

if TYPE_CHECKING:
    from .cluster import Cluster

# musl: 5 s per attempt, 2 attempts.
RESOLV_TIMEOUT = 5.0
RESOLV_ATTEMPTS = 2
NODE_RESOLVER = "172.18.0.1"

NOTFOUND, NODATA, TIMEOUT = "notfound", "nodata", "timeout"


@dataclass
class ResolvConf:
    servers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    ndots: int = 1


def parse_resolv(text: str) -> ResolvConf:
    conf = ResolvConf()
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith(("#", ";")):
            continue
        if words[0] == "nameserver" and len(words) > 1:
            conf.servers.append(words[1])
        elif words[0] in ("search", "domain"):
            conf.search = words[1:]
        elif words[0] == "options":
            for opt in words[1:]:
                if opt.startswith("ndots:") and opt[6:].isdigit():
                    conf.ndots = min(15, int(opt[6:]))
    return conf


def pod_resolv(cluster: Cluster, pod: dict[str, Any], container: str | None = None) -> ResolvConf:
    text = None
    if container:
        data = fs_for(cluster, pod, container).read("/etc/resolv.conf")
        text = data.decode(errors="replace") if data is not None else ""
    return parse_resolv(text if text is not None else resolv_conf(pod))


def query(cluster: Cluster, server: str, name: str, rdtype: RdataType) -> dns.message.Message | None:
    """The reply of `server` to one question, or None when nothing answers (timeout)."""
    fqdn = name if name.endswith(".") else name + "."
    request = dns.message.make_query(fqdn, rdtype)
    resolver = cluster.parts.dns
    if server == D.DNS_IP:
        return resolver.query(request)
    if server == NODE_RESOLVER:
        if fqdn.lower().rstrip(".").endswith(D.ZONE):
            resp = dns.message.make_response(request)
            resp.flags |= dns.flags.RA
            resp.set_rcode(dns.rcode.NXDOMAIN)
            return resp
        return resolver.query(request, check_available=False)
    for pod in cluster.store.list(R.PODS, "kube-system"):
        status = pod.get("status") or {}
        if status.get("podIP") == server and (pod["metadata"].get("labels") or {}).get("k8s-app") == "kube-dns":
            if status.get("phase") == "Running":
                return resolver.query(request, check_available=False)
    return None


@dataclass
class Lookup:
    addresses: list[str] = field(default_factory=list)
    error: str | None = None
    name: str = ""


def _from_hosts(pod: dict[str, Any], name: str) -> list[str]:
    out = []
    for line in hosts_file(pod).splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and name.lower() in (w.lower() for w in words[1:]):
            out.append(words[0])
    return out


def lookup_host(cluster: Cluster, pod: dict[str, Any], name: str, container: str | None = None,
                family: int = 0) -> Lookup:
    """getaddrinfo(name): addresses (IPv4 first) or NOTFOUND / NODATA / TIMEOUT. family 4/6 restricts."""
    try:
        ipaddress.ip_address(name)
        return Lookup([name], None, name)
    except ValueError:
        pass
    if name in ("localhost", "localhost.localdomain"):
        return Lookup(["127.0.0.1"], None, name)
    hosts = [a for a in _from_hosts(pod, name) if not a.startswith(("fe00", "ff0"))]
    if name == hostname(pod) and not hosts:
        hosts = [(pod.get("status") or {}).get("podIP", "")]
    if hosts:
        return Lookup(hosts, None, name)
    conf = pod_resolv(cluster, pod, container)
    if not conf.servers:
        conf.servers = ["127.0.0.1"]
    dots = name.count(".")
    candidates = []
    if not name.endswith(".") and dots < conf.ndots:
        candidates = [f"{name}.{d}" for d in conf.search]
    candidates.append(name.rstrip("."))
    types = [dns.rdatatype.A, dns.rdatatype.AAAA] if family == 0 else [dns.rdatatype.A if family == 4 else dns.rdatatype.AAAA]
    for cand in candidates:
        replies = []
        for t in types:
            reply = None
            for server in conf.servers:
                reply = query(cluster, server, cand, t)
                if reply is not None:
                    break
            if reply is None:
                return Lookup([], TIMEOUT, cand)
            replies.append(reply)
        if any(r.rcode() == dns.rcode.NXDOMAIN for r in replies):
            continue
        if any(r.rcode() != dns.rcode.NOERROR for r in replies):
            return Lookup([], TIMEOUT if any(r.rcode() == dns.rcode.SERVFAIL for r in replies) else NOTFOUND, cand)
        addrs = [rd.address for r in replies for rrset in r.answer
                 if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) for rd in rrset]
        if addrs:
            return Lookup(addrs, None, cand)
        return Lookup([], NODATA, cand)
    return Lookup([], NOTFOUND, name)

