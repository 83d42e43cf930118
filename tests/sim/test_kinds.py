"""Secrets, ServiceAccounts, Jobs, Leases, Ingresses, DaemonSets and kind's kube-system, through real kubectl."""

from __future__ import annotations

import base64
import json

from .test_pods import wait_for

CONTROL_PLANE = "svctui-control-plane"
NODES = {CONTROL_PLANE, "svctui-worker", "svctui-worker2"}


def rows(kubectl, *args: str) -> list[list[str]]:
    return [line.split() for line in kubectl("get", *args, "--no-headers").splitlines() if line.strip()]


def test_discovery_lists_the_new_kinds(sim, kubectl) -> None:
    out = kubectl("api-resources", "--no-headers")
    names = {line.split()[0] for line in out.splitlines()}
    assert {"secrets", "serviceaccounts", "jobs", "leases", "ingresses", "ingressclasses", "daemonsets"} <= names
    assert "sa" in kubectl("api-resources", "--api-group=", "-o", "name") or "serviceaccounts" in out


def test_create_secret_generic_and_get(sim, kubectl) -> None:
    assert kubectl("create", "secret", "generic", "db", "--from-literal=password=s3cr3t",
                   "--from-literal=user=app").strip() == "secret/db created"
    secret = json.loads(kubectl("get", "secret", "db", "-o", "json"))
    assert secret["type"] == "Opaque"
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {"password": "s3cr3t", "user": "app"}
    [row] = rows(kubectl, "secrets")  # one call: the AGE column can tick between two
    assert row[:3] == ["db", "Opaque", "2"] and row[3].endswith("s")
    # stringData is folded into data and never stored.
    kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s2"},
                                                   "stringData": {"token": "abc"}}))
    s2 = json.loads(kubectl("get", "secret", "s2", "-o", "json"))
    assert s2["data"] == {"token": base64.b64encode(b"abc").decode()} and "stringData" not in s2


def test_secret_validation_is_the_apiservers(sim, kubectl) -> None:
    bad = kubectl.run("create", "-f", "-", check=False, input=json.dumps({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t"}, "type": "kubernetes.io/tls",
        "data": {"bad key": "eA=="}}))
    assert bad.returncode == 1
    assert 'The Secret "t" is invalid' in bad.stderr
    assert "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters" in bad.stderr
    assert "data[tls.crt]: Required value" in bad.stderr and "data[tls.key]: Required value" in bad.stderr
    kubectl("create", "secret", "generic", "frozen", "--from-literal=a=b")
    kubectl("patch", "secret", "frozen", "-p", '{"immutable": true}')
    changed = kubectl.run("patch", "secret", "frozen", "-p", '{"data": {"a": "Yw=="}}', check=False)
    assert changed.returncode == 1 and "data: Forbidden: field is immutable when `immutable` is set" in changed.stderr


def test_create_configmap_and_every_namespace_has_a_default_serviceaccount(sim, kubectl) -> None:
    assert kubectl("create", "configmap", "cfg", "--from-literal=a=b", "--from-literal=c=d").strip() == "configmap/cfg created"
    assert rows(kubectl, "cm", "cfg")[0][:2] == ["cfg", "2"]
    kubectl("create", "namespace", "team")
    wait_for(lambda: rows(kubectl, "sa", "-n", "team") and rows(kubectl, "sa", "-n", "team")[0][:2] == ["default", "0"])
    kubectl("delete", "sa", "default", "-n", "team")
    wait_for(lambda: any(r[0] == "default" for r in rows(kubectl, "sa", "-n", "team")))
    system = {r[0] for r in rows(kubectl, "sa", "-n", "kube-system")}
    assert {"default", "coredns", "kube-proxy", "kindnet"} <= system


def test_create_job_runs_its_pod_to_completion(sim, kubectl) -> None:
    assert kubectl("create", "job", "hello", "--image=busybox:1.36", "--", "echo", "hi").strip() == "job.batch/hello created"
    wait_for(lambda: rows(kubectl, "jobs")[0][1:3] == ["Complete", "1/1"])
    job = json.loads(kubectl("get", "job", "hello", "-o", "json"))
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert [c["type"] for c in job["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert job["status"]["succeeded"] == 1 and job["status"].get("completionTime")
    [pod] = json.loads(kubectl("get", "pods", "-l", "job-name=hello", "-o", "json"))["items"]
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "hello"
    assert kubectl("logs", "job/hello").strip() == "hi"
    reasons = [e["reason"] for e in json.loads(kubectl("get", "events", "--field-selector",
                                                       "involvedObject.kind=Job", "-o", "json"))["items"]]
    assert "SuccessfulCreate" in reasons and "Completed" in reasons


def test_failing_job_retries_to_its_backoff_limit(sim, kubectl) -> None:
    kubectl("apply", "-f", "-", input=json.dumps({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "fails"},
        "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "c", "image": "busybox:1.36", "command": ["sh", "-c", "exit 3"]}]}}}}))
    wait_for(lambda: rows(kubectl, "job", "fails")[0][1] == "Failed", timeout=20)
    job = json.loads(kubectl("get", "job", "fails", "-o", "json"))
    failed = [c for c in job["status"]["conditions"] if c["type"] == "Failed"][0]
    assert (failed["reason"], failed["message"]) == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert job["status"]["failed"] == 2
    # A Job's pods may not restart Always.
    bad = kubectl.run("create", "-f", "-", check=False, input=json.dumps({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "always"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}}))
    assert bad.returncode == 1
    assert 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' in bad.stderr


INGRESS = {
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
    "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
}


def test_ingress_is_stored_listed_and_validated(sim, kubectl) -> None:
    kubectl("apply", "-f", "-", input=json.dumps(INGRESS))
    [row] = rows(kubectl, "ingress")
    assert row[:5] == ["web", "<none>", "web.example.com", "80", row[4]]
    bad = json.loads(json.dumps(INGRESS))
    del bad["spec"]["rules"][0]["http"]["paths"][0]["pathType"]
    bad["metadata"]["name"] = "bad"
    out = kubectl.run("create", "-f", "-", check=False, input=json.dumps(bad))
    assert out.returncode == 1
    assert "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified" in out.stderr
    assert kubectl("create", "ingress", "simple", "--rule=foo.com/bar=svc1:8080").strip() == "ingress.networking.k8s.io/simple created"
    assert rows(kubectl, "ing", "simple")[0][2] == "foo.com"


def test_kind_kube_system_pods(sim, kubectl) -> None:
    def system() -> list[list[str]]:
        return rows(kubectl, "pods", "-A", "-o", "wide")

    wait_for(lambda: len(system()) == 13 and all(r[2] == "1/1" and r[3] == "Running" for r in system()))
    by_name = {r[1]: r for r in system()}
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        row = by_name[f"{component}-{CONTROL_PLANE}"]
        assert row[0] == "kube-system" and row[7] == CONTROL_PLANE and row[6] == "172.18.0.2"
    for ds in ("kube-proxy", "kindnet"):
        pods = [r for n, r in by_name.items() if n.startswith(ds + "-") and not n.endswith(CONTROL_PLANE + "x")]
        assert {r[7] for r in pods} == NODES and len(pods) == 3, ds
    [lpp] = [r for n, r in by_name.items() if n.startswith("local-path-provisioner-")]
    assert lpp[0] == "local-path-storage"
    ds_rows = {r[0]: r for r in rows(kubectl, "ds", "-n", "kube-system")}
    assert ds_rows["kube-proxy"][1:6] == ["3", "3", "3", "3", "3"]
    etcd = json.loads(kubectl("get", "pod", "-n", "kube-system", f"etcd-{CONTROL_PLANE}", "-o", "json"))
    assert etcd["metadata"]["ownerReferences"][0]["kind"] == "Node"
    assert etcd["metadata"]["annotations"]["kubernetes.io/config.source"] == "file"
    # A mirror pod deleted through the API comes back (the kubelet still runs the static pod).
    kubectl("delete", "pod", "-n", "kube-system", f"etcd-{CONTROL_PLANE}", "--wait=false")
    wait_for(lambda: (p := json.loads(kubectl("get", "pods", "-n", "kube-system", "-o", "json"))["items"]) and any(
        x["metadata"]["name"] == f"etcd-{CONTROL_PLANE}" and x["metadata"]["uid"] != etcd["metadata"]["uid"]
        and x["status"].get("phase") == "Running" for x in p))
    # A daemon pod that is deleted comes back on the same node.
    victim = next(r for n, r in by_name.items() if n.startswith("kindnet-") and r[7] == "svctui-worker")
    kubectl("delete", "pod", "-n", "kube-system", victim[1], "--wait=false")
    wait_for(lambda: any(r[1].startswith("kindnet-") and r[1] != victim[1] and r[7] == "svctui-worker"
                         and r[3] == "Running" for r in system()))


def test_node_and_leader_leases(sim, kubectl) -> None:
    assert {r[0]: r[1] for r in rows(kubectl, "leases", "-n", "kube-node-lease")} == {n: n for n in NODES}
    system = {r[0] for r in rows(kubectl, "leases", "-n", "kube-system")}
    assert {"kube-controller-manager", "kube-scheduler"} <= system


def test_kubectl_explain_has_descriptions_and_the_real_types(sim, kubectl) -> None:
    out = kubectl("explain", "service.spec.ports")
    assert "FIELD: ports <[]ServicePort>" in out
    assert "The list of ports that are exposed by this service." in out
    assert "targetPort\t<IntOrString>" in out and "port\t<integer> -required-" in out
    assert "Number or name of the port to access on the pods targeted by the service." in kubectl(
        "explain", "service.spec.ports.targetPort")
    resources = kubectl("explain", "pod.spec.containers.resources")
    assert "limits\t<map[string]Quantity>" in resources
    assert "Deployment enables declarative updates for Pods and ReplicaSets." in kubectl("explain", "deployment")
    assert "holderIdentity\t<string>" in kubectl("explain", "lease.spec")
