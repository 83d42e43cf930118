"""DaemonSets (apps/v1): defaulting, validation and the printer (controllers/daemonset.py runs them).

Defaults follow pkg/apis/apps/v1/defaults.go (SetDefaults_DaemonSet), the printer
pkg/printers/internalversion/printers.go (printDaemonSet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..selectors import selector_string
from ..strategy import Strategy
from ..strategy import register as register_strategy
from .workloads import default_template, selector_immutable, validate_selector_and_template

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster


class DaemonSetStrategy(Strategy):
    tracks_generation = True

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            obj["spec"] = spec = {}
        us = spec.get("updateStrategy")
        if not isinstance(us, dict):
            spec["updateStrategy"] = us = {}
        us.setdefault("type", "RollingUpdate")
        if us["type"] == "RollingUpdate":
            ru = us.get("rollingUpdate")
            if not isinstance(ru, dict):
                us["rollingUpdate"] = ru = {}
            if ru.get("maxUnavailable") is None:
                ru["maxUnavailable"] = 1
            if ru.get("maxSurge") is None:
                ru["maxSurge"] = 0
        if spec.get("revisionHistoryLimit") is None:
            spec["revisionHistoryLimit"] = 10
        template = spec.get("template")
        if not isinstance(template, dict):
            spec["template"] = template = {}
        default_template(api, template)

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {"currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0,
                         "numberReady": 0}

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs = validate_selector_and_template(api, obj["spec"], "daemonset")
        # The workload check words activeDeadlineSeconds for ReplicaSets; a DaemonSet has no such field rule.
        return [e for e in errs if e.field != "spec.template.spec.activeDeadlineSeconds"]

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        return selector_immutable(obj, old)


def _node_selector(spec: dict[str, Any]) -> str:
    sel = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"


def _cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return [obj["metadata"]["name"], st.get("desiredNumberScheduled", 0), st.get("currentNumberScheduled", 0),
            st.get("numberReady", 0), st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0),
            _node_selector(spec), T.age(obj["metadata"].get("creationTimestamp"), now),
            ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            selector_string(spec.get("selector"))]


def register(cluster: Cluster) -> None:
    register_strategy(R.DAEMONSETS, DaemonSetStrategy())
    T.register(R.DAEMONSETS, [
        T.NAME_COLUMN,
        T.col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including "
              "nodes correctly running the daemon pod)."),
        T.col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed "
              "to run the daemon pod."),
        T.col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and "
              "have one or more of the daemon pod running with a Ready Condition."),
        T.col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
        T.col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or "
              "more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        T.col("Node Selector", description="NodeSelector is a selector which must be true for the pod to fit on a "
              "node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: "
              "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
        T.AGE_COLUMN,
        T.col("Containers", priority=1, description="Names of each container in the template."),
        T.col("Images", priority=1, description="Images referenced by each container in the template."),
        T.col("Selector", priority=1, description="A label query over pods that are managed by the daemon set."),
    ], _cells)
