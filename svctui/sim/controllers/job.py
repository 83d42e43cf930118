"""The job controller: a Job's pods are created and counted until it completes or runs out of retries.

pkg/controller/job, simplified: NonIndexed completions with parallelism, backoffLimit (failed pods;
a failed pod is replaced after the controller's back-off, 10 s doubling to 6 min, scaled by the cluster's
speed), activeDeadlineSeconds, suspend (no new pods). On success the Job gets SuccessCriteriaMet then
Complete, on failure FailureTarget then Failed, with the controller's reasons, messages and events.
Not simulated: Indexed mode, podFailurePolicy, successPolicy, ttlSecondsAfterFinished, pod finalizers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import DeleteOptions, deep_copy
from ..clock import parse_time
from ..kinds.jobs import condition
from ..store import Event
from .base import Controller, ObjectKey
from .replicaset import controller_ref, owner_ref

POD_BACKOFF_SECONDS = 10.0
MAX_POD_BACKOFF_SECONDS = 360.0


class JobController(Controller[ObjectKey]):
    name = "job-controller"

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        md = ev.obj["metadata"]
        if ev.rt is R.JOBS:
            return [(md.get("namespace", ""), md["name"])]
        if ev.rt is R.PODS:
            ref = controller_ref(ev.obj)
            if ref and ref.get("kind") == "Job" and ref.get("apiVersion") == "batch/v1":
                return [(md.get("namespace", ""), ref["name"])]
        return []

    def _pods(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        uid = job["metadata"]["uid"]
        return [p for p in self.store.list(R.PODS, job["metadata"]["namespace"])
                if (controller_ref(p) or {}).get("uid") == uid]

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        job = self.store.get(R.JOBS, ns, name)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        if condition(job, "Complete") or condition(job, "Failed"):
            return
        spec = job["spec"]
        pods = self._pods(job)
        active = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                  and not p["metadata"].get("deletionTimestamp")]
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        old = job.get("status") or {}
        status: dict[str, Any] = {k: v for k, v in old.items() if k in ("conditions", "startTime", "completionTime")}
        now_iso = self.clock.iso()
        suspended = bool(spec.get("suspend"))
        if not suspended and "startTime" not in status:
            status["startTime"] = now_iso
        completions = spec.get("completions")
        wanted_done = completions if completions is not None else 1
        finished: tuple[str, str, str] | None = None
        if succeeded >= wanted_done and not active:
            finished = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        elif failed > (spec.get("backoffLimit") or 0):
            finished = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif self._past_deadline(job, status):
            finished = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        if finished is not None:
            kind, reason, message = finished
            for p in active:
                self._delete_pod(p)
            first = "SuccessCriteriaMet" if kind == "Complete" else "FailureTarget"
            conds = list(status.get("conditions") or [])
            for type_ in (first, kind):
                conds.append({"type": type_, "status": "True", "reason": reason, "message": message,
                              "lastProbeTime": now_iso, "lastTransitionTime": now_iso})
            status["conditions"] = conds
            if kind == "Complete":
                status["completionTime"] = now_iso
                self.cluster.recorder.record(job, "Normal", "Completed", "Job completed", "job-controller")
            else:
                self.cluster.recorder.record(job, "Warning", reason, message, "job-controller")
            active = []
        elif not suspended:
            want = min(spec.get("parallelism") or 0, max(0, wanted_done - succeeded)) - len(active)
            delay = self._replacement_delay(pods, failed)
            if want > 0 and delay > 0:
                asyncio.get_running_loop().call_later(delay + 0.01, self.enqueue, key)
            elif want > 0:
                for _ in range(want):
                    pod = self._create_pod(job)
                    if pod is not None:
                        active.append(pod)
        status.update(active=len(active) or None, succeeded=succeeded or None, failed=failed or None,
                      ready=sum(1 for p in active if _ready(p)), terminating=0,
                      uncountedTerminatedPods={})
        status = {k: v for k, v in status.items() if v is not None}
        if status != old:
            self.api.write_status(R.JOBS, job, status)

    def _past_deadline(self, job: dict[str, Any], status: dict[str, Any]) -> bool:
        deadline = job["spec"].get("activeDeadlineSeconds")
        start = parse_time(status.get("startTime"))
        if deadline is None or start is None:
            return False
        left = start + deadline - self.clock.now()
        if left > 0:
            # The user's number, compared with timestamps: unscaled.
            asyncio.get_running_loop().call_later(left + 0.01, self.enqueue,
                                                  (job["metadata"]["namespace"], job["metadata"]["name"]))
            return False
        return True

    def _replacement_delay(self, pods: list[dict[str, Any]], failed: int) -> float:
        """Wall seconds until a failed pod may be replaced: the controller's pod back-off, scaled."""
        if not failed:
            return 0.0
        last = max((parse_time(_finished_at(p)) or 0.0) for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        backoff = min(MAX_POD_BACKOFF_SECONDS, POD_BACKOFF_SECONDS * 2 ** (failed - 1))
        elapsed = self.clock.now() - last
        return max(0.0, self.clock.scaled(backoff) - elapsed)

    def _create_pod(self, job: dict[str, Any]) -> dict[str, Any] | None:
        template = job["spec"].get("template") or {}
        tmd = template.get("metadata") or {}
        md: dict[str, Any] = {"generateName": job["metadata"]["name"] + "-", "ownerReferences": [owner_ref(job)]}
        for field in ("labels", "annotations"):
            if tmd.get(field):
                md[field] = deep_copy(tmd[field])
        body = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": deep_copy(template.get("spec") or {})}
        try:
            pod = self.api.create(R.PODS, job["metadata"]["namespace"], body)
        except E.ApiError as exc:
            self.cluster.recorder.record(job, "Warning", "FailedCreate", f"Error creating: {exc.message}", "job-controller")
            return None
        self.cluster.recorder.record(job, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                     "job-controller")
        return pod

    def _delete_pod(self, pod: dict[str, Any]) -> None:
        try:
            self.api.delete(R.PODS, pod["metadata"]["namespace"], pod["metadata"]["name"], DeleteOptions())
        except E.ApiError:
            pass


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def _finished_at(pod: dict[str, Any]) -> str | None:
    finished = [((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
                for cs in (pod.get("status") or {}).get("containerStatuses") or []]
    times: list[str] = [t for t in finished if t]
    return max(times) if times else None


CONTROLLERS = [JobController]
