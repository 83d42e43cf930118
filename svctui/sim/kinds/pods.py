"""Pods and Nodes: the apiserver's defaulting and admission, validation, graceful deletion, binding, printers.

`default_pod_spec` is the defaulting a PodSpec gets wherever it appears (pods and pod templates); what only
pods get (service account token volume, priority, default tolerations, enableServiceLinks) is added when a
pod is created, as the admission plugins do.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import quantity, schemas
from .. import resources as R
from .. import tables as T
from ..apiserver import deep_copy, random_suffix
from ..podsecurity import admit as pod_security
from ..strategy import DNS1123_LABEL, LABEL_MSG, Strategy
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
PRIORITY_CLASSES = {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}
DEFAULT_TOLERATION_SECONDS = 300
UPDATABLE_FIELDS_MSG = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


# ---- defaulting ----

def default_pod_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Apply the v1 PodSpec defaults in place (pods and pod templates alike); returns spec."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict):
                _default_container(c)
    for v in spec.get("volumes") or []:
        for source in ("configMap", "secret", "projected", "downwardAPI"):
            if isinstance(v.get(source), dict):
                v[source].setdefault("defaultMode", 420)
        for item in (v.get("downwardAPI") or {}).get("items") or []:
            if isinstance(item.get("fieldRef"), dict):
                item["fieldRef"].setdefault("apiVersion", "v1")
    return spec


def _default_container(c: dict[str, Any]) -> None:
    if "imagePullPolicy" not in c:
        c["imagePullPolicy"] = pull_policy(c.get("image") or "")
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if c.get("resources") is None:
        c["resources"] = {}
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
    for e in c.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("fieldRef") if isinstance(e, dict) else None
        if isinstance(ref, dict):
            ref.setdefault("apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(c.get(probe), dict):
            _default_probe(c[probe])


def _default_probe(p: dict[str, Any]) -> None:
    p.setdefault("timeoutSeconds", 1)
    p.setdefault("periodSeconds", 10)
    p.setdefault("successThreshold", 1)
    p.setdefault("failureThreshold", 3)
    if isinstance(p.get("httpGet"), dict):
        p["httpGet"].setdefault("path", "/")
        p["httpGet"].setdefault("scheme", "HTTP")


def pull_policy(image: str) -> str:
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.rsplit(":", 1)[1] == "latest":
        return "Always"
    return "IfNotPresent"


def _admit(api: Api, pod: dict[str, Any]) -> None:
    """What the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add to a new pod."""
    spec = pod["spec"]
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    if spec.get("automountServiceAccountToken") is not False:
        _mount_token(api, spec)
    spec.setdefault("priority", PRIORITY_CLASSES.get(spec.get("priorityClassName", ""), 0))
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.get("tolerations") or []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(_tolerates_key(t, key) for t in tolerations):
            tolerations.append({"effect": "NoExecute", "key": key, "operator": "Exists",
                                "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    spec["tolerations"] = tolerations


def _tolerates_key(t: dict[str, Any], key: str) -> bool:
    return (t.get("key") in (key, None, "") and t.get("effect") in ("NoExecute", None, "")
            and (t.get("key") or t.get("operator") == "Exists"))


def _mount_token(api: Api, spec: dict[str, Any]) -> None:
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    if any(m.get("mountPath") == SERVICE_ACCOUNT_MOUNT for c in containers for m in c.get("volumeMounts") or []):
        return
    name = "kube-api-access-" + random_suffix(5, api.rng)
    spec.setdefault("volumes", []).append({
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                            "path": "namespace"}]}},
            ],
        },
    })
    for c in containers:
        c.setdefault("volumeMounts", []).append({"mountPath": SERVICE_ACCOUNT_MOUNT, "name": name, "readOnly": True})


# ---- resources ----

def _requests(c: dict[str, Any]) -> dict[str, Any]:
    res = c.get("resources") or {}
    # Requests default to limits where only limits are given.
    return {**(res.get("limits") or {}), **(res.get("requests") or {})}


def qos_class(spec: dict[str, Any]) -> str:
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    any_set = False
    guaranteed = True
    for c in containers:
        limits = (c.get("resources") or {}).get("limits") or {}
        requests = _requests(c)
        for r in ("cpu", "memory"):
            if r in requests or r in limits:
                any_set = True
            if r not in limits or quantity.parse(requests.get(r)) != quantity.parse(limits.get(r)):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def pod_requests(spec: dict[str, Any]) -> tuple[int, int]:
    """(cpu millicores, memory bytes) the scheduler reserves for the pod."""
    cpu = sum(quantity.milli(_requests(c).get("cpu")) for c in spec.get("containers") or [])
    mem = sum(quantity.units(_requests(c).get("memory")) for c in spec.get("containers") or [])
    for c in spec.get("initContainers") or []:
        cpu = max(cpu, quantity.milli(_requests(c).get("cpu")))
        mem = max(mem, quantity.units(_requests(c).get("memory")))
    return cpu, mem


# ---- validation ----

_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")
_HAS_LETTER = re.compile(r"[a-z]")


def _port_name_errors(name: str) -> list[str]:
    msgs = []
    if len(name) > 15:
        msgs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.match(name):
        msgs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _HAS_LETTER.search(name):
        msgs.append("must contain at least one letter (a-z)")
    if "--" in name:
        msgs.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        msgs.append("must not begin or end with a hyphen")
    return msgs


def _validate_containers(containers: Any, path: str, required: bool) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    if not containers:
        if required:
            errs.append(E.required(path))
        return errs
    names: set[str] = set()
    for i, c in enumerate(containers):
        p = f"{path}[{i}]"
        name = c.get("name") or ""
        if not name:
            errs.append(E.required(f"{p}.name"))
        elif len(name) > 63 or not DNS1123_LABEL.match(name):
            errs.append(E.invalid(f"{p}.name", name, "must be no more than 63 characters" if len(name) > 63 else LABEL_MSG))
        elif name in names:
            errs.append(E.duplicate(f"{p}.name", name))
        else:
            names.add(name)
        image = c.get("image") or ""
        if not image:
            errs.append(E.required(f"{p}.image"))
        elif image != image.strip():
            errs.append(E.invalid(f"{p}.image", image, "must not have leading or trailing whitespace"))
        port_names: set[str] = set()
        for j, port in enumerate(c.get("ports") or []):
            pp = f"{p}.ports[{j}]"
            pname = port.get("name") or ""
            if pname:
                msgs = _port_name_errors(pname)
                if msgs:
                    errs += [E.invalid(f"{pp}.name", pname, m) for m in msgs]
                elif pname in port_names:
                    errs.append(E.duplicate(f"{pp}.name", pname))
                else:
                    port_names.add(pname)
            number = port.get("containerPort")
            if not number:
                errs.append(E.required(f"{pp}.containerPort"))
            elif not isinstance(number, int) or not 1 <= number <= 65535:
                errs.append(E.invalid(f"{pp}.containerPort", number, "must be between 1 and 65535, inclusive"))
            host = port.get("hostPort")
            if host and (not isinstance(host, int) or not 1 <= host <= 65535):
                errs.append(E.invalid(f"{pp}.hostPort", host, "must be between 1 and 65535, inclusive"))
            proto = port.get("protocol")
            if proto not in ("TCP", "UDP", "SCTP"):
                errs.append(E.not_supported(f"{pp}.protocol", proto, ["SCTP", "TCP", "UDP"]))
        policy = c.get("imagePullPolicy")
        if policy not in ("Always", "IfNotPresent", "Never"):
            errs.append(E.not_supported(f"{p}.imagePullPolicy", policy, ["Always", "IfNotPresent", "Never"]))
    return errs


def validate_pod_spec(api: Api, spec: dict[str, Any], path: str = "spec") -> list[E.FieldError]:
    """Validation of a PodSpec wherever it appears (pods and pod templates), with the apiserver's messages."""
    errs = _validate_containers(spec.get("containers"), f"{path}.containers", required=True)
    errs += _validate_containers(spec.get("initContainers"), f"{path}.initContainers", required=False)
    policy = spec.get("restartPolicy")
    if not policy:
        errs.append(E.required(f"{path}.restartPolicy"))
    elif policy not in ("Always", "OnFailure", "Never"):
        errs.append(E.not_supported(f"{path}.restartPolicy", policy, ["Always", "OnFailure", "Never"]))
    dns = spec.get("dnsPolicy")
    if dns not in ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"):
        errs.append(E.not_supported(f"{path}.dnsPolicy", dns, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]))
    for i, t in enumerate(spec.get("tolerations") or []):
        if t.get("effect") not in (None, "", "NoSchedule", "PreferNoSchedule", "NoExecute"):
            errs.append(E.not_supported(f"{path}.tolerations[{i}].effect", t.get("effect"),
                                        ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
        if t.get("operator") not in (None, "", "Exists", "Equal"):
            errs.append(E.not_supported(f"{path}.tolerations[{i}].operator", t.get("operator"), ["Equal", "Exists"]))
    return errs


def _without_seconds(t: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in t.items() if k != "tolerationSeconds"}


def _validate_spec_update(new: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
    errs: list[E.FieldError] = []
    new_tols = [_without_seconds(t) for t in new.get("tolerations") or []]
    for t in old.get("tolerations") or []:
        if _without_seconds(t) not in new_tols:
            errs.append(E.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"))
            break
    new_deadline, old_deadline = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if old_deadline is not None and (new_deadline is None or new_deadline > old_deadline):
        msg = ("must not update from a positive integer to nil value" if new_deadline is None
               else "must be less than or equal to previous value")
        errs.append(E.invalid("spec.activeDeadlineSeconds", new_deadline, msg))
    munged = deep_copy(old)
    for key in ("containers", "initContainers"):
        olds, news = munged.get(key) or [], new.get(key) or []
        if len(olds) == len(news):
            for oc, nc in zip(olds, news, strict=True):
                oc["image"] = nc.get("image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        if key in new:
            munged[key] = new[key]
        else:
            munged.pop(key, None)
    if (old.get("terminationGracePeriodSeconds") or 0) < 0 and new.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = 1
    if munged != new:
        errs.append(E.forbidden("spec", UPDATABLE_FIELDS_MSG + "\n" + _spec_diff(munged, new)))
    return errs


def _spec_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A short diff in the spirit of the cmp.Diff the apiserver appends."""
    lines = ["  core.PodSpec{"]
    same = 0
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            same += 1
            continue
        go_name = key[:1].upper() + key[1:]
        if key in old:
            lines.append(f"- \t{go_name}: {json.dumps(old[key], sort_keys=True)},")
        if key in new:
            lines.append(f"+ \t{go_name}: {json.dumps(new[key], sort_keys=True)},")
    if same:
        lines.append(f"  \t... // {same} identical fields")
    lines.append("  }")
    return "\n".join(lines) + "\n"


# ---- binding ----

def bind(api: Api, pod: dict[str, Any], node: str) -> dict[str, Any]:
    """Assign the pod to node as the binding subresource does: spec.nodeName and PodScheduled=True."""
    if pod["spec"].get("nodeName"):
        raise E.ApiError(409, "Conflict", f'Operation cannot be fulfilled on pods/binding "{pod["metadata"]["name"]}": '
                         f'pod {pod["metadata"]["name"]} is already assigned to node "{pod["spec"]["nodeName"]}"',
                         {"name": pod["metadata"]["name"], "kind": "pods/binding"})
    new = deep_copy(pod)
    new["spec"]["nodeName"] = node
    status = new.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                       "lastTransitionTime": api.clock.iso()})
    status["conditions"] = conditions
    return api.write(R.PODS, new)


# ---- strategies ----

class PodStrategy(Strategy):
    def default(self, api: Api, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            spec = obj["spec"] = {}
        default_pod_spec(spec)
        spec.setdefault("enableServiceLinks", True)
        for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            res = c.get("resources") or {}
            if res.get("limits"):
                res["requests"] = {**res["limits"], **(res.get("requests") or {})}

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        pod_security(api.store.get(R.NAMESPACES, None, obj["metadata"].get("namespace", "")), obj)
        _admit(api, obj)
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj["spec"])}

    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        return validate_pod_spec(api, obj["spec"])

    def validate_update(self, api: Api, obj: dict[str, Any], old: dict[str, Any]) -> list[E.FieldError]:
        return _validate_spec_update(obj["spec"], old["spec"])

    def grace_period(self, api: Api, obj: dict[str, Any], requested: int | None) -> int:
        if not obj["spec"].get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None and requested >= 0:
            return requested
        grace = obj["spec"].get("terminationGracePeriodSeconds")
        return grace if isinstance(grace, int) and grace >= 0 else 30

    def released(self, api: Api, obj: dict[str, Any]) -> None:
        api.parts.ipam.release(obj["metadata"].get("uid", ""))


class NodeStrategy(Strategy):
    def validate(self, api: Api, obj: dict[str, Any]) -> list[E.FieldError]:
        errs = []
        for i, t in enumerate((obj.get("spec") or {}).get("taints") or []):
            if not t.get("key"):
                errs.append(E.required(f"spec.taints[{i}].key"))
            if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                errs.append(E.not_supported(f"spec.taints[{i}].effect", t.get("effect"),
                                            ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
        return errs


# ---- printers ----

def _doc(definition: str, prop: str) -> str:
    node = schemas.definitions().get(f"io.k8s.api.core.v1.{definition}") or {}
    return ((node.get("properties") or {}).get(prop) or {}).get("description", prop)


def _pod_columns() -> list[T.Column]:
    return [
        T.NAME_COLUMN,
        T.col("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
        T.col("Status", description="The aggregate status of the containers in this pod."),
        T.col("Restarts", description="The number of times the containers in this pod have been restarted and when "
              "the last container in this pod has restarted."),
        T.AGE_COLUMN,
        T.col("IP", priority=1, description=_doc("PodStatus", "podIP")),
        T.col("Node", priority=1, description=_doc("PodSpec", "nodeName")),
        T.col("Nominated Node", priority=1, description=_doc("PodStatus", "nominatedNodeName")),
        T.col("Readiness Gates", priority=1, description=_doc("PodSpec", "readinessGates")),
    ]


def pod_cells(pod: dict[str, Any], now: float) -> list[Any]:
    """printPod from pkg/printers/internalversion/printers.go (without restartable init containers)."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    conditions = status.get("conditions") or []
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    restarts = 0
    last_restart: str | None = None
    ready = 0
    total = len(spec.get("containers") or [])
    init_specs = spec.get("initContainers") or []
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last_restart = _later(last_restart, cs)
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode") == 0:
            continue
        if term is not None:
            reason = "Init:" + term["reason"] if term.get("reason") else (
                f"Init:Signal:{term['signal']}" if term.get("signal") else f"Init:ExitCode:{term.get('exitCode', 0)}")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True" for c in conditions)
    if not initializing or initialized:
        restarts = 0
        last_restart = None
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_restart = _later(last_restart, cs)
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode', 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_cond = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
            reason = "Running" if ready_cond else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    restarts_str = str(restarts)
    if restarts and last_restart:
        restarts_str = f"{restarts} ({T.age(last_restart, now)} ago)"
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    gates_str = "<none>"
    if gates:
        true = sum(1 for g in gates for c in conditions
                   if c.get("type") == g.get("conditionType") and c.get("status") == "True")
        gates_str = f"{true}/{len(gates)}"
    return [
        pod["metadata"]["name"], f"{ready}/{total}", reason, restarts_str,
        T.age(pod["metadata"].get("creationTimestamp"), now),
        (ips[0].get("ip") if ips else "") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_str,
    ]


def _later(current: str | None, cs: dict[str, Any]) -> str | None:
    finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
    if finished and (current is None or finished > current):
        return finished
    return current


def _node_columns() -> list[T.Column]:
    return [
        T.NAME_COLUMN,
        T.col("Status", description="The status of the node"),
        T.col("Roles", description="The roles of the node"),
        T.AGE_COLUMN,
        T.col("Version", description=_doc("NodeSystemInfo", "kubeletVersion")),
        T.col("Internal-IP", priority=1, description=_doc("NodeStatus", "addresses")),
        T.col("External-IP", priority=1, description=_doc("NodeStatus", "addresses")),
        T.col("OS-Image", priority=1, description=_doc("NodeSystemInfo", "osImage")),
        T.col("Kernel-Version", priority=1, description=_doc("NodeSystemInfo", "kernelVersion")),
        T.col("Container-Runtime", priority=1, description=_doc("NodeSystemInfo", "containerRuntimeVersion")),
    ]


def node_cells(node: dict[str, Any], now: float) -> list[Any]:
    status = node.get("status") or {}
    states = []
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready":
            states = ["Ready" if cond.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k != "node-role.kubernetes.io/":
            roles.add(k[len("node-role.kubernetes.io/"):])
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    info = status.get("nodeInfo") or {}

    def address(kind: str) -> str:
        return next((a["address"] for a in status.get("addresses") or [] if a.get("type") == kind), "<none>")

    return [
        node["metadata"]["name"], ",".join(states), ",".join(sorted(roles)) or "<none>",
        T.age(node["metadata"].get("creationTimestamp"), now), info.get("kubeletVersion", ""),
        address("InternalIP"), address("ExternalIP"), info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>",
    ]


# ---- registration ----

def register(cluster: Cluster) -> None:
    # The pods' subresources (log, binding, exec, ...) are wired by sim/podsubresources.py: their handlers
    # use this module's rules, so registering them from here made an import cycle.
    register_strategy(R.PODS, PodStrategy())
    register_strategy(R.NODES, NodeStrategy())
    T.register(R.PODS, _pod_columns(), pod_cells)
    T.register(R.NODES, _node_columns(), node_cells)
