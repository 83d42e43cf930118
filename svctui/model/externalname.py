"""An ExternalName Service whose target does not resolve: pods get a CNAME to nowhere.

The check needs a DNS answer, which the model does not hold: `svctui doctor` asks the cluster DNS
(kube/extnames.py) and hands the outcome here. Only a definite answer is a finding: NXDOMAIN, or
NOERROR without any address at the end of the CNAME chain. A timeout or SERVFAIL says nothing about
the target (cluster DNS trouble is dns-unhealthy's to report).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .diagnose import ERROR, EXTERNAL_NAME_UNRESOLVED, Fact, Finding
from .dnsnames import DEFAULT_ZONE, service_fqdn
from .objects import Service


@dataclass(frozen=True, slots=True)
class TargetAnswer:
    """What the cluster DNS said for the Service's name, as a pod would ask it (A and AAAA)."""
    rcode: str  # of the last name in the chain: NOERROR, NXDOMAIN, SERVFAIL, TIMEOUT
    chain: tuple[str, ...]  # the names followed: the Service's FQDN, its CNAME target, ...
    addresses: tuple[str, ...]


def definite(answer: TargetAnswer) -> bool:
    return answer.rcode in ("NOERROR", "NXDOMAIN")


def external_name_finding(svc: Service, answer: TargetAnswer, zone: str = DEFAULT_ZONE) -> Finding | None:
    if svc.type != "ExternalName" or answer.addresses or not definite(answer):
        return None
    ns, name = svc.key
    target = (svc.external_name or "").rstrip(".")
    why = "does not exist (NXDOMAIN)" if answer.rcode == "NXDOMAIN" else "has no A or AAAA record"
    msg = f"ExternalName target {target or '(empty)'} {why}: connections to {name} fail name resolution in pods"
    fqdn = service_fqdn(name, ns, zone)
    return Finding(f"{ns}/{name}", ERROR, EXTERNAL_NAME_UNRESOLVED, msg, (
        Fact("external_name", target),
        Fact("dns_answer", f"{answer.rcode}, no address"),
        Fact("names_followed", answer.chain),
    ), (
        " ".join(shlex.quote(w) for w in ("kubectl", "-n", ns, "get", "service", name, "-o",
                                          "jsonpath={.spec.externalName}")),
        " ".join(shlex.quote(w) for w in ("kubectl", "run", "-it", "--rm", "dnscheck", "--image=busybox:1.36",
                                          "--restart=Never", "--", "nslookup", fqdn)),
    ))
