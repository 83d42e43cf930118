"""The Service a user names on the command line, in one parser for the live view, doctor and probe.

Accepted: `NAME`, kubectl's `svc/NAME` / `service/NAME` / `services/NAME` (kind case-insensitive), and
each of those as `NAME.NAMESPACE` (the DNS short form: a Service name is a DNS-1035 label, so it never
holds a dot and the split is unambiguous).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_KINDS = ("svc", "service", "services")
FORMS = "svc/NAME, NAME or NAME.NAMESPACE"


class TargetError(ValueError):
    """The text does not name one Service; the message is one line, fit for `svctui: error: ...`."""


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    name: str
    namespace: str | None = None  # only when the text said it (NAME.NAMESPACE)

    def resolve_namespace(self, flag: str | None) -> str | None:
        """The namespace to use given -n: the two must agree when both are given."""
        if self.namespace is None:
            return flag
        if flag is not None and flag != self.namespace:
            raise TargetError(f"{self.name}.{self.namespace} is in namespace {self.namespace}, but -n says {flag}")
        return self.namespace


def parse_service_target(text: str) -> ServiceTarget:
    kind, sep, rest = text.strip().partition("/")
    if not sep:
        kind, rest = "svc", kind
    if kind.lower() not in SERVICE_KINDS:
        raise TargetError(f"{text!r}: only Services can be named here (expected {FORMS})")
    name, dot, namespace = rest.partition(".")
    if not name or "/" in rest or (dot and (not namespace or "." in namespace)) or any(c.isspace() for c in rest):
        raise TargetError(f"{text!r} is not {FORMS}")
    return ServiceTarget(name, namespace if dot else None)
