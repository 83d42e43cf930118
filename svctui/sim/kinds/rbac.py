"""Roles, ClusterRoles and their bindings: validation as pkg/apis/rbac/validation has it, and the
printers `kubectl get` shows (NAME, CREATED AT; bindings with ROLE and, wide, their subjects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import rbac_escalation
from .. import resources as R
from .. import tables as T
from ..strategy import Strategy
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def _path_segment_errors(name: str) -> list[E.FieldError]:
    # Role names are path segments, not DNS names: `system:discovery` is valid.
    if name in (".", ".."):
        return [E.invalid("metadata.name", name, f'may not be {name!r}')]
    for bad in ("/", "%"):
        if bad in name:
            return [E.invalid("metadata.name", name, f"may not contain {bad!r}")]
    return []


def _rule_errors(rules: Any, field: str = "rules") -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    for i, rule in enumerate(rules or ()):
        at = f"{field}[{i}]"
        if not rule.get("verbs"):
            errs.append(E.FieldError("FieldValueRequired", f"{at}.verbs", "Required value: verbs must contain at least one value"))
        if rule.get("nonResourceURLs"):
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errs.append(E.FieldError("FieldValueInvalid", f"{at}.nonResourceURLs",
                                         f"Invalid value: {rule['nonResourceURLs']}: rules cannot apply to both regular "
                                         "resources and non-resource URLs"))
            continue
        if not rule.get("apiGroups"):
            errs.append(E.FieldError("FieldValueRequired", f"{at}.apiGroups", "Required value: resource rules must supply at least one api group"))
        if not rule.get("resources"):
            errs.append(E.FieldError("FieldValueRequired", f"{at}.resources", "Required value: resource rules must supply at least one resource"))
    return errs


def _authorizer(api: Api) -> Any:
    return api.parts.authorizer


class RoleStrategy(Strategy):
    has_status = False
    cluster_scoped = False
    rt = R.ROLES

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        rbac_escalation.check_role(_authorizer(api), self.rt, obj)

    def prepare_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any], dry_run: bool) -> None:
        rbac_escalation.check_role(_authorizer(api), self.rt, obj)

    def validate_name(self, rt: R.ResourceType, name: str) -> list[E.FieldError]:
        return _path_segment_errors(name)

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs = _rule_errors(obj.get("rules"))
        if obj.get("rules") and any(r.get("nonResourceURLs") for r in obj["rules"]) and not self.cluster_scoped:
            errs.append(E.FieldError("FieldValueInvalid", "rules[0].nonResourceURLs",
                                     "Invalid value: namespaced rules cannot apply to non-resource URLs"))
        return errs


class ClusterRoleStrategy(RoleStrategy):
    cluster_scoped = True
    rt = R.CLUSTERROLES


class BindingStrategy(Strategy):
    has_status = False
    cluster_scoped = False
    rt = R.ROLEBINDINGS

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        rbac_escalation.check_binding(_authorizer(api), self.rt, obj)

    def prepare_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any], dry_run: bool) -> None:
        rbac_escalation.check_binding(_authorizer(api), self.rt, obj)

    def validate_name(self, rt: R.ResourceType, name: str) -> list[E.FieldError]:
        return _path_segment_errors(name)

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs: list[E.FieldError] = []
        ref = obj.get("roleRef") or {}
        allowed = ("ClusterRole",) if self.cluster_scoped else ("Role", "ClusterRole")
        if ref.get("apiGroup") != "rbac.authorization.k8s.io":
            errs.append(E.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), ["rbac.authorization.k8s.io"]))
        if ref.get("kind") not in allowed:
            errs.append(E.not_supported("roleRef.kind", ref.get("kind", ""), list(allowed)))
        if not ref.get("name"):
            errs.append(E.required("roleRef.name"))
        for i, subject in enumerate(obj.get("subjects") or ()):
            at = f"subjects[{i}]"
            if not subject.get("name"):
                errs.append(E.required(f"{at}.name"))
            if subject.get("kind") not in SUBJECT_KINDS:
                errs.append(E.not_supported(f"{at}.kind", subject.get("kind", ""), list(SUBJECT_KINDS)))
            elif subject["kind"] == "ServiceAccount":
                if self.cluster_scoped and not subject.get("namespace"):
                    errs.append(E.required(f"{at}.namespace"))
            elif subject.get("apiGroup") != "rbac.authorization.k8s.io":
                errs.append(E.not_supported(f"{at}.apiGroup", subject.get("apiGroup", ""), ["rbac.authorization.k8s.io"]))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        if (obj.get("roleRef") or {}) != (old.get("roleRef") or {}):
            return [E.FieldError("FieldValueInvalid", "roleRef", f"Invalid value: {_ref_text(obj.get('roleRef'))}: cannot change roleRef")]
        return []


class ClusterBindingStrategy(BindingStrategy):
    cluster_scoped = True
    rt = R.CLUSTERROLEBINDINGS


def _ref_text(ref: Any) -> str:
    # Go's %v of rbac.RoleRef.
    ref = ref or {}
    return "{" + " ".join(str(ref.get(k, "")) for k in ("apiGroup", "kind", "name")) + "}"


def _role_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


def _binding_cells(obj: dict[str, Any], now: float) -> list[Any]:
    ref = obj.get("roleRef") or {}
    users, groups, sas = [], [], []
    for s in obj.get("subjects") or ():
        if s.get("kind") == "User":
            users.append(s.get("name", ""))
        elif s.get("kind") == "Group":
            groups.append(s.get("name", ""))
        elif s.get("kind") == "ServiceAccount":
            sas.append(f"{s.get('namespace', '')}/{s.get('name', '')}")
    return [obj["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}",
            T.age(obj["metadata"].get("creationTimestamp"), now), ", ".join(users), ", ".join(groups), ", ".join(sas)]


def register(cluster: Cluster) -> None:
    register_strategy(R.ROLES, RoleStrategy())
    register_strategy(R.CLUSTERROLES, ClusterRoleStrategy())
    register_strategy(R.ROLEBINDINGS, BindingStrategy())
    register_strategy(R.CLUSTERROLEBINDINGS, ClusterBindingStrategy())
    created = T.col("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.")
    for rt in (R.ROLES, R.CLUSTERROLES):
        T.register(rt, [T.NAME_COLUMN, created], _role_cells)
    binding_cols = [T.NAME_COLUMN, T.col("Role", description="RoleRef is the name of the role binding"), T.AGE_COLUMN,
                    T.col("Users", priority=1, description="Users in the binding"),
                    T.col("Groups", priority=1, description="Groups in the binding"),
                    T.col("ServiceAccounts", priority=1, description="ServiceAccounts in the binding")]
    for rt in (R.ROLEBINDINGS, R.CLUSTERROLEBINDINGS):
        T.register(rt, binding_cols, _binding_cells)
