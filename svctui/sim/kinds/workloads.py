"""Deployments, ReplicaSets and StatefulSets (apps/v1): defaulting, validation and printers.

Defaults and messages follow pkg/apis/apps/v1/defaults.go and pkg/apis/apps/validation/validation.go;
printers follow pkg/printers/internalversion/printers.go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..selectors import selector_from_object, selector_string
from ..strategy import Strategy
from ..strategy import register as register_strategy
from . import pods

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}


# ---- Go-style rendering of values in validation messages (field.Invalid prints %#v) ----

def _go_map(m: dict[str, str] | None) -> str:
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(m.items())) + "}"


def _go_selector(sel: dict[str, Any] | None) -> str:
    if sel is None:
        return "null"
    exprs = sel.get("matchExpressions")
    if exprs is None:
        go_exprs = "[]v1.LabelSelectorRequirement(nil)"
    else:
        items = []
        for e in exprs:
            values = e.get("values")
            go_values = "[]string(nil)" if values is None else "[]string{" + ", ".join(f'"{v}"' for v in values) + "}"
            items.append(f'v1.LabelSelectorRequirement{{Key:"{e.get("key", "")}", Operator:"{e.get("operator", "")}", Values:{go_values}}}')
        go_exprs = "[]v1.LabelSelectorRequirement{" + ", ".join(items) + "}"
    return f"v1.LabelSelector{{MatchLabels:{_go_map(sel.get('matchLabels'))}, MatchExpressions:{go_exprs}}}"


def _go_intstr(v: Any) -> str:
    if isinstance(v, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{v}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{v}, StrVal:""}}'


class _Rendered:
    """A value whose rendering in an error message is already Go-formatted (printed without quotes)."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


# ---- shared helpers (controllers use these too) ----

def resolve_int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            pct = int(value[:-1])
        except ValueError:
            return 0
        scaled = pct * total
        return -(-scaled // 100) if round_up else scaled // 100
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def default_template(api: Api, template: dict[str, Any]) -> None:
    """Pod template defaults, as the apiserver applies them to every template it stores."""
    md = template.get("metadata")
    if not isinstance(md, dict):
        template["metadata"] = md = {}
    # ObjectMeta's zero creationTimestamp serializes as null inside templates.
    md.setdefault("creationTimestamp", None)
    spec = template.get("spec")
    if not isinstance(spec, dict):
        template["spec"] = spec = {}
    pods.default_pod_spec(spec)


def _nonnegative(field: str, value: Any) -> list[E.FieldError]:
    if isinstance(value, int) and value < 0:
        return [E.invalid(field, value, "must be greater than or equal to 0")]
    return []


def validate_selector_and_template(api: Api, spec: dict[str, Any], kind: str) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    sel = spec.get("selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    if sel is None:
        errs.append(E.required("spec.selector"))
    elif not (sel.get("matchLabels") or sel.get("matchExpressions")):
        errs.append(E.invalid("spec.selector", _Rendered(_go_selector(sel)), f"empty selector is invalid for {kind}"))
    else:
        for i, expr in enumerate(sel.get("matchExpressions") or []):
            op = expr.get("operator")
            if op not in _OPS:
                errs.append(E.not_supported(f"spec.selector.matchExpressions[{i}].operator", op, list(_OPS)))
            elif op in ("In", "NotIn") and not expr.get("values"):
                errs.append(E.required(f"spec.selector.matchExpressions[{i}].values"))
                errs[-1].message = "Required value: must be specified when `operator` is 'In' or 'NotIn'"
            elif op in ("Exists", "DoesNotExist") and expr.get("values"):
                errs.append(E.forbidden(f"spec.selector.matchExpressions[{i}].values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    # A missing selector selects nothing, so it cannot match the template either (as in Kubernetes).
    if not errs or sel is None:
        if sel is None or not selector_from_object(sel).matches(labels or {}):
            errs.append(E.invalid("spec.template.metadata.labels", _Rendered(_go_map(labels)),
                                  "`selector` does not match template `labels`"))
    tspec = template.get("spec") or {}
    errs += pods.validate_pod_spec(api, tspec, "spec.template.spec")
    policy = tspec.get("restartPolicy")
    if policy != "Always":
        errs.append(E.not_supported("spec.template.spec.restartPolicy", policy, ["Always"]))
    if tspec.get("activeDeadlineSeconds") is not None:
        if kind == "statefulset":
            errs.append(E.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
        else:
            errs.append(E.invalid("spec.template.spec.activeDeadlineSeconds", tspec["activeDeadlineSeconds"],
                                  "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return errs


def selector_immutable(obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
    new_sel = obj.get("spec", {}).get("selector")
    if new_sel != old.get("spec", {}).get("selector"):
        return [E.invalid("spec.selector", _Rendered(_go_selector(new_sel)), "field is immutable")]
    return []


class _WorkloadStrategy(Strategy):
    tracks_generation = True
    kind = ""

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            obj["spec"] = spec = {}
        if spec.get("replicas") is None:
            spec["replicas"] = 1
        template = spec.get("template")
        if not isinstance(template, dict):
            spec["template"] = template = {}
        default_template(api, template)

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {}

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        spec = obj["spec"]
        errs = _nonnegative("spec.replicas", spec.get("replicas"))
        errs += validate_selector_and_template(api, spec, self.kind)
        errs += _nonnegative("spec.minReadySeconds", spec.get("minReadySeconds", 0))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        return selector_immutable(obj, old)


class DeploymentStrategy(_WorkloadStrategy):
    kind = "deployment"

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        super().default(api, obj)
        spec = obj["spec"]
        strategy = spec.get("strategy")
        if not isinstance(strategy, dict):
            spec["strategy"] = strategy = {}
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.get("rollingUpdate")
            if not isinstance(ru, dict):
                strategy["rollingUpdate"] = ru = {}
            if ru.get("maxUnavailable") is None:
                ru["maxUnavailable"] = "25%"
            if ru.get("maxSurge") is None:
                ru["maxSurge"] = "25%"
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        if spec.get("progressDeadlineSeconds") is None:
            spec["progressDeadlineSeconds"] = 600

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs = super().validate(api, obj)
        spec = obj["spec"]
        strategy = spec.get("strategy") or {}
        stype = strategy.get("type")
        if stype == "Recreate":
            if strategy.get("rollingUpdate") is not None:
                errs.append(E.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
        elif stype == "RollingUpdate":
            errs += _validate_rolling_update(strategy.get("rollingUpdate") or {})
        else:
            errs.append(E.not_supported("spec.strategy.type", stype, ["Recreate", "RollingUpdate"]))
        errs += _nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
        deadline = spec.get("progressDeadlineSeconds")
        if isinstance(deadline, int):
            errs += _nonnegative("spec.progressDeadlineSeconds", deadline)
            if deadline <= (spec.get("minReadySeconds") or 0):
                errs.append(E.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
        return errs


def _validate_rolling_update(ru: dict[str, Any]) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    values: dict[str, Any] = {}
    for name in ("maxUnavailable", "maxSurge"):
        field = f"spec.strategy.rollingUpdate.{name}"
        v = ru.get(name)
        if isinstance(v, str):
            if not v.endswith("%") or not v[:-1].isdigit():
                errs.append(E.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' "
                                      "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
                values[name] = None
                continue
            values[name] = int(v[:-1])
        else:
            values[name] = v
            if isinstance(v, int) and v < 0:
                errs.append(E.invalid(field, v, "must be greater than or equal to 0"))
    if values.get("maxUnavailable") == 0 and values.get("maxSurge") == 0:
        errs.append(E.invalid("spec.strategy.rollingUpdate.maxUnavailable", _Rendered(_go_intstr(ru.get("maxUnavailable"))),
                              "may not be 0 when `maxSurge` is 0"))
    mu = ru.get("maxUnavailable")
    if isinstance(mu, str) and values.get("maxUnavailable") is not None and values["maxUnavailable"] > 100:
        errs.append(E.invalid("spec.strategy.rollingUpdate.maxUnavailable", mu, "must not be greater than 100%"))
    return errs


class ReplicaSetStrategy(_WorkloadStrategy):
    # Kubernetes' ReplicaSet validation really says "deployment" here.
    kind = "deployment"


class StatefulSetStrategy(_WorkloadStrategy):
    kind = "statefulset"
    _MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        super().default(api, obj)
        spec = obj["spec"]
        spec.setdefault("podManagementPolicy", "OrderedReady")
        us = spec.get("updateStrategy")
        if not isinstance(us, dict):
            spec["updateStrategy"] = us = {}
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            ru = us.get("rollingUpdate")
            if not isinstance(ru, dict):
                us["rollingUpdate"] = ru = {}
            if ru.get("partition") is None:
                ru["partition"] = 0
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        policy = spec.get("persistentVolumeClaimRetentionPolicy")
        if not isinstance(policy, dict):
            spec["persistentVolumeClaimRetentionPolicy"] = policy = {}
        policy.setdefault("whenDeleted", "Retain")
        policy.setdefault("whenScaled", "Retain")
        for claim in spec.get("volumeClaimTemplates") or []:
            if isinstance(claim, dict):
                claim.setdefault("apiVersion", "v1")
                claim.setdefault("kind", "PersistentVolumeClaim")
                claim.setdefault("metadata", {}).setdefault("creationTimestamp", None)
                claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
                claim.setdefault("status", {"phase": "Pending"})

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs = super().validate(api, obj)
        spec = obj["spec"]
        policy = spec.get("podManagementPolicy")
        if policy not in ("OrderedReady", "Parallel"):
            errs.append(E.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
        us = spec.get("updateStrategy") or {}
        if us.get("type") == "OnDelete":
            if us.get("rollingUpdate") is not None:
                errs.append(E.invalid("spec.updateStrategy.rollingUpdate", _Rendered(str(us["rollingUpdate"])),
                                      "only allowed for updateStrategy 'RollingUpdate'"))
        elif us.get("type") == "RollingUpdate":
            errs += _nonnegative("spec.updateStrategy.rollingUpdate.partition", (us.get("rollingUpdate") or {}).get("partition"))
        else:
            errs.append(E.not_supported("spec.updateStrategy", us.get("type"), ["OnDelete", "RollingUpdate"]))
        errs += _nonnegative("spec.ordinals.start", (spec.get("ordinals") or {}).get("start"))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        new_rest = {k: v for k, v in obj.get("spec", {}).items() if k not in self._MUTABLE}
        old_rest = {k: v for k, v in old.get("spec", {}).items() if k not in self._MUTABLE}
        if new_rest != old_rest:
            return [E.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                                "'minReadySeconds' are forbidden")]
        return []


# ---- printers ----

_CONTAINERS = T.col("Containers", priority=1, description="Names of each container in the template.")
_IMAGES = T.col("Images", priority=1, description="Images referenced by each container in the template.")
_SELECTOR = T.col("Selector", priority=1, description="Label selector for pods. Existing ReplicaSets whose pods are "
                  "selected by this will be the ones affected by this deployment.")


def _template_cells(obj: dict[str, Any]) -> list[str]:
    containers = ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def _deployment_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0),
            T.age(obj["metadata"].get("creationTimestamp"), now), *_template_cells(obj), selector_string(spec.get("selector"))]


def _replicaset_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0), status.get("readyReplicas", 0),
            T.age(obj["metadata"].get("creationTimestamp"), now), *_template_cells(obj), selector_string(spec.get("selector"))]


def _statefulset_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            T.age(obj["metadata"].get("creationTimestamp"), now), *_template_cells(obj)]


def register(cluster: Cluster) -> None:
    register_strategy(R.DEPLOYMENTS, DeploymentStrategy())
    register_strategy(R.REPLICASETS, ReplicaSetStrategy())
    register_strategy(R.STATEFULSETS, StatefulSetStrategy())
    T.register(R.DEPLOYMENTS, [
        T.NAME_COLUMN,
        T.col("Ready", description="Number of the pod with ready state"),
        T.col("Up-to-date", description="Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        T.col("Available", description="Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        T.AGE_COLUMN, _CONTAINERS, _IMAGES, _SELECTOR,
    ], _deployment_cells)
    T.register(R.REPLICASETS, [
        T.NAME_COLUMN,
        T.col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
        T.col("Current", "integer", "Replicas is the most recently observed number of replicas."),
        T.col("Ready", "integer", "The number of ready replicas for this replica set."),
        T.AGE_COLUMN, _CONTAINERS, _IMAGES,
        T.col("Selector", priority=1, description="Selector is a label query over pods that should match the replica count. "
              "If the selector is empty, it is defaulted to the labels present on the pod template."),
    ], _replicaset_cells)
    T.register(R.STATEFULSETS, [
        T.NAME_COLUMN,
        T.col("Ready", description="Number of the pod with ready state"),
        T.AGE_COLUMN, _CONTAINERS, _IMAGES,
    ], _statefulset_cells)
