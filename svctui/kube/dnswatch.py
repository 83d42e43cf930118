"""The narrow kube-system streams behind "cluster DNS down" when svctui watches another namespace.

Cluster DNS health (model/diagnose.py: diagnose_dns) reads kube-system/kube-dns, its EndpointSlices
and its CoreDNS pods. Watching one namespace, svctui would otherwise never see them, and the header
would say nothing while no Service name resolves. Only those objects are asked for (field and label
selectors, on the list and the watch), so the cost is a handful of objects, not kube-system.
"""

from __future__ import annotations

from svctui.model.diagnose import DNS_SELECTOR, DNS_SERVICE
from svctui.model.objects import SERVICE_NAME_LABEL

from . import api as kapi

DNS_NAMESPACE = DNS_SERVICE[0]

# (resource, selectors): what diagnose_dns needs and nothing else.
DNS_STREAMS: tuple[tuple[kapi.Resource, tuple[tuple[str, str], ...]], ...] = (
    (kapi.SERVICES, (("fieldSelector", f"metadata.name={DNS_SERVICE[1]}"),)),
    (kapi.ENDPOINTSLICES, (("labelSelector", f"{SERVICE_NAME_LABEL}={DNS_SERVICE[1]}"),)),
    (kapi.PODS, (("labelSelector", DNS_SELECTOR),)),
)


def needs_dns_streams(namespace: str | None) -> bool:
    """Cluster-wide or in kube-system, the ordinary streams already carry kube-dns."""
    return namespace is not None and namespace != DNS_NAMESPACE
