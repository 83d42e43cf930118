"""Ask the cluster DNS about ExternalName Services, for `svctui doctor` (model/externalname.py).

Each Service's own FQDN is asked as a pod would (A and AAAA, the CNAME followed), through one
port-forward to a ready CoreDNS pod, with dnspython (kube/dns.py's resolver). Read-only: unlike
`svctui dns`, there is no debug-pod fallback when port-forward is forbidden; the check is then
skipped with a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from svctui.model.dnsnames import DEFAULT_ZONE, service_fqdn
from svctui.model.externalname import TargetAnswer
from svctui.model.objects import Key, Service

from .api import ApiError
from .dns import ADDRESS_TYPES, DNS_NAMESPACE, DnsError, ForwardedResolver, _walk, coredns_pod
from .portforward import Forward, PortForwardError, sync_configuration
from .transport import KubeApiClient


class CheckSkipped(Exception):
    """The targets could not be asked about (no CoreDNS, or port-forward not allowed)."""


async def resolve_external_names(api: KubeApiClient, services: Sequence[Service], zone: str = DEFAULT_ZONE,
                                 timeout: float = 3.0) -> dict[Key, TargetAnswer]:
    wanted = [s for s in services if s.type == "ExternalName"]
    if not wanted:
        return {}
    try:
        pod = await coredns_pod(api)
        cfg = await sync_configuration(api)
    except (ApiError, DnsError) as exc:
        raise CheckSkipped(getattr(exc, "message", None) or str(exc)) from None

    def run() -> dict[Key, TargetAnswer]:
        out: dict[Key, TargetAnswer] = {}
        with Forward(cfg, DNS_NAMESPACE, pod, 53, timeout=timeout) as fwd:
            ask = ForwardedResolver(fwd, timeout).query
            for svc in wanted:
                fqdn = service_fqdn(svc.name, svc.namespace, zone)
                steps, chain = _walk(ask, [fqdn], ADDRESS_TYPES)
                last = chain[-1] if chain else steps[-1]
                addrs = tuple(r.value for s in (*steps, *chain) for r in s.records if r.type in ADDRESS_TYPES)
                out[svc.key] = TargetAnswer(last.rcode, tuple(s.name for s in (*steps, *chain)), addrs)
        return out

    try:
        return await asyncio.to_thread(run)
    except (PortForwardError, DnsError, OSError) as exc:
        raise CheckSkipped(str(exc)) from None
