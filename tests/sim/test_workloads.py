"""Deployments, ReplicaSets, StatefulSets, garbage collection and namespaces, as kubectl sees them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels: {app: nginx}
spec:
  replicas: 3
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27-alpine
        ports:
        - containerPort: 80
"""

STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27-alpine
"""


def eventually(check: Callable[[], Any], timeout: float = 20, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result is not False:
                return result
            if time.monotonic() > deadline:
                raise AssertionError("condition not reached")
        time.sleep(interval)


def get_json(kubectl, *args: str) -> dict[str, Any]:
    return json.loads(kubectl("get", *args, "-o", "json"))


def pods(kubectl, *selector: str) -> list[dict[str, Any]]:
    return get_json(kubectl, "pods", *selector)["items"]


def table(output: str) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in output.splitlines() if line.strip()]
    return re.split(r"\s{2,}", lines[0].strip()), [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]


def create_deployment(kubectl) -> None:
    kubectl("apply", "-f", "-", input=DEPLOY)
    kubectl("rollout", "status", "deployment/nginx-deployment", "--timeout=30s")


def test_deployment_creates_replicaset_and_pods(kubectl):
    create_deployment(kubectl)
    head, rows = table(kubectl("get", "deploy", "-o", "wide"))
    assert head == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert rows[0][:4] == ["nginx-deployment", "3/3", "3", "3"]
    assert rows[0][5:] == ["nginx", "nginx:1.27-alpine", "app=nginx"]

    head, rows = table(kubectl("get", "rs", "-o", "wide"))
    assert head == ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    rs_name = rows[0][0]
    h = rs_name.removeprefix("nginx-deployment-")
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{6,10}", h)
    assert rows[0][1:4] == ["3", "3", "3"]
    assert rows[0][-1] == f"app=nginx,pod-template-hash={h}"

    rs = get_json(kubectl, "rs", rs_name)
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "3"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "4"
    owner = rs["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"], owner["blockOwnerDeletion"]) == ("Deployment", "nginx-deployment", True, True)

    items = pods(kubectl, "-l", "app=nginx")
    assert len(items) == 3
    for p in items:
        assert re.fullmatch(rf"{rs_name}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", p["metadata"]["name"])
        assert p["metadata"]["labels"]["pod-template-hash"] == h
        assert p["metadata"]["ownerReferences"][0]["name"] == rs_name

    d = get_json(kubectl, "deploy", "nginx-deployment")
    assert d["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert (d["spec"]["revisionHistoryLimit"], d["spec"]["progressDeadlineSeconds"]) == (10, 600)
    conds = {c["type"]: c for c in d["status"]["conditions"]}
    assert conds["Available"]["reason"] == "MinimumReplicasAvailable"
    assert conds["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert conds["Progressing"]["message"] == f'ReplicaSet "{rs_name}" has successfully progressed.'
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]

    events = kubectl("get", "events", "--field-selector", "involvedObject.kind=Deployment")
    assert f"Scaled up replica set {rs_name} from 0 to 3" in events
    events = kubectl("get", "events", "--field-selector", f"involvedObject.name={rs_name}")
    assert "SuccessfulCreate" in events and f"Created pod: {items[0]['metadata']['name']}" in events


def test_kubectl_wait_for_available_and_scale(kubectl):
    kubectl("create", "deployment", "web", "--image=nginx:1.26-alpine", "--replicas=2")
    kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=30s")
    kubectl("scale", "deployment/web", "--replicas=5")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert len(pods(kubectl, "-l", "app=web")) == 5
    kubectl("scale", "deployment/web", "--replicas=1")
    eventually(lambda: len(pods(kubectl, "-l", "app=web")) == 1)
    rs = get_json(kubectl, "rs", "-l", "app=web")["items"]
    assert len(rs) == 1 and rs[0]["spec"]["replicas"] == 1
    assert rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    events = kubectl("get", "events", "--field-selector", "reason=ScalingReplicaSet")
    name = rs[0]["metadata"]["name"]
    assert f"Scaled up replica set {name} from 2 to 5" in events
    assert f"Scaled down replica set {name} from 5 to 1" in events


def test_rolling_update(kubectl):
    create_deployment(kubectl)
    old_rs = get_json(kubectl, "rs", "-l", "app=nginx")["items"][0]["metadata"]["name"]
    kubectl("set", "image", "deployment/nginx-deployment", "nginx=nginx:1.28-alpine")
    out = kubectl("rollout", "status", "deployment/nginx-deployment", "--timeout=60s")
    assert 'deployment "nginx-deployment" successfully rolled out' in out
    rss = {r["metadata"]["name"]: r for r in get_json(kubectl, "rs", "-l", "app=nginx")["items"]}
    assert set(rss) - {old_rs}
    new_rs = (set(rss) - {old_rs}).pop()
    assert rss[old_rs]["spec"]["replicas"] == 0
    assert rss[new_rs]["spec"]["replicas"] == 3
    assert rss[new_rs]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert get_json(kubectl, "deploy", "nginx-deployment")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    eventually(lambda: [p["spec"]["containers"][0]["image"] for p in pods(kubectl, "-l", "app=nginx")] == ["nginx:1.28-alpine"] * 3)
    events = kubectl("get", "events", "--field-selector", "involvedObject.kind=Deployment")
    # maxSurge 25% of 3 rounds up to 1: the new ReplicaSet starts with one pod.
    assert f"Scaled up replica set {new_rs} from 0 to 1" in events
    assert f"Scaled down replica set {old_rs} from 3 to 2" in events

    kubectl("rollout", "undo", "deployment/nginx-deployment")
    kubectl("rollout", "status", "deployment/nginx-deployment", "--timeout=60s")
    rs = get_json(kubectl, "rs", old_rs)
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"


def test_deleted_pods_are_replaced_at_once(kubectl):
    create_deployment(kubectl)
    before = {p["metadata"]["name"] for p in pods(kubectl, "-l", "app=nginx")}
    kubectl("delete", "pods", "-l", "app=nginx", "--wait=false")
    items = pods(kubectl, "-l", "app=nginx")
    fresh = [p for p in items if p["metadata"]["name"] not in before]
    # Replacements exist while the old pods are still terminating.
    assert len(fresh) == 3
    assert all(p["metadata"].get("deletionTimestamp") for p in items if p["metadata"]["name"] in before)
    kubectl("rollout", "status", "deployment/nginx-deployment", "--timeout=30s")
    eventually(lambda: {p["metadata"]["name"] for p in pods(kubectl, "-l", "app=nginx")} == {p["metadata"]["name"] for p in fresh})


def test_replicaset_releases_and_adopts_pods(kubectl):
    create_deployment(kubectl)
    victim = pods(kubectl, "-l", "app=nginx")[0]["metadata"]["name"]
    kubectl("label", "pod", victim, "app=debug", "--overwrite")
    eventually(lambda: len([p for p in pods(kubectl, "-l", "app=nginx") if not p["metadata"].get("deletionTimestamp")]) == 3)
    released = get_json(kubectl, "pod", victim)
    assert "ownerReferences" not in released["metadata"]


def test_cascading_deletion(kubectl):
    create_deployment(kubectl)
    kubectl("delete", "deployment", "nginx-deployment")
    eventually(lambda: get_json(kubectl, "rs")["items"] == [])
    eventually(lambda: pods(kubectl, "-l", "app=nginx") == [])


def test_orphan_deletion_keeps_dependents(kubectl):
    create_deployment(kubectl)
    rs_name = get_json(kubectl, "rs", "-l", "app=nginx")["items"][0]["metadata"]["name"]
    kubectl("delete", "deployment", "nginx-deployment", "--cascade=orphan")
    assert kubectl.run("get", "deployment", "nginx-deployment", check=False).returncode != 0
    rs = get_json(kubectl, "rs", rs_name)
    assert "ownerReferences" not in rs["metadata"]
    time.sleep(0.5)
    assert len(pods(kubectl, "-l", "app=nginx")) == 3


def test_foreground_deletion_waits_for_dependents(kubectl):
    # Slow-stopping pods keep the dependents around long enough to observe the foreground finalizer.
    slow = DEPLOY.replace("      labels: {app: nginx}\n    spec:",
                          "      labels: {app: nginx}\n      annotations: {sim.svctui.dev/shutdown-seconds: \"30\"}\n    spec:")
    assert slow != DEPLOY
    kubectl("apply", "-f", "-", input=slow)
    kubectl("rollout", "status", "deployment/nginx-deployment", "--timeout=30s")
    kubectl("delete", "deployment", "nginx-deployment", "--cascade=foreground", "--wait=false")
    d = get_json(kubectl, "deployment", "nginx-deployment")
    assert "foregroundDeletion" in d["metadata"]["finalizers"]
    kubectl("wait", "--for=delete", "deployment/nginx-deployment", "--timeout=30s")
    assert pods(kubectl, "-l", "app=nginx") == []
    assert get_json(kubectl, "rs")["items"] == []


def test_validation_messages(kubectl):
    bad = DEPLOY.replace("labels: {app: nginx}\n    spec:", "labels: {app: other}\n    spec:")
    proc = kubectl.run("apply", "-f", "-", input=bad, check=False)
    assert proc.returncode != 0
    assert 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`' in proc.stderr

    create_deployment(kubectl)
    proc = kubectl.run("patch", "deployment", "nginx-deployment", "--type=merge", "-p",
                       '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}', check=False)
    assert proc.returncode != 0
    assert "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, " \
           "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable" in proc.stderr

    proc = kubectl.run("scale", "deployment/nginx-deployment", "--replicas=-1", check=False)
    assert proc.returncode != 0


def test_statefulset_ordinals_and_stable_names(kubectl):
    kubectl("apply", "-f", "-", input=STS)
    out = kubectl("rollout", "status", "statefulset/web", "--timeout=60s")
    # With the defaulted partition 0, kubectl reports a "partitioned" rollout, as on a real cluster.
    assert "partitioned roll out complete: 3 new pods have been updated..." in out
    items = {p["metadata"]["name"]: p for p in pods(kubectl, "-l", "app=web")}
    assert sorted(items) == ["web-0", "web-1", "web-2"]
    # OrderedReady: each pod is created after its predecessor.
    created = [items[f"web-{i}"]["metadata"]["creationTimestamp"] for i in range(3)]
    assert created == sorted(created)
    web1 = items["web-1"]
    assert web1["spec"]["hostname"] == "web-1" and web1["spec"]["subdomain"] == "web"
    assert web1["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-1"
    assert web1["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
    assert web1["metadata"]["labels"]["controller-revision-hash"].startswith("web-")

    head, rows = table(kubectl("get", "sts", "-o", "wide"))
    assert head == ["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]
    assert rows[0][:2] == ["web", "3/3"]

    kubectl("delete", "pod", "web-1")
    again = eventually(lambda: get_json(kubectl, "pod", "web-1"), timeout=30)
    assert again["metadata"]["uid"] != web1["metadata"]["uid"]
    kubectl("rollout", "status", "statefulset/web", "--timeout=30s")

    kubectl("scale", "statefulset/web", "--replicas=1")
    eventually(lambda: sorted(p["metadata"]["name"] for p in pods(kubectl, "-l", "app=web")) == ["web-0"], timeout=30)
    sts = get_json(kubectl, "sts", "web")
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"
    assert sts["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}


def test_namespace_deletion_empties_it(kubectl):
    kubectl("create", "namespace", "demo")
    kubectl("-n", "demo", "create", "deployment", "api", "--image=nginx:1.27-alpine", "--replicas=2")
    kubectl("-n", "demo", "create", "configmap", "settings", "--from-literal=a=1", "--from-literal=b=2")
    kubectl("-n", "demo", "rollout", "status", "deployment/api", "--timeout=30s")
    head, rows = table(kubectl("-n", "demo", "get", "configmaps"))
    assert head == ["NAME", "DATA", "AGE"]
    assert ["settings", "2"] == [r for r in rows if r[0] == "settings"][0][:2]
    # A finalizer holds one object, and so the namespace, in Terminating.
    kubectl("-n", "demo", "patch", "configmap", "settings", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')

    kubectl("delete", "namespace", "demo", "--wait=false")

    def terminating():
        ns = get_json(kubectl, "namespace", "demo")
        assert ns["status"]["phase"] == "Terminating"
        conds = {c["type"]: c for c in ns["status"]["conditions"]}
        assert conds["NamespaceContentRemaining"]["message"] == "Some resources are remaining: configmaps. has 1 resource instances"
        assert conds["NamespaceFinalizersRemaining"]["message"] == \
            "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
        return True

    eventually(terminating)
    assert get_json(kubectl, "pods", "-n", "demo")["items"] == []
    assert get_json(kubectl, "deploy", "-n", "demo")["items"] == []
    assert table(kubectl("get", "namespace", "demo"))[1][0][:2] == ["demo", "Terminating"]
    proc = kubectl.run("-n", "demo", "create", "configmap", "late", check=False)
    assert 'configmaps "late" is forbidden: unable to create new content in namespace demo because it is being terminated' in proc.stderr
    kubectl("-n", "demo", "patch", "configmap", "settings", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    kubectl("wait", "--for=delete", "namespace/demo", "--timeout=30s")


def test_system_namespaces_cannot_be_deleted(kubectl):
    proc = kubectl.run("delete", "namespace", "kube-system", check=False)
    assert proc.returncode != 0
    assert 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted' in proc.stderr


def test_events_printer(kubectl):
    kubectl("create", "deployment", "ev", "--image=nginx:1.27-alpine")
    kubectl("rollout", "status", "deployment/ev", "--timeout=30s")
    head, rows = table(kubectl("get", "events", "--field-selector", "involvedObject.kind=Deployment"))
    assert head == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert rows[0][1:4] == ["Normal", "ScalingReplicaSet", "deployment/ev"]
    head, rows = table(kubectl("get", "events", "-o", "wide", "--field-selector", "involvedObject.kind=Deployment"))
    assert head == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
    row = rows[0]
    assert row[4] == "deployment-controller"  # empty SUBOBJECT collapses in the split
    assert row[-2] == "1" and row[-1].startswith("ev.")


def test_event_ttl_removes_old_events(sim, kubectl):
    from svctui.sim.controllers.namespace import EVENT_TTL

    kubectl("create", "configmap", "x")
    kubectl("create", "deployment", "ttl", "--image=nginx:1.27-alpine")
    kubectl("rollout", "status", "deployment/ttl", "--timeout=30s")
    assert get_json(kubectl, "events")["items"]

    def jump(cluster):
        cluster.clock.offset += EVENT_TTL + 1
        for c in cluster.controllers:
            if c.name == "event-ttl":
                c.enqueue("sweep")

    sim.call(jump)
    eventually(lambda: [e for e in get_json(kubectl, "events")["items"] if e["involvedObject"]["name"].startswith("ttl")] == [])
