"""The kubelets of all nodes: run bound pods through their lifecycle and report status as a kubelet does.

Timeline of a pod (seconds at speed 1; every delay is scaled by the cluster's speed):
  bound -> ContainerCreating (Pulling) -> ~1-2 s later per pulled image (0.3 s when the image is already on the
  node) Pulled/Created/Started -> Running with IPs -> Ready after the readiness probe's initialDelaySeconds
  (0.5 s without one; see probes.py for when probes fail).
What containers do once started (output, exit codes, crashes) is decided in containers.py. A process that
ends sooner than the PLEG relist (1 s) is reported running until then, so a short command is seen Running
(and Ready) first, as kubectl run's podRunningAndReady wait needs. A container that exits is restarted
according to restartPolicy: the first restart after 1 s, later ones after a CrashLoopBackOff of 10 s, 20 s,
... up to 5 min. On deletion the containers are stopped (Killing) and the pod leaves the store after
min(grace period, shutdown time); the shutdown time is 1 s, or the pod's
`sim.svctui.dev/shutdown-seconds` annotation.
activeDeadlineSeconds (pkg/kubelet/active_deadline.go): once the pod has run that long since its startTime
(wall clock, unscaled: it is the user's own number, compared with a timestamp), the pod turns Failed with
reason DeadlineExceeded and the kubelet's message, a Normal DeadlineExceeded event is recorded, and its
containers are killed (SIGTERM, then SIGKILL after the grace period, at least 2 s as the kubelet's
minimum): a process that exits on SIGTERM ends Completed with 0, one that ignores it as PID 1 (sleep, a
shell) is killed with 137. The pod stays, Failed, until deleted; nothing restarts.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import containers as C
from .. import imageref
from .. import images as I
from .. import resources as R
from ..clock import parse_time
from ..podfs import drop as drop_files
from ..probes import readiness_failure
from ..store import ADDED, DELETED, Event
from .base import Controller, ObjectKey

if TYPE_CHECKING:
    from ..cluster import Cluster

SHUTDOWN_ANNOTATION = "sim.svctui.dev/shutdown-seconds"
SHUTDOWN_SECONDS = 1.0
CREATE_SECONDS = 0.5
# Pod sandbox and CNI setup before the first image step, as containerd takes on a kind node.
SANDBOX_SECONDS = 0.7
PULL_SECONDS = (0.8, 2.0)
NO_PROBE_READY_SECONDS = 0.5
# PLEG relists the runtime's containers every second: a process that ends sooner is still reported running
# (and, without a readiness probe, Ready) until the relist after its start sees it gone. That window is what
# lets `kubectl run --rm -it -- nslookup x` (restartPolicy Always) find the pod Running+Ready and attach.
PLEG_RELIST_SECONDS = 1.0
FIRST_RESTART_SECONDS = 1.0
BACKOFF_AFTER_EXIT_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 300.0
SANDBOX_RETRY_SECONDS = 5.0
# A registry that refuses answers sooner than one that sends layers.
FAILED_PULL_SECONDS = (0.3, 0.9)
# After ErrImagePull the pod worker syncs again at once and finds the image in back-off.
PULL_BACKOFF_SYNC_SECONDS = 1.0
# pkg/kubelet/images: flowcontrol.NewBackOff(10s, 300s), doubling per failed pull of the pod's image.
PULL_BACKOFF_SECONDS = 10.0
# Images a kind node ships with.
PRELOADED_IMAGES = frozenset({
    "registry.k8s.io/coredns/coredns:v1.11.3", "registry.k8s.io/pause:3.10", "registry.k8s.io/etcd:3.5.16-0",
    "registry.k8s.io/kube-proxy:v1.32.2", "docker.io/kindest/kindnetd:v20241212-9f82dd49",
    "docker.io/kindest/local-path-provisioner:v20241212-8ac705d0",
})
# Timers fire when the loop clock reaches them, give or take its resolution.
_EPSILON = 0.002
DEADLINE_REASON = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
# pkg/kubelet/kuberuntime: a kill never waits less than this, whatever terminationGracePeriodSeconds says.
MIN_KILL_GRACE_SECONDS = 2.0
# PID 1 in a container gets no default signal handlers: these ignore SIGTERM and wait for the SIGKILL.
_IGNORE_SIGTERM = {"sleep", "sh", "bash", "ash"}


@dataclass
class ContainerRun:
    spec: dict[str, Any]
    behaviour: C.Behaviour = field(default_factory=C.Behaviour)
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    restart_count: int = 0
    container_id: str = ""
    started_at: str = ""
    finished_at: str = ""
    # wall time the running process ends by itself, which the relist may see later
    exits_at: float | None = None
    exit_code: int = 0
    last_terminated: dict[str, Any] | None = None
    ready: bool = False
    ever_started: bool = False
    # next lifecycle step and the loop time it is due: pull | start | exit | backoff | restart
    step: str = ""
    due: float | None = None
    ready_at: float | None = None
    probe_failure: str | None = None
    unhealthy_due: float | None = None
    logs: list[tuple[float, str]] = field(default_factory=list)
    previous_logs: list[tuple[float, str]] = field(default_factory=list)
    pulled: tuple[float, bool] | None = None  # (seconds, needed a pull) for the Pulled event
    pull_failures: int = 0
    pull_error: str = ""
    pull_retry: float | None = None  # loop time the image's back-off ends

    @property
    def name(self) -> str:
        return self.spec["name"]


@dataclass
class PodRun:
    uid: str
    node: str
    host_ip: str
    ip: str | None
    start_time: str
    containers: list[ContainerRun]
    sandbox: bool = False
    killing: bool = False
    kill_due: float | None = None
    log_waiters: set[asyncio.Event] = field(default_factory=set)
    ephemeral: list[ContainerRun] = field(default_factory=list)
    partial: dict[str, bytes] = field(default_factory=dict)
    # When the kubelet took the pod, unrounded (startTime has whole seconds; the kubelet keeps its own copy).
    started: float | None = None
    deadline_at: float | None = None  # wall time a deadline sync is scheduled for
    deadline_exceeded: bool = False

    def notify(self) -> None:
        for ev in self.log_waiters:
            ev.set()
        self.log_waiters.clear()


class Kubelet(Controller[ObjectKey]):
    name = "kubelet"

    def __init__(self, cluster: Cluster):
        super().__init__(cluster)
        self.runs: dict[ObjectKey, PodRun] = {}
        self.images: dict[str, set[str]] = {}

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is not R.PODS:
            return []
        md = ev.obj["metadata"]
        key = (md.get("namespace", ""), md["name"])
        if ev.type == DELETED:
            return [key] if key in self.runs else []
        if not (ev.obj.get("spec") or {}).get("nodeName"):
            return []
        if ev.type == ADDED and _already_running(ev.obj):
            # Stored running by a scenario (scale: 100k pods): taken over when something about it changes.
            return []
        return [key]

    # ---- timing ----
    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _after(self, key: ObjectKey, base: float, seconds: float) -> float:
        """The loop time `seconds` (scaled) after base; the key is synced then."""
        due = base + self.clock.scaled(seconds)
        asyncio.get_running_loop().call_later(max(0.0, due - self._now()), self.enqueue, key)
        return due

    # ---- sync ----
    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        pod = self.store.get(R.PODS, ns, name)
        run = self.runs.get(key)
        if run is not None and (pod is None or pod["metadata"].get("uid") != run.uid):
            self._drop(key)
            run = None
        if pod is None:
            return
        spec = pod.get("spec") or {}
        node = self.store.get(R.NODES, None, spec.get("nodeName") or "")
        if node is None:
            return
        now = self._now()
        md = pod["metadata"]
        if run is None:
            if md.get("deletionTimestamp"):
                self.api.finish_deletion(R.PODS, pod)
                return
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return
            run = self._adopt(key, pod, node, now) or self._admit(key, pod, node, now)
            if run is None:
                return
        if md.get("deletionTimestamp"):
            if self._terminate(key, pod, run, now):
                return
        elif run.deadline_exceeded or self._past_deadline(key, pod, run):
            self._deadline_kill(key, pod, run, now)
        else:
            self._advance(key, pod, run, now)
        self._write(pod, run)

    def _drop(self, key: ObjectKey) -> None:
        run = self.runs.pop(key, None)
        if run is not None:
            run.notify()
            drop_files(self.cluster, run.uid)

    # ---- admission on the node ----
    def _admit(self, key: ObjectKey, pod: dict[str, Any], node: dict[str, Any], now: float) -> PodRun | None:
        spec = pod["spec"]
        host_ip = next((a["address"] for a in node["status"].get("addresses") or [] if a.get("type") == "InternalIP"), "")
        if spec.get("hostNetwork"):
            ip: str | None = host_ip
        else:
            cidr = (node.get("spec") or {}).get("podCIDR")
            ip = self.cluster.parts.ipam.allocate(pod["metadata"]["uid"], cidr) if cidr else None
            if ip is None:
                self._event(pod, node["metadata"]["name"], "Warning", "FailedCreatePodSandBox",
                            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
                            f"sandbox \"{self._hex(32)}\": plugin type=\"ptp\" failed (add): failed to allocate for range 0: "
                            f"no IP addresses available in range set: {cidr or '<none>'}")
                self._after(key, now, SANDBOX_RETRY_SECONDS)
                return None
        wall = self.clock.now()
        run = PodRun(uid=pod["metadata"]["uid"], node=node["metadata"]["name"], host_ip=host_ip, ip=ip,
                     start_time=self.clock.iso(wall), containers=[ContainerRun(spec=c) for c in spec.get("containers") or []],
                     started=wall)
        self.runs[key] = run
        if run.containers:
            first = run.containers[0]
            first.step, first.due = "pull", self._after(key, now, SANDBOX_SECONDS)
        return run

    def _adopt(self, key: ObjectKey, pod: dict[str, Any], node: dict[str, Any], now: float) -> PodRun | None:
        """Take over a pod whose containers already run, as a restarted kubelet finds them in the runtime."""
        if not _already_running(pod):
            return None
        status = pod["status"]
        by_name = {cs.get("name"): cs for cs in status.get("containerStatuses") or []}
        wall = self.clock.now()
        containers = []
        for spec in pod["spec"]["containers"]:
            cs = by_name[spec["name"]]
            c = ContainerRun(spec=spec, state="running", reason="", container_id=cs.get("containerID", ""),
                             started_at=cs["state"]["running"].get("startedAt", ""),
                             restart_count=cs.get("restartCount", 0), ready=bool(cs.get("ready")), ever_started=True,
                             ready_at=now)
            c.behaviour = C.behaviour(pod, spec, wall, self.cluster)
            c.logs = c.behaviour.log_lines(wall)
            if c.behaviour.exit_code is not None:
                c.step, c.due = "exit", self._after(key, now, c.behaviour.runtime)
            containers.append(c)
        run = PodRun(uid=pod["metadata"]["uid"], node=node["metadata"]["name"], host_ip=status.get("hostIP", ""),
                     ip=status.get("podIP"), start_time=status.get("startTime") or self.clock.iso(),
                     containers=containers, sandbox=True)
        self.runs[key] = run
        return run

    def _run_of(self, pod: dict[str, Any]) -> PodRun | None:
        md = pod["metadata"]
        key = (md.get("namespace", ""), md["name"])
        run = self.runs.get(key)
        if run is None and _already_running(pod):
            node = self.store.get(R.NODES, None, pod["spec"].get("nodeName") or "")
            run = self._adopt(key, pod, node, self._now()) if node else None
        return run

    # ---- lifecycle ----
    def _advance(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, now: float) -> None:
        crash = (pod["metadata"].get("annotations") or {}).get(C.CRASH_ANNOTATION) == "true"
        specs = {c.get("name"): c for c in pod["spec"].get("containers") or []}
        for i, c in enumerate(run.containers):
            current = specs.get(c.name, c.spec)
            if current.get("image") != c.spec.get("image"):
                self._replace(key, pod, run, c, current, now)
            if crash and c.state == "running" and c.behaviour.exit_code is None:
                c.behaviour = C.Behaviour(c.behaviour.lines, 1, 0.0)
                c.step, c.due = "exit", self._after(key, now, C.CRASH_AFTER)
            while c.due is not None and now + _EPSILON >= c.due:
                due, c.due = c.due, None
                getattr(self, "_" + c.step)(key, pod, run, i, c, due)
            self._probe(key, pod, run, c, now)
        self._ephemeral(key, pod, run, now)

    def _ephemeral(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, now: float) -> None:
        """Ephemeral containers (kubectl debug): started once when they appear, never restarted or probed."""
        known = {c.name for c in run.ephemeral}
        for spec in pod["spec"].get("ephemeralContainers") or []:
            if spec.get("name") in known:
                continue
            c = ContainerRun(spec=spec)
            run.ephemeral.append(c)
            image = spec.get("image", "")
            if self._unpullable(pod, run, c, image):
                continue
            if imageref.full_image(image) in self._node_images(run.node) and spec.get("imagePullPolicy") != "Always":
                self._event(pod, run.node, "Normal", "Pulled", f'Container image "{image}" already present on machine', c.name)
                c.step, c.due = "start", self._after(key, now, CREATE_SECONDS)
            else:
                self._event(pod, run.node, "Normal", "Pulling", f'Pulling image "{image}"', c.name)
                seconds = round(self.cluster.rng.uniform(*PULL_SECONDS), 3)
                c.pulled = (seconds, True)
                c.step, c.due = "start", self._after(key, now, seconds)
        for c in run.ephemeral:
            while c.due is not None and now + _EPSILON >= c.due:
                due, c.due = c.due, None
                if c.step == "start":
                    if c.pulled is not None:
                        image = c.spec.get("image", "")
                        self._event(pod, run.node, "Normal", "Pulled",
                                    f'Successfully pulled image "{image}" in {_go_duration(c.pulled[0])} '
                                    f"({_go_duration(c.pulled[0] + 0.011)} including waiting). Image size: "
                                    f"{imageref.image_size(image)} bytes.", c.name)
                        self._node_images(run.node).add(imageref.full_image(image))
                        c.pulled = None
                    self._run_container(key, pod, run, c, due)
                    c.ready_at = None
                elif c.step == "exit":
                    self._stop(c, c.behaviour.exit_code or 0)
                    run.notify()

    # ---- processes driven from outside (attach) ----
    def _find(self, pod: dict[str, Any], name: str) -> tuple[PodRun | None, ContainerRun | None]:
        run = self._run_of(pod)
        if run is None or run.uid != pod["metadata"].get("uid"):
            return None, None
        return run, next((c for c in run.containers + run.ephemeral if c.name == name), None)

    def waits_for_stdin(self, pod: dict[str, Any], name: str) -> bool:
        _, c = self._find(pod, name)
        return c is not None and c.state == "running" and c.behaviour.interactive

    def runs_to_an_end(self, pod: dict[str, Any], name: str) -> bool:
        """The running instance is a command that ends by itself (nslookup, wget, echo): its output is all
        there at once, while on a node an attach usually connects before the process got to print it."""
        _, c = self._find(pod, name)
        return c is not None and c.state == "running" and c.behaviour.exit_code is not None and not c.behaviour.interactive

    def process_output(self, pod: dict[str, Any], name: str, data: bytes) -> None:
        """What an attached shell prints goes to the container's log too."""
        run, c = self._find(pod, name)
        if run is None or c is None:
            return
        text = run.partial.pop(name, b"") + data
        *lines, rest = text.split(b"\n")
        if rest:
            run.partial[name] = rest
        wall = self.clock.now()
        c.logs.extend((wall, line.decode(errors="replace").rstrip("\r")) for line in lines)
        if lines:
            run.notify()

    def process_exit(self, pod: dict[str, Any], name: str, code: int) -> None:
        """The container's main process (an attached shell) ended with code: the container exits."""
        run, c = self._find(pod, name)
        if run is None or c is None or c.state != "running":
            return
        c.behaviour = C.Behaviour(c.behaviour.lines, code, 0.0)
        c.step, c.due = "exit", self._now()
        md = pod["metadata"]
        self.enqueue((md.get("namespace", ""), md["name"]))

    def _replace(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, c: ContainerRun, spec: dict[str, Any],
                 now: float) -> None:
        """A new image for a container: the kubelet kills it and starts the new one (a restart)."""
        if c.state == "running":
            self._event(pod, run.node, "Normal", "Killing", f"Container {c.name} definition changed, will be restarted", c.name)
            self._stop(c, 0)
            c.last_terminated = self._terminated_state(c)
        c.spec = spec
        c.pull_failures, c.pull_retry = 0, None
        # A container stuck on its image (InvalidImageName, ErrImageNeverPull) still has step "pull".
        if c.ever_started or c.step in ("pull", "start", "pullfail", "pullbackoff"):
            c.step, c.due = "pull", now

    def _pull(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        image = c.spec.get("image", "")
        invalid = I.invalid_name_message(image)
        if invalid is not None:
            # applyDefaultImageTag fails before any pull: no retry can help, so no back-off either.
            c.reason, c.message = "InvalidImageName", invalid
            self._event(pod, run.node, "Warning", "InspectFailed", invalid, c.name)
            self._event(pod, run.node, "Warning", "Failed", "Error: InvalidImageName", c.name)
            run.sandbox = True  # the sandbox (and its IP) is up before images are looked at
            self._start_next(run, i, at)
            return
        present = imageref.full_image(image) in self._node_images(run.node)
        policy = c.spec.get("imagePullPolicy")
        if policy == "Never" or (policy != "Always" and present):
            if policy == "Never" and not present:
                c.reason = "ErrImageNeverPull"
                c.message = f'Container image "{image}" is not present with pull policy of Never'
                self._event(pod, run.node, "Warning", "ErrImageNeverPull", c.message, c.name)
                self._event(pod, run.node, "Warning", "Failed", "Error: ErrImageNeverPull", c.name)
                self._start_next(run, i, at)
                return
            self._event(pod, run.node, "Normal", "Pulled", f'Container image "{image}" already present on machine', c.name)
            c.pulled = None
            c.step, c.due = "start", self._after(key, at, CREATE_SECONDS)
            return
        self._event(pod, run.node, "Normal", "Pulling", f'Pulling image "{image}"', c.name)
        error = I.pull_error(image, self._extra_images())
        if error is not None:
            c.pull_error = error
            c.step, c.due = "pullfail", self._after(key, at, round(self.cluster.rng.uniform(*FAILED_PULL_SECONDS), 3))
            return
        low, high = PULL_SECONDS
        seconds = round(self.cluster.rng.uniform(low, high) * (1 if not present else 0.4), 3)
        c.pulled = (seconds, True)
        c.step, c.due = "start", self._after(key, at, seconds)

    def _pullfail(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        """The registry said no: ErrImagePull now, the image's back-off starts (10 s doubling to 5 min)."""
        image = c.spec.get("image", "")
        c.reason, c.message = "ErrImagePull", c.pull_error
        self._event(pod, run.node, "Warning", "Failed", f'Failed to pull image "{image}": {c.pull_error}', c.name)
        self._event(pod, run.node, "Warning", "Failed", "Error: ErrImagePull", c.name)
        c.pull_failures += 1
        backoff = min(MAX_BACKOFF_SECONDS, PULL_BACKOFF_SECONDS * 2 ** (c.pull_failures - 1))
        c.pull_retry = self._after(key, at, backoff)
        c.step, c.due = "pullbackoff", self._after(key, at, PULL_BACKOFF_SYNC_SECONDS)
        run.sandbox = True
        self._start_next(run, i, at)

    def _pullbackoff(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        image = c.spec.get("image", "")
        c.reason, c.message = "ImagePullBackOff", f'Back-off pulling image "{image}"'
        self._event(pod, run.node, "Normal", "BackOff", c.message, c.name)
        self._event(pod, run.node, "Warning", "Failed", "Error: ImagePullBackOff", c.name)
        c.step, c.due = "pull", c.pull_retry

    def _start_next(self, run: PodRun, i: int, at: float) -> None:
        """The kubelet starts each container in turn; one that cannot start does not hold up the next."""
        if i + 1 < len(run.containers) and not run.containers[i + 1].step:
            nxt = run.containers[i + 1]
            nxt.step, nxt.due = "pull", at

    def _extra_images(self) -> tuple[str, ...]:
        return tuple(getattr(self.cluster.options, "images", ()) or ())

    def _unpullable(self, pod: dict[str, Any], run: PodRun, c: ContainerRun, image: str) -> bool:
        """An ephemeral container whose image cannot be had: it waits with the reason, and is never retried."""
        invalid = I.invalid_name_message(image)
        if invalid is not None:
            c.reason, c.message = "InvalidImageName", invalid
            self._event(pod, run.node, "Warning", "InspectFailed", invalid, c.name)
            self._event(pod, run.node, "Warning", "Failed", "Error: InvalidImageName", c.name)
            return True
        if imageref.full_image(image) in self._node_images(run.node):
            return False
        error = I.pull_error(image, self._extra_images())
        if error is None:
            return False
        c.reason, c.message = "ErrImagePull", error
        self._event(pod, run.node, "Normal", "Pulling", f'Pulling image "{image}"', c.name)
        self._event(pod, run.node, "Warning", "Failed", f'Failed to pull image "{image}": {error}', c.name)
        self._event(pod, run.node, "Warning", "Failed", "Error: ErrImagePull", c.name)
        return True

    def _start(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        image = c.spec.get("image", "")
        if c.pulled is not None:
            seconds = c.pulled[0]
            self._event(pod, run.node, "Normal", "Pulled",
                        f'Successfully pulled image "{image}" in {_go_duration(seconds)} '
                        f"({_go_duration(seconds + 0.011)} including waiting). Image size: {imageref.image_size(image)} bytes.",
                        c.name)
            self._node_images(run.node).add(imageref.full_image(image))
            c.pulled = None
        if c.ever_started:
            c.restart_count += 1
            c.previous_logs = c.logs
        self._run_container(key, pod, run, c, at)
        run.sandbox = True
        self._start_next(run, i, at)

    def _run_container(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, c: ContainerRun, at: float) -> None:
        self._event(pod, run.node, "Normal", "Created", f"Created container: {c.name}", c.name)
        self._event(pod, run.node, "Normal", "Started", f"Started container {c.name}", c.name)
        wall = self.clock.now()
        c.behaviour = C.behaviour(pod, c.spec, wall, self.cluster)
        c.state, c.reason, c.message = "running", "", ""
        c.container_id = "containerd://" + self._hex(64)
        c.started_at = self.clock.iso(wall)
        c.ever_started = True
        c.ready = False
        c.probe_failure = None
        c.logs = c.behaviour.log_lines(wall)
        probe = c.spec.get("readinessProbe") or {}
        delay = probe.get("initialDelaySeconds") or NO_PROBE_READY_SECONDS
        c.ready_at = self._after(key, at, delay)
        c.exits_at = None
        if c.behaviour.exit_code is not None:
            c.exits_at = wall + self.clock.scaled(c.behaviour.runtime)
            c.step, c.due = "exit", self._after(key, at, max(c.behaviour.runtime, PLEG_RELIST_SECONDS))
        run.notify()

    def _exit(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        code = c.behaviour.exit_code or 0
        self._stop(c, code)
        if c.exits_at is not None:  # the runtime reports when the process ended, not when it was noticed
            c.finished_at = self.clock.iso(min(c.exits_at, self.clock.now()))
        run.notify()
        policy = pod["spec"].get("restartPolicy", "Always")
        if policy == "Always" or (policy == "OnFailure" and code != 0):
            if c.restart_count == 0:
                c.step, c.due = "restart", self._after(key, at, FIRST_RESTART_SECONDS)
            else:
                c.step, c.due = "backoff", self._after(key, at, BACKOFF_AFTER_EXIT_SECONDS)

    def _stop(self, c: ContainerRun, code: int) -> None:
        c.state, c.exit_code = "terminated", code
        c.reason = "Completed" if code == 0 else "Error"
        c.finished_at = self.clock.iso()
        c.ready = False
        c.ready_at = None
        c.probe_failure = None

    def _backoff(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        seconds = min(MAX_BACKOFF_SECONDS, 10.0 * 2 ** (c.restart_count - 1))
        md = pod["metadata"]
        c.last_terminated = self._terminated_state(c)
        c.state, c.reason = "waiting", "CrashLoopBackOff"
        c.message = (f"back-off {_go_duration(seconds)} restarting failed container={c.name} "
                     f"pod={md['name']}_{md.get('namespace')}({md.get('uid')})")
        self._event(pod, run.node, "Warning", "BackOff",
                    f"Back-off restarting failed container {c.name} in pod {md['name']}_{md.get('namespace')}({md.get('uid')})",
                    c.name)
        c.step, c.due = "restart", self._after(key, at, seconds)

    def _restart(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, i: int, c: ContainerRun, at: float) -> None:
        if c.state == "terminated":
            c.last_terminated = self._terminated_state(c)
        c.restart_count += 1
        c.previous_logs = c.logs
        image = c.spec.get("image", "")
        if c.spec.get("imagePullPolicy") == "Always":
            self._event(pod, run.node, "Normal", "Pulling", f'Pulling image "{image}"', c.name)
            self._event(pod, run.node, "Normal", "Pulled",
                        f'Successfully pulled image "{image}" in {_go_duration(0.412)} ({_go_duration(0.423)} including '
                        f"waiting). Image size: {imageref.image_size(image)} bytes.", c.name)
        else:
            self._event(pod, run.node, "Normal", "Pulled", f'Container image "{image}" already present on machine', c.name)
        self._run_container(key, pod, run, c, at)

    def _probe(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, c: ContainerRun, now: float) -> None:
        if c.state != "running" or c.ready_at is None or now + _EPSILON < c.ready_at:
            return
        failure = readiness_failure(pod, c.spec, run.ip or "")
        c.ready = failure is None
        if not failure:
            c.probe_failure = None
            c.unhealthy_due = None
            return
        if failure != c.probe_failure or (c.unhealthy_due is not None and now + _EPSILON >= c.unhealthy_due):
            self._event(pod, run.node, "Warning", "Unhealthy", failure, c.name)
            period = (c.spec.get("readinessProbe") or {}).get("periodSeconds") or 10
            c.unhealthy_due = self._after(key, now, period)
        c.probe_failure = failure

    # ---- activeDeadlineSeconds ----
    def _past_deadline(self, key: ObjectKey, pod: dict[str, Any], run: PodRun) -> bool:
        """pastActiveDeadline: startTime + activeDeadlineSeconds reached; if not yet, a sync is due then."""
        seconds = pod["spec"].get("activeDeadlineSeconds")
        if seconds is None:
            return False
        start = run.started if run.started is not None else parse_time(run.start_time)
        if start is None:
            return False
        at = start + seconds
        left = at - self.clock.now()
        if left <= 0:
            return True
        if run.deadline_at != at:
            # activeDeadlineSeconds may be lowered on a running pod: a timer for each new deadline.
            run.deadline_at = at
            asyncio.get_running_loop().call_later(left + _EPSILON, self.enqueue, key)
        return False

    def _deadline_kill(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, now: float) -> None:
        """First the event and the SIGTERMs (the status turns Failed as it is written); then each container
        stops when its kill is due. Nothing restarts."""
        if not run.deadline_exceeded:
            run.deadline_exceeded = True
            self._event(pod, run.node, "Normal", DEADLINE_REASON, DEADLINE_MESSAGE)
            grace = max(MIN_KILL_GRACE_SECONDS, float(pod["spec"].get("terminationGracePeriodSeconds", 30)))
            shutdown = _shutdown_seconds(pod)
            for c in run.containers + run.ephemeral:
                c.due, c.step = None, ""
                c.ready, c.ready_at = False, None
                if c.state == "running":
                    self._event(pod, run.node, "Normal", "Killing", f"Stopping container {c.name}", c.name)
                    killed = _ignores_sigterm(c.spec) or shutdown > grace
                    c.step, c.due = "kill", self._after(key, now, grace if killed else shutdown)
                    c.exit_code = 137 if killed else 0
            return
        for c in run.containers + run.ephemeral:
            if c.step == "kill" and c.due is not None and now + _EPSILON >= c.due:
                c.due, c.step = None, ""
                self._stop(c, c.exit_code)
                run.notify()

    # ---- termination ----
    def _terminate(self, key: ObjectKey, pod: dict[str, Any], run: PodRun, now: float) -> bool:
        """Stop the pod's containers; True once the pod has been removed."""
        md = pod["metadata"]
        if not run.killing:
            run.killing = True
            for c in run.containers:
                c.due = None
                c.ready = False
                if c.state == "running":
                    self._event(pod, run.node, "Normal", "Killing", f"Stopping container {c.name}", c.name)
            grace = md.get("deletionGracePeriodSeconds")
            shutdown = _shutdown_seconds(pod)
            if not any(c.state == "running" for c in run.containers):
                shutdown = min(shutdown, CREATE_SECONDS)
            delay = max(0.0, min(float(grace if grace is not None else 30), shutdown))
            run.kill_due = self._after(key, now, delay)
        if run.kill_due is not None and now + _EPSILON >= run.kill_due:
            started = any(c.ever_started for c in run.containers)
            for c in run.containers:
                if c.state == "running":
                    self._stop(c, 0)
            if started:
                self._write(pod, run, terminal=True)
            self._drop(key)
            self.api.finish_deletion(R.PODS, pod)
            return True
        return False

    # ---- status ----
    def _write(self, pod: dict[str, Any], run: PodRun, terminal: bool = False) -> None:
        status = self._status(pod, run, terminal)
        self.api.write_status(R.PODS, pod, status)

    def _status(self, pod: dict[str, Any], run: PodRun, terminal: bool) -> dict[str, Any]:
        old = pod.get("status") or {}
        statuses = [self._container_status(c) for c in run.containers]
        # generateAPIPodStatus: a pod sync handler's eviction (the deadline) overrides the containers' phase.
        phase = "Failed" if run.deadline_exceeded else _phase(pod["spec"], statuses, terminal)
        unready = [c.name for c in run.containers if not c.ready]
        conditions: list[tuple[str, str, str, str]] = [
            ("PodReadyToStartContainers", "True" if run.sandbox and phase not in ("Succeeded", "Failed") else "False", "", ""),
        ]
        if phase == "Succeeded":
            conditions.append(("Initialized", "True", "PodCompleted", ""))
        else:
            conditions.append(("Initialized", "True", "", ""))
        if phase in ("Succeeded", "Failed"):
            why = "PodCompleted" if phase == "Succeeded" else "PodFailed"
            conditions += [("Ready", "False", why, ""), ("ContainersReady", "False", why, "")]
        elif unready or not run.containers:
            msg = "containers with unready status: [" + " ".join(unready) + "]"
            conditions += [("Ready", "False", "ContainersNotReady", msg), ("ContainersReady", "False", "ContainersNotReady", msg)]
        else:
            conditions += [("Ready", "True", "", ""), ("ContainersReady", "True", "", "")]
        conditions.append(("PodScheduled", "True", "", ""))
        out: dict[str, Any] = {
            "phase": phase,
            "conditions": _conditions(old.get("conditions") or [], conditions, self.clock.iso()),
            "hostIP": run.host_ip,
            "hostIPs": [{"ip": run.host_ip}],
            "startTime": run.start_time,
            "containerStatuses": statuses,
            "qosClass": old.get("qosClass", "BestEffort"),
        }
        if run.ephemeral:
            out["ephemeralContainerStatuses"] = [self._container_status(c) for c in run.ephemeral]
        if pod["spec"].get("initContainers"):
            out["initContainerStatuses"] = [self._init_status(c, run) for c in pod["spec"]["initContainers"]]
        if run.sandbox and run.ip:
            out["podIP"] = run.ip
            out["podIPs"] = [{"ip": run.ip}]
        for extra in ("nominatedNodeName", "reason", "message"):
            if extra in old:
                out[extra] = old[extra]
        if run.deadline_exceeded:
            out["reason"], out["message"] = DEADLINE_REASON, DEADLINE_MESSAGE
        return out

    def _container_status(self, c: ContainerRun) -> dict[str, Any]:
        image = c.spec.get("image", "")
        st: dict[str, Any] = {
            "name": c.name,
            "image": imageref.full_image(image),
            "imageID": imageref.image_id(image) if c.ever_started else "",
            "lastState": {"terminated": c.last_terminated} if c.last_terminated else {},
            "ready": c.ready,
            "restartCount": c.restart_count,
            "started": c.state == "running",
        }
        if c.container_id:
            st["containerID"] = c.container_id
        if c.state == "running":
            st["state"] = {"running": {"startedAt": c.started_at}}
        elif c.state == "terminated":
            st["state"] = {"terminated": self._terminated_state(c)}
        else:
            waiting: dict[str, Any] = {"reason": c.reason}
            if c.message:
                waiting["message"] = c.message
            st["state"] = {"waiting": waiting}
        mounts = [_mount_status(m) for m in c.spec.get("volumeMounts") or []]
        if mounts:
            st["volumeMounts"] = mounts
        return st

    def _init_status(self, spec: dict[str, Any], run: PodRun) -> dict[str, Any]:
        # Init containers are not simulated: they are reported as having completed when the sandbox came up.
        image = spec.get("image", "")
        st: dict[str, Any] = {"name": spec["name"], "image": imageref.full_image(image), "imageID": "", "lastState": {},
                              "ready": False, "restartCount": 0, "started": False,
                              "state": {"waiting": {"reason": "PodInitializing"}}}
        if run.sandbox:
            cid = "containerd://" + hashlib.sha256((run.uid + spec["name"]).encode()).hexdigest()
            st.update(imageID=imageref.image_id(image), containerID=cid, ready=True,
                      state={"terminated": {"containerID": cid, "exitCode": 0, "finishedAt": run.start_time,
                                            "reason": "Completed", "startedAt": run.start_time}})
        return st

    @staticmethod
    def _terminated_state(c: ContainerRun) -> dict[str, Any]:
        return {"containerID": c.container_id, "exitCode": c.exit_code, "finishedAt": c.finished_at,
                "reason": c.reason if c.state == "terminated" else ("Completed" if c.exit_code == 0 else "Error"),
                "startedAt": c.started_at}

    # ---- helpers ----
    def _node_images(self, node: str) -> set[str]:
        images = self.images.get(node)
        if images is None:
            images = self.images[node] = set(PRELOADED_IMAGES)
        return images

    def _hex(self, n: int) -> str:
        return f"{self.cluster.rng.getrandbits(n * 4):0{n}x}"

    def _event(self, pod: dict[str, Any], node: str, type_: str, reason: str, message: str,
               container: str | None = None) -> None:
        self.cluster.recorder.record(pod, type_, reason, message, "kubelet", host=node,
                                     field_path=f"spec.containers{{{container}}}" if container else None)

    # ---- logs (read by podlogs) ----
    def container_logs(self, pod: dict[str, Any], container: str, previous: bool) -> tuple[list[tuple[float, str]], bool] | str:
        """(lines, still running) of a container, or the reason its logs cannot be read."""
        md = pod["metadata"]
        run = self._run_of(pod)
        c = next((c for c in run.containers + run.ephemeral if c.name == container), None) if run and run.uid == md.get("uid") else None
        if c is None:
            if previous:
                return f'previous terminated container "{container}" in pod "{md["name"]}" not found'
            return f'container "{container}" in pod "{md["name"]}" is waiting to start: ContainerCreating'
        if previous:
            if c.restart_count == 0:
                return f'previous terminated container "{container}" in pod "{md["name"]}" not found'
            return c.previous_logs, False
        if not c.ever_started:
            return f'container "{container}" in pod "{md["name"]}" is waiting to start: {c.reason}'
        return c.logs, c.state == "running"

    def log_waiter(self, pod: dict[str, Any]) -> asyncio.Event | None:
        """An event set when the pod's containers print, stop or restart; None if the pod is not running here."""
        md = pod["metadata"]
        run = self._run_of(pod)
        if run is None or run.uid != md.get("uid"):
            return None
        ev = asyncio.Event()
        run.log_waiters.add(ev)
        return ev


def _shutdown_seconds(pod: dict[str, Any]) -> float:
    """How long the pod's processes take to exit after SIGTERM."""
    try:
        return float((pod["metadata"].get("annotations") or {}).get(SHUTDOWN_ANNOTATION, SHUTDOWN_SECONDS))
    except ValueError:
        return SHUTDOWN_SECONDS


def _ignores_sigterm(spec: dict[str, Any]) -> bool:
    argv = [str(a) for a in (spec.get("command") or []) + (spec.get("args") or [])]
    return bool(argv) and argv[0].rsplit("/", 1)[-1] in _IGNORE_SIGTERM


def _already_running(pod: dict[str, Any]) -> bool:
    """Running with every container running: a pod no kubelet run has to start."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or pod["metadata"].get("deletionTimestamp"):
        return False
    running = {cs.get("name") for cs in status.get("containerStatuses") or [] if "running" in (cs.get("state") or {})}
    containers = pod["spec"].get("containers") or []
    return bool(containers) and all(c.get("name") in running for c in containers)


def _phase(spec: dict[str, Any], statuses: list[dict[str, Any]], terminal: bool) -> str:
    """getPhase from pkg/kubelet/kubelet_pods.go (regular containers)."""
    running = stopped = succeeded = waiting = 0
    for st in statuses:
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"]["exitCode"] == 0:
                succeeded += 1
        elif st["lastState"].get("terminated"):
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        policy = spec.get("restartPolicy", "Always")
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if policy == "Never" else "Running"
    return "Pending"


def _conditions(old: list[dict[str, Any]], wanted: list[tuple[str, str, str, str]], now: str) -> list[dict[str, Any]]:
    """Pod conditions in the kubelet's order, keeping lastTransitionTime where the status did not change."""
    previous = {c.get("type"): c for c in old}
    out = []
    for type_, status, reason, message in wanted:
        prev = previous.pop(type_, None)
        when = prev.get("lastTransitionTime") if prev and prev.get("status") == status else now
        cond: dict[str, Any] = {"type": type_, "status": status, "lastProbeTime": None, "lastTransitionTime": when}
        if reason:
            cond["reason"] = reason
        if message:
            cond["message"] = message
        out.append(cond)
    # Conditions written by others (readiness gates, DisruptionTarget) stay.
    out += [c for c in old if c.get("type") in previous]
    return out


def _mount_status(m: dict[str, Any]) -> dict[str, Any]:
    out = {"mountPath": m.get("mountPath"), "name": m.get("name")}
    if m.get("readOnly"):
        out["readOnly"] = True
        out["recursiveReadOnly"] = "Disabled"
    return out


def _go_duration(seconds: float) -> str:
    """time.Duration.String() for durations under a minute, truncated to milliseconds."""
    ms = int(round(seconds * 1000))
    if ms < 1000:
        return f"{ms}ms"
    text = f"{ms // 1000}.{ms % 1000:03d}".rstrip("0").rstrip(".")
    return text + "s"


CONTROLLERS = [Kubelet]
