"""`kubectl --as`: the Impersonate-User / Impersonate-Group headers, as kube-apiserver's impersonation
filter handles them. The requester needs `impersonate` on users (a name of system:serviceaccount:NS:NAME
is a ServiceAccount in NS) and on each group; the request then runs as the impersonated user, with
system:authenticated added as the authenticator would have."""

from __future__ import annotations

from typing import Any

from . import errors as E
from . import rbac
from .tokens import Identity

SA_PREFIX = "system:serviceaccount:"


def _check(authorizer: rbac.Authorizer, who: Identity, resource: str, name: str, namespace: str = "") -> None:
    attrs = rbac.Attributes(verb="impersonate", resource_request=True, resource=resource, name=name,
                            namespace=namespace)
    decision = authorizer.authorize(who, attrs)
    if not decision.allowed:
        raise E.ApiError(403, "Forbidden", rbac.forbidden_message(who, attrs, decision.reason),
                         rbac.forbidden_details(attrs))


def apply(authorizer: rbac.Authorizer, who: Identity, headers: Any) -> Identity:
    """who itself without impersonation headers; the impersonated identity when who may impersonate it."""
    user = headers.get("Impersonate-User")
    groups = list(headers.getall("Impersonate-Group", []))
    if user is None:
        if groups:
            raise E.ApiError(500, "InternalError", "Internal error occurred: requested [" +
                             " ".join(f"{{Group {g}}}" for g in groups) + "] without impersonating a user")
        return who
    if user.startswith(SA_PREFIX) and user.count(":") == 3:
        ns, name = user[len(SA_PREFIX):].split(":")
        _check(authorizer, who, "serviceaccounts", name, ns)
    else:
        _check(authorizer, who, "users", user)
    for g in groups:
        _check(authorizer, who, "groups", g)
    if user != rbac.ANONYMOUS and rbac.AUTHENTICATED not in groups:
        groups.append(rbac.AUTHENTICATED)
    return Identity(user, tuple(groups))
