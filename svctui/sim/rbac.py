"""The RBAC authorizer, as kube-apiserver's (plugin/pkg/auth/authorizer/rbac): rules from the Roles and
ClusterRoles the store holds, reached through bindings whose subjects match the user; deny by default.

Requests are described by Attributes, the apiserver's RequestInfo: the verb from the method (GET on a
collection is list, with ?watch watch), the namespace and name from the path (for a namespace object, its
own name is its namespace, as RequestInfoFactory does), and for paths outside /api and /apis a non-resource
URL. Group system:masters is allowed everything before RBAC is asked, as the privileged-group authorizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import resources as R
from .tokens import Identity

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"

ROLES, CLUSTERROLES, ROLEBINDINGS, CLUSTERROLEBINDINGS = R.ROLES, R.CLUSTERROLES, R.ROLEBINDINGS, R.CLUSTERROLEBINDINGS


@dataclass(frozen=True)
class Attributes:
    verb: str
    resource_request: bool
    group: str = ""
    version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def is_privileged(who: Identity) -> bool:
    return MASTERS in who.groups


def _matches(values: list[str] | None, value: str) -> bool:
    return values is not None and ("*" in values or value in values)


def rule_allows(attrs: Attributes, rule: dict[str, Any]) -> bool:
    """rbac.RuleAllows: verb, group, resource (with `*/sub`), resourceNames; or verb and non-resource URL."""
    if not _matches(rule.get("verbs"), attrs.verb):
        return False
    if not attrs.resource_request:
        for url in rule.get("nonResourceURLs") or ():
            if url == "*" or url == attrs.path or (url.endswith("*") and attrs.path.startswith(url[:-1])):
                return True
        return False
    if not _matches(rule.get("apiGroups"), attrs.group):
        return False
    combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    resources = rule.get("resources") or ()
    if not ("*" in resources or combined in resources
            or (attrs.subresource and f"*/{attrs.subresource}" in resources)):
        return False
    names = rule.get("resourceNames") or ()
    return not names or attrs.name in names


def _subject_text(subject: dict[str, Any], binding_ns: str) -> str:
    kind = subject.get("kind", "")
    if kind == "ServiceAccount":
        return f'ServiceAccount "{subject.get("namespace") or binding_ns}/{subject.get("name", "")}"'
    return f'{kind} "{subject.get("name", "")}"'


def applies_to(subject: dict[str, Any], who: Identity, binding_ns: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "User":
        return name == who.user
    if kind == "Group":
        return name in who.groups
    if kind == "ServiceAccount":
        return who.user == f"system:serviceaccount:{subject.get('namespace') or binding_ns}:{name}"
    return False


class Authorizer:
    def __init__(self, store: Any) -> None:
        self.store = store

    def role_rules(self, ref: dict[str, Any], binding_ns: str) -> tuple[list[dict[str, Any]], str | None]:
        """The rules a roleRef names, or an error as the rule resolver words it when the role is missing."""
        kind, name = ref.get("kind"), ref.get("name", "")
        if kind == "ClusterRole":
            role = self.store.get(CLUSTERROLES, "", name)
            missing = f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
        elif kind == "Role" and binding_ns:
            role = self.store.get(ROLES, binding_ns, name)
            missing = f'role.rbac.authorization.k8s.io "{name}" not found'
        else:
            return [], f"unsupported role reference kind: {kind!r}"
        if role is None:
            return [], missing
        return list(role.get("rules") or ()), None

    def visit(self, who: Identity, namespace: str) -> Iterator[tuple[str, list[dict[str, Any]], str | None]]:
        """(source, rules, error) for each binding that applies to who: cluster-wide, then namespace's."""
        scopes: list[tuple[R.ResourceType, str | None]] = [(CLUSTERROLEBINDINGS, None)]
        if namespace:
            scopes.append((ROLEBINDINGS, namespace))
        for rt, ns in scopes:
            for binding in self.store.list(rt, ns):
                md = binding["metadata"]
                bns = md.get("namespace", "") if rt is ROLEBINDINGS else ""
                for subject in binding.get("subjects") or ():
                    if not applies_to(subject, who, bns):
                        continue
                    ref = binding.get("roleRef") or {}
                    rules, err = self.role_rules(ref, bns)
                    shown = f"{md['name']}/{bns}" if bns else md["name"]
                    source = (f'{rt.kind} "{shown}" of {ref.get("kind", "")} "{ref.get("name", "")}" to '
                              f"{_subject_text(subject, bns)}")
                    yield source, rules, err
                    break

    def authorize(self, who: Identity, attrs: Attributes) -> Decision:
        if is_privileged(who):
            return Decision(True, "")
        errors: list[str] = []
        for source, rules, err in self.visit(who, attrs.namespace):
            if err:
                errors.append(err)
            for rule in rules:
                if rule_allows(attrs, rule):
                    return Decision(True, f"RBAC: allowed by {source}")
        if not errors:
            return Decision(False, "")
        # utilerrors.NewAggregate: one error as itself, several as a bracketed list.
        return Decision(False, "RBAC: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"))

    def rules_for(self, who: Identity, namespace: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
        """What SelfSubjectRulesReview reports: resource rules, non-resource rules, incomplete."""
        if is_privileged(who):
            return ([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                    [{"verbs": ["*"], "nonResourceURLs": ["*"]}], False)
        resource_rules: list[dict[str, Any]] = []
        non_resource: list[dict[str, Any]] = []
        incomplete = False
        for _source, rules, err in self.visit(who, namespace):
            incomplete = incomplete or err is not None
            for rule in rules:
                if rule.get("nonResourceURLs"):
                    non_resource.append({"verbs": list(rule.get("verbs") or ()),
                                         "nonResourceURLs": list(rule["nonResourceURLs"])})
                else:
                    out: dict[str, Any] = {"verbs": list(rule.get("verbs") or ())}
                    for key in ("apiGroups", "resources", "resourceNames"):
                        if rule.get(key):
                            out[key] = list(rule[key])
                    resource_rules.append(out)
        return resource_rules, non_resource, incomplete


def forbidden_message(who: Identity, attrs: Attributes, reason: str) -> str:
    """responsewriters.Forbidden through apierrors.NewForbidden, word for word."""
    if not attrs.resource_request:
        msg = f'User "{who.user}" cannot {attrs.verb} path "{attrs.path}"'
        return f"forbidden: {msg}: {reason}" if reason else f"forbidden: {msg}"
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    msg = f'User "{who.user}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.group}" {scope}'
    if reason:
        msg += f": {reason}"
    qualified = f"{attrs.resource}.{attrs.group}" if attrs.group else attrs.resource
    if attrs.name:
        return f'{qualified} "{attrs.name}" is forbidden: {msg}'
    return f"{qualified} is forbidden: {msg}"


def forbidden_details(attrs: Attributes) -> dict[str, Any]:
    if not attrs.resource_request:
        return {}
    details: dict[str, Any] = {"name": attrs.name} if attrs.name else {}
    if attrs.group:
        details["group"] = attrs.group
    details["kind"] = attrs.resource
    return details
