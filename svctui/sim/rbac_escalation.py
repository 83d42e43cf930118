"""RBAC's escalation prevention, as the rbac storage of kube-apiserver (registry/rbac/*/policybased): a user
may write a Role or ClusterRole only with rules she holds herself (or `escalate` on it), and a binding only
to a role whose rules she holds (or `bind` on it); system:masters and the sim's own writes are exempt."""

from __future__ import annotations

import contextvars
from typing import Any

from . import errors as E
from . import resources as R
from .rbac import Attributes, Authorizer, is_privileged
from .tokens import Identity

# Who is writing, set per request by the server; None for the sim's own writes (scenarios, controllers).
REQUESTER: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("rbac_requester", default=None)


def _atoms(rule: dict[str, Any]) -> list[dict[str, Any]]:
    """BreakdownRule: one rule per group, resource, (name) and verb."""
    out: list[dict[str, Any]] = []
    for g in rule.get("apiGroups") or ():
        for r in rule.get("resources") or ():
            for v in rule.get("verbs") or ():
                names = rule.get("resourceNames") or [None]
                out += [{"apiGroups": [g], "resources": [r], "verbs": [v], **({"resourceNames": [n]} if n else {})}
                        for n in names]
    for u in rule.get("nonResourceURLs") or ():
        out += [{"nonResourceURLs": [u], "verbs": [v]} for v in rule.get("verbs") or ()]
    return out


def _has(values: list[str] | None, value: str) -> bool:
    return values is not None and ("*" in values or value in values)


def _covers(owner: dict[str, Any], atom: dict[str, Any]) -> bool:
    """ruleCovers for one atomic rule."""
    if not _has(owner.get("verbs"), atom["verbs"][0]):
        return False
    if "nonResourceURLs" in atom:
        url = atom["nonResourceURLs"][0]
        return any(o == "*" or o == url or (o.endswith("*") and url.startswith(o[:-1]))
                   for o in owner.get("nonResourceURLs") or ())
    if not _has(owner.get("apiGroups"), atom["apiGroups"][0]):
        return False
    res = atom["resources"][0]
    owned = owner.get("resources") or ()
    sub = res.split("/", 1)[1] if "/" in res else ""
    if not ("*" in owned or res in owned or (sub and f"*/{sub}" in owned)):
        return False
    names = owner.get("resourceNames") or ()
    return not names or bool(atom.get("resourceNames")) and atom["resourceNames"][0] in names


def _q(values: list[str]) -> str:
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def _compact(rule: dict[str, Any]) -> str:
    """rbacv1helpers.CompactString."""
    parts = []
    for key, label in (("apiGroups", "APIGroups"), ("resources", "Resources"), ("nonResourceURLs", "NonResourceURLs"),
                       ("resourceNames", "ResourceNames"), ("verbs", "Verbs")):
        if rule.get(key):
            parts.append(f"{label}:{_q(rule[key])}")
    return "{" + ", ".join(parts) + "}"


def _compact_rules(missing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CompactRules: rules of one group and resource without names merged, their verbs joined."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for m in missing:
        if "resources" in m and "resourceNames" not in m:
            key = (m["apiGroups"][0], m["resources"][0])
            if key in merged:
                merged[key]["verbs"].append(m["verbs"][0])
                continue
            merged[key] = {**m, "verbs": list(m["verbs"])}
            out.append(merged[key])
        else:
            out.append(m)
    return out


def confirm_no_escalation(authorizer: Authorizer, who: Identity, namespace: str, rules: list[dict[str, Any]],
                          rt: R.ResourceType, name: str) -> None:
    owner, non_resource, _ = authorizer.rules_for(who, namespace)
    held = owner + non_resource
    missing = [a for rule in rules for a in _atoms(rule) if not any(_covers(o, a) for o in held)]
    if not missing:
        return
    lines = sorted({_compact(m) for m in _compact_rules(missing)})
    msg = (f'user "{who.user}" (groups={_q(list(who.groups))}) is attempting to grant RBAC permissions not currently '
           "held:\n" + "\n".join(lines))
    raise E.ApiError(403, "Forbidden", f'{rt.qualified} "{name}" is forbidden: {msg}',
                     {"name": name, "group": rt.group, "kind": rt.plural})


def _allowed(authorizer: Authorizer, who: Identity, verb: str, resource: str, name: str, namespace: str) -> bool:
    attrs = Attributes(verb=verb, resource_request=True, group="rbac.authorization.k8s.io", resource=resource,
                       name=name, namespace=namespace)
    return authorizer.authorize(who, attrs).allowed


def check_role(authorizer: Authorizer, rt: R.ResourceType, obj: dict[str, Any]) -> None:
    who = REQUESTER.get()
    if who is None or is_privileged(who):
        return
    md = obj["metadata"]
    ns = md.get("namespace", "") if rt.namespaced else ""
    if _allowed(authorizer, who, "escalate", rt.plural, md["name"], ns):
        return
    confirm_no_escalation(authorizer, who, ns, list(obj.get("rules") or ()), rt, md["name"])


def check_binding(authorizer: Authorizer, rt: R.ResourceType, obj: dict[str, Any]) -> None:
    who = REQUESTER.get()
    if who is None or is_privileged(who):
        return
    md = obj["metadata"]
    ns = md.get("namespace", "") if rt.namespaced else ""
    ref = obj.get("roleRef") or {}
    role_rt = R.CLUSTERROLES if ref.get("kind") == "ClusterRole" else R.ROLES
    if _allowed(authorizer, who, "bind", role_rt.plural, ref.get("name", ""), "" if role_rt is R.CLUSTERROLES else ns):
        return
    rules, err = authorizer.role_rules(ref, ns)
    if err:
        # The role getter's NotFound, passed through (its lister names the resource in the singular).
        kind = (ref.get("kind") or "").lower()
        raise E.ApiError(404, "NotFound", err, {"name": ref.get("name", ""), "group": "rbac.authorization.k8s.io",
                                                "kind": kind})
    confirm_no_escalation(authorizer, who, ns, rules, rt, md["name"])
