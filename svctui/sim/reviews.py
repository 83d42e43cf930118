"""The self reviews kubectl auth asks: SelfSubjectAccessReview (can-i), SelfSubjectRulesReview (can-i --list)
and SelfSubjectReview (whoami). Create-only and never stored, as in kube-apiserver; the answer is the
object sent back with its status filled in."""

from __future__ import annotations

from typing import Any

from . import errors as E
from . import resources as R
from .rbac import Attributes, Authorizer
from .tokens import Identity


def _invalid(rt: R.ResourceType, field: str, message: str) -> E.ApiError:
    return E.invalid_error(rt, "", [E.FieldError("FieldValueInvalid", field, message)])


def _echo(rt: R.ResourceType, body: dict[str, Any]) -> dict[str, Any]:
    md = dict(body.get("metadata") or {})
    md.setdefault("creationTimestamp", None)
    return {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": md, "spec": dict(body.get("spec") or {})}


def access_review(authorizer: Authorizer, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
    rt = R.SELFSUBJECTACCESSREVIEWS
    spec = body.get("spec") or {}
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if (ra is None) == (nra is None):
        raise _invalid(rt, "spec.resourceAttributes",
                       f"Invalid value: {'null' if ra is None else 'present'}: exactly one of nonResourceAttributes "
                       "or resourceAttributes must be specified")
    if ra is not None:
        attrs = Attributes(verb=ra.get("verb", ""), resource_request=True, group=ra.get("group", ""),
                           version=ra.get("version", ""), resource=ra.get("resource", ""),
                           subresource=ra.get("subresource", ""), namespace=ra.get("namespace", ""),
                           name=ra.get("name", ""))
    else:
        nonresource: dict[str, Any] = nra or {}  # exactly one of the two is set (checked above)
        attrs = Attributes(verb=nonresource.get("verb", ""), resource_request=False, path=nonresource.get("path", ""))
    decision = authorizer.authorize(who, attrs)
    out = _echo(rt, body)
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    out["status"] = status
    return out


def rules_review(authorizer: Authorizer, who: Identity, body: dict[str, Any]) -> dict[str, Any]:
    rt = R.SELFSUBJECTRULESREVIEWS
    namespace = (body.get("spec") or {}).get("namespace", "")
    resource_rules, non_resource, incomplete = authorizer.rules_for(who, namespace)
    out = _echo(rt, body)
    out["status"] = {"resourceRules": resource_rules, "nonResourceRules": non_resource, "incomplete": incomplete}
    return out


def self_review(who: Identity, body: dict[str, Any]) -> dict[str, Any]:
    rt = R.SELFSUBJECTREVIEWS
    md = dict(body.get("metadata") or {})
    md.setdefault("creationTimestamp", None)
    return {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": md,
            "status": {"userInfo": {"username": who.user, "groups": list(who.groups)}}}


def answer(rt: R.ResourceType, authorizer: Authorizer, who: Identity, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise E.bad_request("the body of the request was in an unknown format - accepted media types include: "
                            "application/json, application/yaml")
    if rt is R.SELFSUBJECTACCESSREVIEWS:
        return access_review(authorizer, who, body)
    if rt is R.SELFSUBJECTRULESREVIEWS:
        return rules_review(authorizer, who, body)
    return self_review(who, body)
