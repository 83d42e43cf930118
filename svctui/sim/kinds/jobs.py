"""Jobs (batch/v1): defaulting, the generated selector, validation and the printer.

Defaults follow pkg/apis/batch/v1/defaults.go, the selector and pod labels pkg/registry/batch/job
(generateSelector: batch.kubernetes.io/controller-uid plus the legacy controller-uid/job-name labels),
validation pkg/apis/batch/validation, the printer pkg/printers/internalversion/printers.go (printJob).
The job controller (controllers/job.py) runs the pods to completion.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..clock import parse_time
from ..selectors import selector_from_object, selector_string
from ..strategy import Strategy
from ..strategy import register as register_strategy
from . import pods
from .workloads import default_template

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

UID_LABEL = "batch.kubernetes.io/controller-uid"
NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_UID_LABEL = "controller-uid"
LEGACY_NAME_LABEL = "job-name"


def condition(job: dict[str, Any], type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True" for c in (job.get("status") or {}).get("conditions") or [])


class JobStrategy(Strategy):
    tracks_generation = True

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            obj["spec"] = spec = {}
        if spec.get("completions") is None and spec.get("parallelism") is None:
            spec["completions"] = 1
        if spec.get("parallelism") is None:
            spec["parallelism"] = 1
        if spec.get("backoffLimit") is None and spec.get("backoffLimitPerIndex") is None:
            spec["backoffLimit"] = 6
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        if spec.get("podFailurePolicy") is None:
            spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
        template = spec.get("template")
        if not isinstance(template, dict):
            spec["template"] = template = {}
        if not spec.get("manualSelector") and spec.get("selector") is None:
            md = obj["metadata"]
            # The uid exists before validation in the apiserver (FillObjectMetaSystemFields); the store keeps it.
            uid = md.get("uid") or str(uuid.uuid4())
            md["uid"] = uid
            spec["selector"] = {"matchLabels": {UID_LABEL: uid}}
            tmd = template.get("metadata")
            if not isinstance(tmd, dict):
                template["metadata"] = tmd = {}
            labels = tmd.get("labels")
            if not isinstance(labels, dict):
                tmd["labels"] = labels = {}
            labels.update({LEGACY_UID_LABEL: uid, UID_LABEL: uid, NAME_LABEL: md["name"], LEGACY_NAME_LABEL: md["name"]})
        default_template(api, template)

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {}

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        spec = obj["spec"]
        errs: list[E.FieldError] = []
        for field in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
            v = spec.get(field)
            if isinstance(v, int) and (v < 0 or (field == "activeDeadlineSeconds" and v == 0)):
                errs.append(E.invalid(f"spec.{field}", v, "must be greater than 0" if field == "activeDeadlineSeconds"
                                      else "must be greater than or equal to 0"))
        mode = spec.get("completionMode")
        if mode not in ("NonIndexed", "Indexed"):
            errs.append(E.not_supported("spec.completionMode", mode, ["NonIndexed", "Indexed"]))
        elif mode == "Indexed" and spec.get("completions") is None:
            errs.append(E.required("spec.completions"))
            errs[-1].message = "Required value: when completion mode is Indexed"
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        sel = spec.get("selector")
        if sel is None:
            errs.append(E.required("spec.selector"))
        elif not selector_from_object(sel).matches(labels):
            errs.append(E.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
        tspec = template.get("spec") or {}
        errs += pods.validate_pod_spec(api, tspec, "spec.template.spec")
        policy = tspec.get("restartPolicy")
        if policy not in ("OnFailure", "Never"):
            errs.append(E.not_supported("spec.template.spec.restartPolicy", policy, ["OnFailure", "Never"]))
        return errs

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        errs: list[E.FieldError] = []
        for field in ("selector", "completionMode"):
            if obj["spec"].get(field) != old["spec"].get(field):
                errs.append(E.immutable(f"spec.{field}", obj["spec"].get(field)))
        if obj["spec"].get("template") != old["spec"].get("template"):
            errs.append(E.immutable("spec.template", ""))
        return errs


def status_word(job: dict[str, Any]) -> str:
    if condition(job, "Complete"):
        return "Complete"
    if condition(job, "Failed"):
        return "Failed"
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    if condition(job, "Suspended"):
        return "Suspended"
    if condition(job, "FailureTarget"):
        return "FailureTarget"
    if condition(job, "SuccessCriteriaMet"):
        return "SuccessCriteriaMet"
    return "Running"


def _job_cells(obj: dict[str, Any], now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = "" if start is None else T.human_duration((end if end is not None else now) - start)
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return [obj["metadata"]["name"], status_word(obj), completions, duration,
            T.age(obj["metadata"].get("creationTimestamp"), now), ",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers), selector_string(spec.get("selector"))]


def register(cluster: Cluster) -> None:
    register_strategy(R.JOBS, JobStrategy())
    T.register(R.JOBS, [
        T.NAME_COLUMN,
        T.col("Status", description="Status of the job."),
        T.col("Completions", description="The desired number of successfully finished pods the job should be run "
              "with."),
        T.col("Duration", description="Time required to complete the job."),
        T.AGE_COLUMN,
        T.col("Containers", priority=1, description="Names of each container in the template."),
        T.col("Images", priority=1, description="Images referenced by each container in the template."),
        T.col("Selector", priority=1, description="A label query over pods that should match the pod count."),
    ], _job_cells)
