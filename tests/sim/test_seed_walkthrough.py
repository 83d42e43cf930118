"""Seed 000's walkthrough, command by command, with real kubectl against the simulated cluster.

Names and IPs differ from the tutorial; the shapes of the outputs must not.
"""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.kubectl

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.27-alpine
        ports:
        - containerPort: 80
        resources:
          requests:
            memory: "64Mi"
            cpu: "100m"
          limits:
            memory: "128Mi"
            cpu: "200m"
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  selector:
    app: nginx
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
  type: ClusterIP
"""

NODEPORT_BAD = """\
apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    nodePort: 8080
"""

POD_IP = re.compile(r"^10\.244\.\d+\.\d+$")


def rows(text: str) -> list[list[str]]:
    """kubectl's table output as rows of cells (header excluded); cells split on 2+ spaces."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return [re.split(r"\s{2,}", ln.strip()) for ln in lines[1:]]


def header(text: str) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def wait_for(fn, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s; last value: {last!r}")


def nginx_pods(kubectl) -> list[list[str]]:
    return rows(kubectl("get", "pods", "-l", "app=nginx", "-o", "wide"))


def all_running(kubectl, n: int):
    pods = nginx_pods(kubectl)
    ok = len(pods) == n and all(p[1] == "1/1" and p[2] == "Running" for p in pods)
    return pods if ok else None


def test_seed_000_walkthrough(kubectl):
    assert kubectl("apply", "-f", "-", input=DEPLOYMENT).strip() == "deployment.apps/nginx-deployment created"
    assert "condition met" in kubectl("wait", "--for=condition=Available", "deployment/nginx-deployment", "--timeout=60s")

    out = kubectl("get", "pods", "-l", "app=nginx", "-o", "wide")
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    pods = wait_for(lambda: all_running(kubectl, 3))
    for name, _ready, _status, restarts, _age, ip, node, nominated, gates in pods:
        assert re.fullmatch(r"nginx-deployment-[a-z0-9]{8,10}-[a-z0-9]{5}", name)
        assert restarts == "0"
        assert POD_IP.match(ip)
        assert node in ("svctui-worker", "svctui-worker2"), "the control plane is tainted"
        assert nominated == "<none>" and gates == "<none>"
    old_ips = {p[5] for p in pods}
    old_names = {p[0] for p in pods}
    assert len(old_ips) == 3

    assert kubectl("apply", "-f", "-", input=SERVICE).strip() == "service/nginx-service created"
    out = kubectl("get", "service", "nginx-service")
    assert header(out) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    (svc,) = rows(out)
    assert svc[:2] == ["nginx-service", "ClusterIP"]
    assert re.fullmatch(r"10\.(9[6-9]|1[01][0-9])\.\d+\.\d+", svc[2])
    assert svc[3:5] == ["<none>", "80/TCP"]

    def endpoints_are(ips):
        (ep,) = rows(kubectl("get", "endpoints", "nginx-service"))
        got = set(ep[1].split(",")) if ep[1] != "<none>" else set()
        return got == {f"{ip}:80" for ip in ips}

    wait_for(lambda: endpoints_are(old_ips))
    out = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=nginx-service")
    assert header(out) == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    (sl,) = rows(out)
    assert sl[0].startswith("nginx-service-") and sl[1:3] == ["IPv4", "80"]
    assert set(sl[3].split(",")) == old_ips

    # Step 2–3: delete every pod and watch the Deployment bring new ones, with new IPs.
    watch = kubectl.popen("get", "pods", "-l", "app=nginx", "-o", "wide", "--watch")
    try:
        time.sleep(1.0)
        out = kubectl("delete", "pods", "-l", "app=nginx")
        deleted = {m.group(1) for m in re.finditer(r'pod "([^"]+)" deleted', out)}
        assert deleted == old_names
        pods = wait_for(lambda: (lambda p: p if {x[0] for x in p}.isdisjoint(old_names) else None)(all_running(kubectl, 3) or []), 60)
        new_ips = {p[5] for p in pods}
        assert len(new_ips) == 3 and new_ips.isdisjoint(old_ips), (old_ips, new_ips)
        time.sleep(0.5)
    finally:
        watch.terminate()
        watch_out, _ = watch.communicate(timeout=10)
    statuses = [r[2] for r in rows(watch_out)]
    assert "Terminating" in statuses
    assert "ContainerCreating" in statuses or "Pending" in statuses
    assert statuses.count("Running") >= 6, watch_out

    # Service name is stable; endpoints follow the new pods.
    wait_for(lambda: endpoints_are(new_ips))

    # Scale and describe.
    assert kubectl("scale", "deployment/nginx-deployment", "--replicas=5").strip() == "deployment.apps/nginx-deployment scaled"
    wait_for(lambda: all_running(kubectl, 5))
    desc = kubectl("describe", "service", "nginx-service")
    assert re.search(r"^Selector:\s+app=nginx$", desc, re.M)
    assert re.search(r"^Type:\s+ClusterIP$", desc, re.M)
    assert re.search(r"^Port:\s+<unset>\s+80/TCP$", desc, re.M)
    assert re.search(r"^TargetPort:\s+80/TCP$", desc, re.M)
    ep_line = re.search(r"^Endpoints:\s+(.*)$", desc, re.M).group(1)
    assert re.fullmatch(r"(10\.244\.\d+\.\d+:80,){2}10\.244\.\d+\.\d+:80 \+ 2 more\.\.\.", ep_line), ep_line

    # Troubleshooting: a selector that matches nothing shows <none>.
    kubectl("patch", "service", "nginx-service", "-p", '{"spec":{"selector":{"app":"nginx-typo"}}}')
    wait_for(lambda: rows(kubectl("get", "endpoints", "nginx-service"))[0][1] == "<none>")


def test_nodeport_outside_range_is_rejected(kubectl):
    proc = kubectl.run("apply", "-f", "-", input=NODEPORT_BAD, check=False)
    assert proc.returncode != 0
    assert ('The Service "web-nodeport" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is '
            "not in the valid range. The range of valid ports is 30000-32767") in proc.stderr
    assert kubectl.run("get", "service", "web-nodeport", check=False).returncode != 0


def test_nodeport_in_range(kubectl):
    manifest = NODEPORT_BAD.replace("nodePort: 8080", "nodePort: 30080")
    assert kubectl("apply", "-f", "-", input=manifest).strip() == "service/web-nodeport created"
    (svc,) = rows(kubectl("get", "service", "web-nodeport"))
    assert svc[1] == "NodePort" and svc[4] == "80:30080/TCP"
