"""Per-kind rules for the generic API operations, like the apiserver's registry strategies.

A kind module subclasses Strategy and registers it with `register`. The API layer calls, in order:
create: default → prepare_create → validate → (store) → after_create
update: default → prepare_update → validate + validate_update → (store)
delete: check_delete may refuse; grace_period decides between removal now and graceful deletion;
released after removal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import errors as E
from .resources import ResourceType

if TYPE_CHECKING:
    from .apiserver import Api

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)


def validate_subdomain(field: str, value: str) -> list[E.FieldError]:
    errs = []
    if len(value) > 253:
        errs.append(E.invalid(field, value, "must be no more than 253 characters"))
    if not DNS1123_SUBDOMAIN.match(value):
        errs.append(E.invalid(field, value, SUBDOMAIN_MSG))
    return errs


def validate_label_name(field: str, value: str) -> list[E.FieldError]:
    errs = []
    if len(value) > 63:
        errs.append(E.invalid(field, value, "must be no more than 63 characters"))
    if not DNS1123_LABEL.match(value):
        errs.append(E.invalid(field, value, LABEL_MSG))
    return errs


def validate_dns1035(field: str, value: str) -> list[E.FieldError]:
    errs = []
    if len(value) > 63:
        errs.append(E.invalid(field, value, "must be no more than 63 characters"))
    if not DNS1035_LABEL.match(value):
        errs.append(E.invalid(field, value, DNS1035_MSG))
    return errs


def validate_labels(field: str, labels: Any) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    if labels is None:
        return errs
    for k, v in labels.items():
        errs += validate_qualified_key(field, k)
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            errs.append(E.invalid(f"{field}", v, "a valid label must be an empty string or consist of alphanumeric "
                                  "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                                  "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                                  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"))
    return errs


def validate_qualified_key(field: str, key: str) -> list[E.FieldError]:
    prefix, _, name = key.rpartition("/")
    errs = []
    if prefix and not DNS1123_SUBDOMAIN.match(prefix):
        errs.append(E.invalid(field, key, "prefix part " + SUBDOMAIN_MSG))
    if not name or len(name) > 63 or not QUALIFIED_NAME.match(name):
        errs.append(E.invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and "
                              "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                              "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))
    return errs


class Strategy:
    #: names must be DNS-1123 subdomains by default; Services and Namespaces use labels.
    name_rule = "subdomain"
    #: bump metadata.generation when anything outside metadata/status changes
    tracks_generation = False
    #: the main resource's writes leave status alone (status goes through /status)
    has_status = True

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        pass

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        pass

    def after_create(self, api: Api, obj: dict[str, Any]) -> None:
        pass

    def prepare_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any], dry_run: bool) -> None:
        pass

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        return []

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        return []

    def check_delete(self, api: Api, obj: dict[str, Any]) -> None:
        """Raise an ApiError to refuse a deletion outright (admission), before anything is written."""

    def grace_period(self, api: Api, obj: dict[str, Any], requested: int | None) -> int:
        """Seconds the object stays with a deletionTimestamp before removal; 0 removes it now."""
        return 0

    def released(self, api: Api, obj: dict[str, Any]) -> None:
        """Called once the object has left the store (free allocated IPs, ports)."""

    def validate_name(self, rt: ResourceType, name: str) -> list[E.FieldError]:
        if self.name_rule == "label":
            return validate_label_name("metadata.name", name)
        if self.name_rule == "dns1035":
            return validate_dns1035("metadata.name", name)
        return validate_subdomain("metadata.name", name)


_STRATEGIES: dict[tuple[str, str], Strategy] = {}
_DEFAULT = Strategy()


def register(rt: ResourceType, strategy: Strategy) -> None:
    _STRATEGIES[rt.key] = strategy


def strategy_for(rt: ResourceType) -> Strategy:
    return _STRATEGIES.get(rt.key, _DEFAULT)
