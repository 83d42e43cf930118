"""Pods, nodes, the scheduler and the kubelet, observed through kubectl and the Python client."""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

from svctui.sim.ipam import Ipam

WORKERS = {"svctui-worker", "svctui-worker2"}


def wait_for(fn: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


@pytest.fixture
def core(sim) -> k8s.CoreV1Api:
    cfg = k8s.Configuration()
    cfg.host = sim.url
    return k8s.CoreV1Api(k8s.ApiClient(cfg))


def pod_json(kubectl, name: str) -> dict[str, Any]:
    return json.loads(kubectl("get", "pod", name, "-o", "json"))


def ready(kubectl, name: str) -> bool:
    out = kubectl("get", "pod", name, "--no-headers")
    return out.split()[1:3] == ["1/1", "Running"]


def manifest(name: str, containers: list[dict[str, Any]], **spec: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": {"containers": containers, **spec}})


def events_for(kubectl, name: str) -> list[dict[str, Any]]:
    out = json.loads(kubectl("get", "events", "--field-selector", f"involvedObject.name={name}", "-o", "json"))
    return out["items"]


# ---- kubectl run, get -o wide, defaults and status ----

def test_run_shows_running_pod_with_ip_from_its_nodes_cidr(sim, kubectl):
    assert kubectl("run", "web", "--image=nginx:1.27-alpine").strip() == "pod/web created"
    wait_for(lambda: ready(kubectl, "web"))
    lines = kubectl("get", "pods", "-o", "wide").splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                                      "NOMINATED NODE", "READINESS GATES"]
    name, ready_col, status, restarts, _age, ip, node, nominated, gates = lines[1].split()
    assert (name, ready_col, status, restarts, nominated, gates) == ("web", "1/1", "Running", "0", "<none>", "<none>")
    assert node in WORKERS
    cidr = kubectl("get", "node", node, "-o", "jsonpath={.spec.podCIDR}")
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


def test_pod_is_defaulted_and_reports_kubelet_status(sim, kubectl):
    kubectl("run", "web", "--image=nginx:1.27-alpine", "--port=80")
    wait_for(lambda: ready(kubectl, "web"))
    pod = pod_json(kubectl, "web")
    spec, status = pod["spec"], pod["status"]
    assert spec["restartPolicy"] == "Always" and spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30 and spec["schedulerName"] == "default-scheduler"
    assert spec["serviceAccountName"] == "default" and spec["enableServiceLinks"] is True
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert {t["key"] for t in spec["tolerations"]} == {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent" and c["terminationMessagePath"] == "/dev/termination-log"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["volumeMounts"][0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
    assert status["phase"] == "Running" and status["qosClass"] == "BestEffort"
    assert [cond["type"] for cond in status["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    assert all(cond["status"] == "True" for cond in status["conditions"])
    assert status["podIPs"] == [{"ip": status["podIP"]}] and status["hostIPs"] == [{"ip": status["hostIP"]}]
    cs = status["containerStatuses"][0]
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert cs["image"] == "docker.io/library/nginx:1.27-alpine"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0
    assert "startedAt" in cs["state"]["running"]
    reasons = [e["reason"] for e in sorted(events_for(kubectl, "web"), key=lambda e: e["metadata"]["name"])]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]


def test_image_pulled_once_per_node(sim, kubectl):
    for name in ("a", "b", "c"):
        kubectl("run", name, "--image=nginx:1.27-alpine", "--overrides",
                json.dumps({"spec": {"nodeName": "svctui-worker"}}))
        wait_for(lambda: ready(kubectl, name))
    pulled = [e["message"] for name in ("a", "b", "c") for e in events_for(kubectl, name) if e["reason"] == "Pulled"]
    assert re.fullmatch(r'Successfully pulled image "nginx:1.27-alpine" in [0-9.]+m?s \([0-9.]+m?s including waiting\)\. '
                        r"Image size: \d+ bytes\.", pulled[0])
    assert pulled[1:] == ['Container image "nginx:1.27-alpine" already present on machine'] * 2


# ---- watch: the STATUS column over a pod's life ----

def watch_rows(sim, kubectl, action: Callable[[], None]) -> list[list[str]]:
    """The rows `kubectl get pods -w` prints while action runs."""
    watchers = sim.call(lambda c: c.server.hub.count())
    proc = kubectl.popen("get", "pods", "-w")
    try:
        wait_for(lambda: sim.call(lambda c: c.server.hub.count()) > watchers)
        action()
        time.sleep(0.3)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    return [line.split() for line in out.splitlines()[1:]]


def test_watch_shows_pending_creating_running_then_terminating(sim, kubectl):
    def life() -> None:
        kubectl("run", "web", "--image=nginx:1.27-alpine")
        wait_for(lambda: ready(kubectl, "web"))
        kubectl("delete", "pod", "web", "--wait=true")

    rows = [row for row in watch_rows(sim, kubectl, life) if row[0] == "web"]
    statuses = [r[2] for r in rows]
    # collapse repeats, keep order
    seen = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert seen[:4] == ["Pending", "ContainerCreating", "Running", "Terminating"], statuses
    assert ["web", "1/1", "Running"] == rows[statuses.index("Running") + (statuses.count("Running") - 1)][:3]
    terminating = [r for r in rows if r[2] == "Terminating"]
    assert terminating[-1][1] == "0/1"


# ---- IPs ----

def test_pod_ips_are_unique_and_not_immediately_reused(sim, core):
    for i in range(24):
        core.create_namespaced_pod("default", {"metadata": {"name": f"p{i}"},
                                               "spec": {"containers": [{"name": "c", "image": "nginx:1.27-alpine"}]}})

    def all_running() -> list[Any] | None:
        pods = core.list_namespaced_pod("default").items
        return pods if len(pods) == 24 and all(p.status.pod_ip for p in pods) else None

    pods = wait_for(all_running)
    ips = [p.status.pod_ip for p in pods]
    assert len(set(ips)) == len(ips)
    nodes = {n.metadata.name: n.spec.pod_cidr for n in core.list_node().items}
    for p in pods:
        assert p.spec.node_name in WORKERS
        assert ipaddress.ip_address(p.status.pod_ip) in ipaddress.ip_network(nodes[p.spec.node_name])
    everywhere = core.list_pod_for_all_namespaces().items
    counts = [sum(1 for p in everywhere if p.spec.node_name == n) for n in sorted(WORKERS)]
    assert abs(counts[0] - counts[1]) <= 1, counts

    victim = next(p for p in pods if p.spec.node_name == "svctui-worker")
    core.delete_namespaced_pod(victim.metadata.name, "default", grace_period_seconds=0)
    core.create_namespaced_pod("default", {"metadata": {"name": "again"},
                                           "spec": {"nodeName": "svctui-worker",
                                                    "containers": [{"name": "c", "image": "nginx:1.27-alpine"}]}})
    ip = wait_for(lambda: core.read_namespaced_pod("again", "default").status.pod_ip)
    assert ip != victim.status.pod_ip
    assert ip not in ips


def test_ipam_walks_the_range_and_wraps_around():
    ipam = Ipam()
    # 10.0.0.0/29: .2 to .6 are usable
    got = [ipam.allocate(f"u{i}", "10.0.0.0/29") for i in range(5)]
    assert got == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    assert ipam.allocate("u5", "10.0.0.0/29") is None
    ipam.release("u1")
    ipam.release("u3")
    assert ipam.allocate("u6", "10.0.0.0/29") == "10.0.0.3"
    assert ipam.allocate("u7", "10.0.0.0/29") == "10.0.0.5"
    assert ipam.allocate("u6", "10.0.0.0/29") == "10.0.0.3"


# ---- readiness ----

def test_readiness_follows_the_annotation(sim, kubectl):
    kubectl("create", "-f", "-", input=manifest("web", [{
        "name": "web", "image": "nginx:1.27-alpine", "ports": [{"containerPort": 80, "name": "http"}],
        "readinessProbe": {"httpGet": {"port": "http", "path": "/"}}}]))
    wait_for(lambda: ready(kubectl, "web"))
    kubectl("annotate", "pod", "web", "sim.svctui.dev/ready=false")
    wait_for(lambda: kubectl("get", "pod", "web", "--no-headers").split()[1:3] == ["0/1", "Running"])
    pod = pod_json(kubectl, "web")
    cond = {c["type"]: c for c in pod["status"]["conditions"]}
    assert cond["Ready"]["status"] == "False" and cond["Ready"]["reason"] == "ContainersNotReady"
    assert cond["Ready"]["message"] == "containers with unready status: [web]"
    unhealthy = [e for e in events_for(kubectl, "web") if e["reason"] == "Unhealthy"]
    assert unhealthy and unhealthy[0]["type"] == "Warning"
    assert unhealthy[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    kubectl("annotate", "pod", "web", "sim.svctui.dev/ready=true", "--overwrite")
    wait_for(lambda: ready(kubectl, "web"))


def test_failing_exec_probe_and_unknown_port_never_ready(sim, kubectl):
    kubectl("create", "-f", "-", input=manifest("exec", [{
        "name": "c", "image": "nginx:1.27-alpine", "readinessProbe": {"exec": {"command": ["false"]}}}]))
    kubectl("create", "-f", "-", input=manifest("port", [{
        "name": "c", "image": "nginx:1.27-alpine", "readinessProbe": {"tcpSocket": {"port": "nope"}}}]))
    for name in ("exec", "port"):
        wait_for(lambda: any(e["reason"] == "Unhealthy" for e in events_for(kubectl, name)))
        time.sleep(0.3)
        assert kubectl("get", "pod", name, "--no-headers").split()[1:3] == ["0/1", "Running"]
    messages = {e["message"] for e in events_for(kubectl, "exec") if e["reason"] == "Unhealthy"}
    assert messages == {"Readiness probe failed: "}


# ---- finishing and crashing containers ----

def test_run_to_completion_and_failure(sim, kubectl):
    kubectl("run", "hello", "--image=busybox", "--restart=Never", "--", "echo", "hi")
    kubectl("run", "fail", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo bye; exit 3")
    wait_for(lambda: kubectl("get", "pod", "hello", "--no-headers").split()[2] == "Completed")
    wait_for(lambda: kubectl("get", "pod", "fail", "--no-headers").split()[2] == "Error")
    assert kubectl("logs", "hello") == "hi\n"
    assert kubectl("logs", "fail") == "bye\n"
    hello, fail = pod_json(kubectl, "hello"), pod_json(kubectl, "fail")
    assert hello["status"]["phase"] == "Succeeded" and fail["status"]["phase"] == "Failed"
    term = fail["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 3 and term["reason"] == "Error"
    ready_cond = next(c for c in fail["status"]["conditions"] if c["type"] == "Ready")
    assert ready_cond["reason"] == "PodFailed"


def test_crashing_container_restarts_with_backoff(sim, kubectl):
    def crash() -> None:
        kubectl("run", "crash", "--image=nginx:1.27-alpine", "--annotations=sim.svctui.dev/crash=true")
        wait_for(lambda: int(kubectl("get", "pod", "crash", "--no-headers").split()[3]) >= 2, timeout=20)

    statuses = [row[2] for row in watch_rows(sim, kubectl, crash) if row[0] == "crash"]
    assert {"Running", "Error", "CrashLoopBackOff"} <= set(statuses), statuses
    row = kubectl("get", "pod", "crash", "--no-headers")
    assert re.search(r"\s[2-9] \(\d+s ago\)\s", row), row
    cs = pod_json(kubectl, "crash")["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert any(e["reason"] == "BackOff" for e in events_for(kubectl, "crash"))
    assert "Configuration complete" in kubectl("logs", "crash", "--previous")


def test_image_change_restarts_the_container(sim, kubectl):
    kubectl("run", "web", "--image=nginx:1.27-alpine")
    wait_for(lambda: ready(kubectl, "web"))
    kubectl("set", "image", "pod/web", "web=nginx:1.26-alpine")
    wait_for(lambda: pod_json(kubectl, "web")["status"]["containerStatuses"][0]["image"].endswith("nginx:1.26-alpine"))
    wait_for(lambda: ready(kubectl, "web"))
    assert kubectl("get", "pod", "web", "--no-headers").split()[3].startswith("1")


# ---- logs ----

def test_logs_of_nginx_and_container_choice(sim, kubectl, core):
    kubectl("run", "web", "--image=nginx:1.27-alpine")
    kubectl("create", "-f", "-", input=manifest("two", [{"name": "a", "image": "nginx:1.27-alpine"},
                                                        {"name": "b", "image": "redis:7.4"}]))
    wait_for(lambda: ready(kubectl, "web"))
    logs = kubectl("logs", "web")
    assert "Configuration complete; ready for start up" in logs
    assert re.search(r"\[notice\] 1#1: nginx/1\.27\.\d+", logs)
    wait_for(lambda: kubectl("get", "pod", "two", "--no-headers").split()[1] == "2/2")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("two", "default")
    assert err.value.status == 400
    assert json.loads(err.value.body)["message"] == "a container name must be specified for pod two, choose one of: [a b]"
    assert "Ready to accept connections" in kubectl("logs", "two", "-c", "b")
    bad = kubectl.run("logs", "two", "-c", "nope", check=False)
    assert "container nope is not valid for pod two" in bad.stderr
    stamped = kubectl("logs", "web", "--timestamps", "--tail=1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z .*\n", stamped)
    follower = kubectl.popen("logs", "-f", "web")
    try:
        time.sleep(1.0)
        assert follower.poll() is None
        kubectl("delete", "pod", "web")
        out, _ = follower.communicate(timeout=10)
    finally:
        follower.kill()
    assert "Configuration complete; ready for start up" in out


# ---- validation ----

def test_validation_errors_are_422_with_causes(sim, kubectl, core):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_pod("default", {"metadata": {"name": "empty"}, "spec": {"containers": []}})
    body = json.loads(err.value.body)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                          "field": "spec.containers"}]
    assert body["message"] == 'Pod "empty" is invalid: spec.containers: Required value'

    bad = manifest("bad", [
        {"name": "Web", "image": "nginx", "ports": [{"containerPort": 0}, {"containerPort": 70000, "name": "x" * 16}]},
        {"name": "dup", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 81, "name": "http"}]},
        {"name": "dup", "image": ""},
    ], restartPolicy="Sometimes")
    out = kubectl.run("create", "-f", "-", input=bad, check=False)
    assert out.returncode != 0
    err_text = out.stderr
    assert 'The Pod "bad" is invalid:' in err_text
    for fragment in (
        'spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of',
        "spec.containers[0].ports[0].containerPort: Required value",
        "spec.containers[0].ports[1].name: Invalid value: \"xxxxxxxxxxxxxxxx\": must be no more than 15 characters",
        "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        'spec.containers[1].ports[1].name: Duplicate value: "http"',
        'spec.containers[2].name: Duplicate value: "dup"',
        "spec.containers[2].image: Required value",
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ):
        assert fragment in err_text, fragment


def test_pod_spec_is_immutable_except_image(sim, kubectl):
    kubectl("run", "web", "--image=nginx:1.27-alpine")
    out = kubectl.run("patch", "pod", "web", "-p", '{"spec":{"activeDeadlineSeconds":null,"restartPolicy":"Never"}}',
                      check=False)
    assert out.returncode != 0
    assert ('The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
            "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`") in out.stderr
    kubectl("patch", "pod", "web", "-p", '{"spec":{"activeDeadlineSeconds":600}}')
    kubectl("label", "pod", "web", "tier=web")
    assert pod_json(kubectl, "web")["spec"]["activeDeadlineSeconds"] == 600


# ---- scheduling ----

def test_scheduler_respects_taints_and_selectors(sim, kubectl):
    for i in range(6):
        kubectl("run", f"w{i}", "--image=nginx:1.27-alpine")
    kubectl("run", "cp", "--image=nginx:1.27-alpine", "--overrides",
            json.dumps({"spec": {"nodeSelector": {"node-role.kubernetes.io/control-plane": ""}}}))
    kubectl("run", "pinned", "--image=nginx:1.27-alpine", "--overrides",
            json.dumps({"spec": {"nodeSelector": {"kubernetes.io/hostname": "svctui-worker2"}}}))
    wait_for(lambda: all(ready(kubectl, f"w{i}") for i in range(6)) and ready(kubectl, "pinned"))
    nodes = json.loads(kubectl("get", "pods", "-o", "json"))["items"]
    placed = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in nodes}
    assert {placed[f"w{i}"] for i in range(6)} == WORKERS
    assert placed["pinned"] == "svctui-worker2"
    assert placed["cp"] is None
    assert kubectl("get", "pod", "cp", "--no-headers").split()[1:3] == ["0/1", "Pending"]
    cond = pod_json(kubectl, "cp")["status"]["conditions"][0]
    expected = ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
                "3 Preemption is not helpful for scheduling.")
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == ("PodScheduled", "False", "Unschedulable", expected)
    failed = [e for e in events_for(kubectl, "cp") if e["reason"] == "FailedScheduling"]
    assert failed[0]["message"] == expected and failed[0]["source"]["component"] == "default-scheduler"
    scheduled = next(e for e in events_for(kubectl, "pinned") if e["reason"] == "Scheduled")
    assert scheduled["message"] == "Successfully assigned default/pinned to svctui-worker2"


def test_insufficient_cpu_is_reported(sim, kubectl):
    kubectl("run", "big", "--image=nginx:1.27-alpine", "--overrides",
            json.dumps({"spec": {"containers": [{"name": "big", "image": "nginx:1.27-alpine",
                                                 "resources": {"requests": {"cpu": "3"}}}]}}))
    msg = wait_for(lambda: next((e["message"] for e in events_for(kubectl, "big") if e["reason"] == "FailedScheduling"), None))
    assert msg == ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                   "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
                   "2 No preemption victims found for incoming pod.")
    assert pod_json(kubectl, "big")["status"]["qosClass"] == "Burstable"


def test_nodes_table_and_cordon(sim, kubectl):
    lines = kubectl("get", "nodes").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["svctui-control-plane"][1:3] == ["Ready", "control-plane"]
    assert rows["svctui-worker"][1:3] == ["Ready", "<none>"]
    wide = kubectl("get", "nodes", "-o", "wide").splitlines()
    assert re.split(r"\s{2,}", wide[0].strip()) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP",
                                                     "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    kubectl("cordon", "svctui-worker")
    assert kubectl("get", "node", "svctui-worker", "--no-headers").split()[1] == "Ready,SchedulingDisabled"
    for i in range(3):
        kubectl("run", f"p{i}", "--image=nginx:1.27-alpine")
    wait_for(lambda: all(ready(kubectl, f"p{i}") for i in range(3)))
    assert set(kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.nodeName}").split()) == {"svctui-worker2"}


def test_delete_waits_for_graceful_termination(sim, kubectl):
    kubectl("run", "web", "--image=nginx:1.27-alpine", "--annotations=sim.svctui.dev/shutdown-seconds=20")
    wait_for(lambda: ready(kubectl, "web"))
    kubectl("delete", "pod", "web", "--wait=false")
    row = kubectl("get", "pod", "web", "--no-headers").split()
    assert row[2] == "Terminating"
    killing = [e for e in events_for(kubectl, "web") if e["reason"] == "Killing"]
    assert killing and killing[0]["message"] == "Stopping container web"
    wait_for(lambda: kubectl.run("get", "pod", "web", check=False).returncode != 0, timeout=10)


# ---- activeDeadlineSeconds (pkg/kubelet/active_deadline.go) ----

def test_active_deadline_fails_the_pod_and_kills_its_containers(sim, kubectl):
    start = time.time()
    kubectl("apply", "-f", "-", input=manifest(
        "dl", [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
        activeDeadlineSeconds=2, restartPolicy="Always"))
    wait_for(lambda: ready(kubectl, "dl"))
    assert time.time() - start < 1.8, "Running well before its deadline"
    pod = wait_for(lambda: (p := pod_json(kubectl, "dl"))["status"]["phase"] == "Failed" and p, timeout=10)
    took = time.time() - start
    status = pod["status"]
    assert (status["reason"], status["message"]) == (
        "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
    started = pod["status"]["startTime"]
    # Not before 2 s after the kubelet took it (which is after the apply began), nor long after.
    assert 2.0 <= took < 3.5, f"failed {took:.2f} s after the apply (startTime {started}, deadline 2 s)"
    cond = {c["type"]: c for c in status["conditions"]}
    assert (cond["Ready"]["status"], cond["Ready"]["reason"]) == ("False", "PodFailed")
    assert cond["PodReadyToStartContainers"]["status"] == "False"
    # sleep as PID 1 ignores SIGTERM: it dies of the SIGKILL after the grace period.
    term = wait_for(lambda: pod_json(kubectl, "dl")["status"]["containerStatuses"][0]["state"].get("terminated"))
    assert (term["exitCode"], term["reason"]) == (137, "Error")
    name, ready_col, status_col, restarts = kubectl("get", "pod", "dl", "--no-headers").split()[:4]
    # kubectl's STATUS: the pod's reason, overridden by a terminated container's (printPod).
    assert (name, ready_col, status_col, restarts) == ("dl", "0/1", "Error", "0")
    assert kubectl("get", "pod", "dl", "-o", "jsonpath={.status.phase}/{.status.reason}") == "Failed/DeadlineExceeded"
    events = [(e["type"], e["reason"], e["message"]) for e in events_for(kubectl, "dl")]
    assert ("Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline") in events
    assert ("Normal", "Killing", "Stopping container c") in events
    time.sleep(0.5)  # restartPolicy Always, yet nothing restarts a pod that failed its deadline
    pod = pod_json(kubectl, "dl")
    assert pod["status"]["phase"] == "Failed" and pod["status"]["containerStatuses"][0]["restartCount"] == 0
    assert "deletionTimestamp" not in pod["metadata"], "the pod stays until someone deletes it"
    assert kubectl("delete", "pod", "dl", "--wait=true", timeout=30).strip() == 'pod "dl" deleted'


def test_active_deadline_shows_deadline_exceeded_while_a_container_shuts_down(sim, kubectl):
    """Between the deadline and its exit on SIGTERM the container still runs, unready: STATUS is the pod's
    reason. nginx exits 0 on SIGTERM; one slower than its grace period is SIGKILLed (137)."""
    pods = [("dl2", "20", 30, (0, "Completed")), ("dl3", "400", 60, (137, "Error"))]  # delays scaled by 0.05
    for name, shutdown, grace, _ in pods:
        kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": {"sim.svctui.dev/shutdown-seconds": shutdown}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27-alpine"}], "activeDeadlineSeconds": 1,
                     "terminationGracePeriodSeconds": grace}}))
    for name, _, _, (code, reason) in pods:
        seen = wait_for(lambda: (out := kubectl("get", "pod", name, "--no-headers").split())[2] == "DeadlineExceeded"
                        and out, timeout=10)
        assert seen[1] == "0/1"
        pod = pod_json(kubectl, name)
        assert "running" in pod["status"]["containerStatuses"][0]["state"]
        assert pod["status"]["containerStatuses"][0]["ready"] is False
        term = wait_for(lambda: pod_json(kubectl, name)["status"]["containerStatuses"][0]["state"].get("terminated"))
        assert (term["exitCode"], term["reason"]) == (code, reason)
        assert pod_json(kubectl, name)["status"]["reason"] == "DeadlineExceeded"


def test_active_deadline_can_be_lowered_on_a_running_pod(sim, kubectl):
    kubectl("apply", "-f", "-", input=manifest(
        "dl4", [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}], activeDeadlineSeconds=3600))
    wait_for(lambda: ready(kubectl, "dl4"))
    kubectl("patch", "pod", "dl4", "-p", '{"spec":{"activeDeadlineSeconds":1}}')
    wait_for(lambda: pod_json(kubectl, "dl4")["status"].get("reason") == "DeadlineExceeded", timeout=10)
    out = kubectl.run("patch", "pod", "dl4", "-p", '{"spec":{"activeDeadlineSeconds":7200}}', check=False)
    assert out.returncode != 0 and "spec.activeDeadlineSeconds" in out.stderr


def test_active_deadline_fails_a_pod_that_never_started(sim, kubectl):
    """The deadline counts from when the kubelet took the pod, started or not; a waiting container stays waiting."""
    kubectl("apply", "-f", "-", input=manifest(
        "dl5", [{"name": "c", "image": "registry.invalid/nothing:1", "imagePullPolicy": "Never"}],
        activeDeadlineSeconds=1))
    pod = wait_for(lambda: (p := pod_json(kubectl, "dl5"))["status"].get("reason") == "DeadlineExceeded" and p,
                   timeout=10)
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ErrImageNeverPull"
    assert kubectl("get", "pod", "dl5", "--no-headers").split()[1:3] == ["0/1", "ErrImageNeverPull"]
    events = [(e["reason"], e["message"]) for e in events_for(kubectl, "dl5")]
    assert ("DeadlineExceeded", "Pod was active on the node longer than the specified deadline") in events
    assert not any(reason == "Killing" for reason, _ in events), "nothing was running to kill"
