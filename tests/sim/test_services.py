"""Services, Endpoints and EndpointSlices as kubectl and HTTP clients see them.

Most endpoint tests place their pods on a node that does not exist, so neither the scheduler nor a
kubelet touches them and the test sets IPs and readiness itself; the end-to-end tests at the bottom use
pods the kubelet runs.
"""

from __future__ import annotations

import json
import random
import re
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from svctui.sim import resources as R
from svctui.sim.apiserver import DeleteOptions
from svctui.sim.ipalloc import ServiceAllocators

GHOST_NODE = "ghost-node"


# ---- helpers ----

def eventually(fn: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except AssertionError as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s; last: {last!r}")


def settle(sim) -> None:
    sim.call(lambda c: c.settle(timeout=10))


def http_json(sim, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(sim.url + path, timeout=10) as resp:
        return json.loads(resp.read())


def watch_events(sim, path: str, rv: str, seconds: int = 1) -> list[dict[str, Any]]:
    url = f"{sim.url}{path}?watch=true&resourceVersion={rv}&timeoutSeconds={seconds}"
    with urllib.request.urlopen(url, timeout=seconds + 10) as resp:
        return [json.loads(line) for line in resp.read().splitlines() if line.strip()]


def apply(kubectl, manifest: str, check: bool = True):
    return kubectl.run("apply", "-f", "-", input=manifest, check=check)


def rows(output: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


def slices_for(sim, service: str, ns: str = "default") -> list[dict[str, Any]]:
    data = http_json(sim, f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices"
                          f"?labelSelector=kubernetes.io/service-name%3D{service}")
    return sorted(data["items"], key=lambda s: s["metadata"]["name"])


def slice_endpoints(sim, service: str) -> dict[str, dict[str, Any]]:
    """pod name -> endpoint, over all the Service's slices."""
    out = {}
    for s in slices_for(sim, service):
        for ep in s.get("endpoints") or []:
            out[ep["targetRef"]["name"]] = ep
    return out


def make_pod(name: str, labels: dict[str, str], ports: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": {"nodeName": GHOST_NODE, "containers": [{"name": "app", "image": "nginx", "ports": ports or []}], **spec}}


def pod_status(ip: str, ready: bool = True) -> dict[str, Any]:
    return {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "172.18.0.9",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "lastTransitionTime": "2025-01-01T00:00:00Z"}]}


def create_pods(sim, pods: list[tuple[dict[str, Any], str | None, bool]]) -> None:
    """Create pods and give each (IP, readiness); IP None leaves the pod without one."""
    def fn(c):
        for pod, ip, ready in pods:
            created = c.api.create(R.PODS, "default", pod)
            if ip:
                c.api.write_status(R.PODS, created, dict(created["status"], **pod_status(ip, ready)))
    sim.call(fn, timeout=120)


def set_ready(sim, name: str, ready: bool) -> None:
    def fn(c):
        pod = c.store.get(R.PODS, "default", name)
        c.api.write_status(R.PODS, pod, dict(pod["status"], **pod_status(pod["status"]["podIP"], ready)))
    sim.call(fn)


SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-nodeport}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, protocol: TCP, port: 80, targetPort: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-loadbalancer}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, protocol: TCP, port: 80, targetPort: 80}
  - {name: https, protocol: TCP, port: 443, targetPort: 443}
---
apiVersion: v1
kind: Service
metadata: {name: external-db}
spec:
  type: ExternalName
  externalName: db.example.com
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
"""


# ---- Services: printing, defaulting, allocation, validation ----

def test_get_services_prints_each_type(sim, kubectl):
    apply(kubectl, SERVICES)
    table = {r[0]: r for r in rows(kubectl("get", "svc"))}
    assert table["NAME"] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    ip = r"10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+"
    assert table["web"][1] == "ClusterIP" and re.fullmatch(ip, table["web"][2])
    assert table["web"][3:5] == ["<none>", "80/TCP"]
    assert table["web-nodeport"][1] == "NodePort" and table["web-nodeport"][3:5] == ["<none>", "80:30080/TCP"]
    lb = table["web-loadbalancer"]
    assert lb[1] == "LoadBalancer" and lb[3] == "<pending>"
    assert re.fullmatch(r"80:3\d{4}/TCP,443:3\d{4}/TCP", lb[4])
    assert table["external-db"][1:5] == ["ExternalName", "<none>", "db.example.com", "<none>"]
    assert table["web-headless"][1:5] == ["ClusterIP", "None", "<none>", "80/TCP"]
    assert table["kubernetes"][1:5] == ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    wide = {r[0]: r for r in rows(kubectl("get", "svc", "-o", "wide"))}
    assert wide["NAME"][-1] == "SELECTOR"
    assert wide["web"][-1] == "app=web" and wide["external-db"][-1] == "<none>"
    ips = {r[2] for r in table.values() if r[0] not in ("NAME", "external-db", "web-headless")}
    assert len(ips) == 4, "every Service got its own ClusterIP"


def test_service_defaults(sim, kubectl):
    apply(kubectl, SERVICES)
    svcs = {s["metadata"]["name"]: s for s in json.loads(kubectl("get", "svc", "-o", "json"))["items"]}
    web = svcs["web"]["spec"]
    assert web["type"] == "ClusterIP" and web["sessionAffinity"] == "None"
    assert web["clusterIPs"] == [web["clusterIP"]] and not web["clusterIP"].startswith("10.96.0.")
    assert web["ipFamilies"] == ["IPv4"] and web["ipFamilyPolicy"] == "SingleStack"
    assert web["internalTrafficPolicy"] == "Cluster" and "externalTrafficPolicy" not in web
    assert web["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert svcs["web"]["status"] == {"loadBalancer": {}}
    lb = svcs["web-loadbalancer"]["spec"]
    assert lb["externalTrafficPolicy"] == "Cluster" and lb["allocateLoadBalancerNodePorts"] is True
    assert svcs["web-loadbalancer"]["status"] == {"loadBalancer": {}}
    assert len({p["nodePort"] for p in lb["ports"]}) == 2
    assert all(30000 <= p["nodePort"] <= 32767 for p in lb["ports"])
    ext = svcs["external-db"]["spec"]
    assert not any(k in ext for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"))
    assert svcs["web-headless"]["spec"]["clusterIPs"] == ["None"]
    assert svcs["web-headless"]["spec"]["ports"][0]["targetPort"] == 80
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{port: 80}]
""")
    sticky = json.loads(kubectl("get", "svc", "sticky", "-o", "json"))["spec"]
    assert sticky["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_nodeport_out_of_range_is_rejected_like_seed_002(sim, kubectl):
    proc = apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: web-nodeport}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    nodePort: 8080
""", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        'The Service "web-nodeport" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not '
        "in the valid range. The range of valid ports is 30000-32767")
    assert "web-nodeport" not in kubectl("get", "svc")


def test_allocation_conflicts_and_release(sim, kubectl):
    nodeport = """
apiVersion: v1
kind: Service
metadata: {name: %s}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
"""
    apply(kubectl, nodeport % "first")
    proc = apply(kubectl, nodeport % "second", check=False)
    assert proc.stderr.strip() == ('The Service "second" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                                   "provided port is already allocated")
    proc = kubectl.run("create", "service", "clusterip", "dns-copy", "--tcp=53:53", "--clusterip=10.96.0.10", check=False)
    assert proc.stderr.strip() == ('error: failed to create ClusterIP service: Service "dns-copy" is invalid: spec.clusterIPs: Invalid value: '
                                   '[]string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated')
    proc = kubectl.run("create", "service", "clusterip", "far-away", "--tcp=80:80", "--clusterip=10.0.0.5", check=False)
    assert proc.stderr.strip() == ('error: failed to create ClusterIP service: Service "far-away" is invalid: '
                                   'spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: '
                                   "failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. "
                                   "The range of valid IPs is 10.96.0.0/12")
    # Deleting releases the node port; a failed create held nothing.
    kubectl("delete", "svc", "first")
    apply(kubectl, nodeport % "second")
    kubectl("create", "service", "clusterip", "pinned", "--tcp=80:80", "--clusterip=10.96.200.200")
    kubectl("delete", "svc", "pinned")
    kubectl("create", "service", "clusterip", "pinned-again", "--tcp=80:80", "--clusterip=10.96.200.200")
    # Turning the NodePort Service into a ClusterIP one gives its port back.
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: second}
spec:
  type: ClusterIP
  selector: {app: web}
  ports: [{port: 80}]
""")
    spec = json.loads(kubectl("get", "svc", "second", "-o", "json"))["spec"]
    assert spec["type"] == "ClusterIP" and "nodePort" not in spec["ports"][0] and "externalTrafficPolicy" not in spec
    apply(kubectl, nodeport % "third")


def test_service_validation_messages(sim, kubectl):
    def error(manifest: str) -> str:
        proc = apply(kubectl, manifest, check=False)
        assert proc.returncode != 0
        return proc.stderr.strip()

    assert error("""
apiVersion: v1
kind: Service
metadata: {name: two-ports}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}, {port: 443}]
""") == 'The Service "two-ports" is invalid: spec.ports[1].name: Required value'
    assert error("""
apiVersion: v1
kind: Service
metadata: {name: no-ports}
spec:
  selector: {app: web}
""") == 'The Service "no-ports" is invalid: spec.ports: Required value'
    assert error("""
apiVersion: v1
kind: Service
metadata: {name: 1web}
spec:
  ports: [{port: 80}]
""").startswith('The Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label must consist')
    assert error("""
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
""") == 'The Service "ext" is invalid: spec.externalName: Required value'
    out = error("""
apiVersion: v1
kind: Service
metadata: {name: bad}
spec:
  ports: [{name: a, port: 0, protocol: FOO}, {name: a, port: 80, targetPort: web_port}]
  sessionAffinity: Sometimes
""")
    assert out.startswith('The Service "bad" is invalid: \n* ')
    for part in ('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
                 'spec.ports[0].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"',
                 'spec.ports[1].name: Duplicate value: "a"',
                 'spec.ports[1].targetPort: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
                 'spec.sessionAffinity: Unsupported value: "Sometimes": supported values: "ClientIP", "None"'):
        assert part in out
    kubectl("create", "service", "clusterip", "fixed", "--tcp=80:80")
    proc = kubectl.run("patch", "svc", "fixed", "-p", '{"spec":{"clusterIP":"10.96.5.5"}}', check=False)
    assert proc.stderr.strip() == ('The Service "fixed" is invalid: spec.clusterIPs[0]: Invalid value: '
                                   '[]string{"10.96.5.5"}: may not change once set')


def test_allocators_are_seeded_and_keep_the_low_band():
    a = ServiceAllocators(random.Random(3))
    b = ServiceAllocators(random.Random(3))
    ips = [a.ips.allocate_next() for _ in range(50)]
    assert ips == [b.ips.allocate_next() for _ in range(50)]
    assert not any(ip.startswith("10.96.0.") for ip in ips)
    ports = [a.ports.allocate_next() for _ in range(50)]
    assert len(set(ports)) == 50 and all(30086 <= p <= 32767 for p in ports)


# ---- Endpoints and EndpointSlices ----

def test_endpoints_and_slices_follow_pod_readiness(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: web, labels: {team: blue}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
""")
    port = [{"name": "http", "containerPort": 8080}]
    create_pods(sim, [(make_pod(f"web-{i}", {"app": "web"}, port), f"10.244.9.{i + 2}", True) for i in range(4)]
                + [(make_pod("pending", {"app": "web"}, port), None, False),
                   (make_pod("other", {"app": "other"}, port), "10.244.9.50", True)])
    eventually(lambda: "+ 1 more..." in kubectl("get", "endpoints", "web"))
    table = rows(kubectl("get", "endpoints", "web"))
    assert table[0] == ["NAME", "ENDPOINTS", "AGE"]
    assert table[1][:2] == ["web", "10.244.9.2:8080,10.244.9.3:8080,10.244.9.4:8080 + 1 more..."]
    table = rows(kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web"))
    assert table[0] == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert len(table) == 2 and table[1][0].startswith("web-")
    assert table[1][1:4] == ["IPv4", "8080", "10.244.9.2,10.244.9.3,10.244.9.4 + 1 more..."]

    [eps] = slices_for(sim, "web")
    md = eps["metadata"]
    assert md["generateName"] == "web-"
    assert md["labels"] == {"team": "blue", "kubernetes.io/service-name": "web",
                            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    svc = json.loads(kubectl("get", "svc", "web", "-o", "json"))
    assert md["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web", "uid": svc["metadata"]["uid"],
                                      "controller": True, "blockOwnerDeletion": True}]
    assert "endpoints.kubernetes.io/last-change-trigger-time" in md["annotations"]
    assert eps["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    ep = slice_endpoints(sim, "web")["web-0"]
    pod = json.loads(kubectl("get", "pod", "web-0", "-o", "json"))
    assert ep == {"addresses": ["10.244.9.2"], "conditions": {"ready": True, "serving": True, "terminating": False},
                  "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-0", "uid": pod["metadata"]["uid"]},
                  "nodeName": GHOST_NODE}
    assert set(slice_endpoints(sim, "web")) == {"web-0", "web-1", "web-2", "web-3"}

    set_ready(sim, "web-1", False)
    eventually(lambda: slice_endpoints(sim, "web")["web-1"]["conditions"] == {"ready": False, "serving": False, "terminating": False})
    endpoints = json.loads(kubectl("get", "endpoints", "web", "-o", "json"))
    [subset] = endpoints["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.9.2", "10.244.9.4", "10.244.9.5"]
    assert [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web-1"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert endpoints["metadata"]["labels"] == {"team": "blue"}

    # A pod being deleted stays in the slice, not ready, serving, terminating; Endpoints drop it.
    sim.call(lambda c: c.api.delete(R.PODS, "default", "web-2", DeleteOptions(grace=30)))
    eventually(lambda: slice_endpoints(sim, "web")["web-2"]["conditions"] == {"ready": False, "serving": True, "terminating": True})
    eventually(lambda: "10.244.9.4" not in kubectl("get", "endpoints", "web", "-o", "json"))
    sim.call(lambda c: c.api.delete(R.PODS, "default", "web-2", DeleteOptions(grace=0)))
    eventually(lambda: "web-2" not in slice_endpoints(sim, "web"))
    assert len(slices_for(sim, "web")) == 1


def test_named_target_port_resolved_per_pod(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: metrics, port: 9000, targetPort: 9090}
""")
    create_pods(sim, [
        (make_pod("api-a", {"app": "api"}, [{"name": "web", "containerPort": 8080}]), "10.244.9.2", True),
        (make_pod("api-b", {"app": "api"}, [{"name": "web", "containerPort": 8081}]), "10.244.9.3", True),
        (make_pod("api-c", {"app": "api"}, [{"name": "web", "containerPort": 8080, "protocol": "UDP"}]), "10.244.9.4", True),
    ])
    eventually(lambda: len(slices_for(sim, "api")) == 3 and len(slice_endpoints(sim, "api")) == 3)
    by_pod = {}
    for s in slices_for(sim, "api"):
        for ep in s["endpoints"]:
            by_pod[ep["targetRef"]["name"]] = s["ports"]
    assert by_pod["api-a"] == [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "metrics", "port": 9090, "protocol": "TCP"}]
    assert by_pod["api-b"] == [{"name": "http", "port": 8081, "protocol": "TCP"}, {"name": "metrics", "port": 9090, "protocol": "TCP"}]
    # No TCP port named "web": only the numeric target port remains.
    assert by_pod["api-c"] == [{"name": "metrics", "port": 9090, "protocol": "TCP"}]
    subsets = json.loads(kubectl("get", "endpoints", "api", "-o", "json"))["subsets"]
    offered = sorted((tuple(a["ip"] for a in s["addresses"]), tuple((p["name"], p["port"]) for p in s["ports"])) for s in subsets)
    assert offered == [
        (("10.244.9.2",), (("http", 8080),)),
        (("10.244.9.2", "10.244.9.3", "10.244.9.4"), (("metrics", 9090),)),
        (("10.244.9.3",), (("http", 8081),)),
    ]


def test_more_than_100_endpoints_split_across_slices(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: big}
spec:
  selector: {app: big}
  ports: [{port: 80}]
""")
    create_pods(sim, [(make_pod(f"big-{i:03d}", {"app": "big"}), f"10.244.{9 + i // 250}.{i % 250 + 2}", True) for i in range(230)])
    eventually(lambda: sum(len(s.get("endpoints") or []) for s in slices_for(sim, "big")) == 230)
    slices = slices_for(sim, "big")
    assert sorted(len(s["endpoints"]) for s in slices) == [30, 100, 100]
    names = [ep["targetRef"]["name"] for s in slices for ep in s["endpoints"]]
    assert len(set(names)) == 230
    out = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=big")
    assert sorted(int(m) for m in re.findall(r"\+ (\d+) more", out)) == [27, 97, 97]

    # Ten more fill the partly full slice; no slice is rebalanced or renamed.
    before = {s["metadata"]["name"]: len(s["endpoints"]) for s in slices}
    create_pods(sim, [(make_pod(f"more-{i}", {"app": "big"}), f"10.244.11.{i + 2}", True) for i in range(10)])
    eventually(lambda: sum(len(s.get("endpoints") or []) for s in slices_for(sim, "big")) == 240)
    after = {s["metadata"]["name"]: len(s["endpoints"]) for s in slices_for(sim, "big")}
    assert after.keys() == before.keys()
    assert sorted(after.values()) == [40, 100, 100]
    [(partial, _)] = [(n, c) for n, c in before.items() if c == 30]
    assert after[partial] == 40


def test_no_slice_churn_from_unrelated_pod_updates(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: calm}
spec:
  selector: {app: calm}
  ports: [{port: 80}]
""")
    create_pods(sim, [(make_pod(f"calm-{i}", {"app": "calm", "version": "1"}), f"10.244.9.{i + 2}", True) for i in range(3)])
    eventually(lambda: len(slice_endpoints(sim, "calm")) == 3)
    settle(sim)
    listed = http_json(sim, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices")
    rv = listed["metadata"]["resourceVersion"]

    def noise(c):
        for i in range(3):
            pod = c.store.get(R.PODS, "default", f"calm-{i}")
            c.api.patch(R.PODS, "default", f"calm-{i}", "application/merge-patch+json",
                        b'{"metadata":{"labels":{"version":"2"},"annotations":{"note":"x"}}}')
            pod = c.store.get(R.PODS, "default", f"calm-{i}")
            status = dict(pod["status"], containerStatuses=[{"name": "app", "ready": True, "restartCount": 1,
                                                             "image": "nginx", "imageID": "", "started": True,
                                                             "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}}])
            c.api.write_status(R.PODS, pod, status)
        # A pod the Service does not select comes and goes.
        c.api.create(R.PODS, "default", make_pod("stranger", {"app": "other"}))
        c.api.delete(R.PODS, "default", "stranger", DeleteOptions(grace=0))
    sim.call(noise)
    settle(sim)
    assert watch_events(sim, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", rv) == []
    assert watch_events(sim, "/api/v1/namespaces/default/endpoints", rv) == []

    set_ready(sim, "calm-0", False)
    settle(sim)
    events = watch_events(sim, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", rv)
    assert [e["type"] for e in events] == ["MODIFIED"]
    [ep] = [e for e in events[0]["object"]["endpoints"] if e["targetRef"]["name"] == "calm-0"]
    assert ep["conditions"]["ready"] is False


def test_placeholder_slice_when_nothing_matches(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: lonely}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
""")
    eventually(lambda: slices_for(sim, "lonely"))
    [s] = slices_for(sim, "lonely")
    assert s["endpoints"] is None and s["ports"] is None
    assert rows(kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=lonely"))[1][1:4] == ["IPv4", "<unset>", "<unset>"]
    assert rows(kubectl("get", "endpoints", "lonely"))[1][:2] == ["lonely", "<none>"]
    # The placeholder becomes the real slice once a pod matches, and comes back when it goes.
    create_pods(sim, [(make_pod("found", {"app": "nobody"}), "10.244.9.2", True)])
    eventually(lambda: slice_endpoints(sim, "lonely"))
    [filled] = slices_for(sim, "lonely")
    assert filled["metadata"]["name"] == s["metadata"]["name"]
    assert filled["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    sim.call(lambda c: c.api.delete(R.PODS, "default", "found", DeleteOptions(grace=0)))
    eventually(lambda: not slice_endpoints(sim, "lonely"))
    [empty] = slices_for(sim, "lonely")
    assert empty["metadata"]["name"] == s["metadata"]["name"] and empty["ports"] is None


def test_publish_not_ready_and_headless(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: db}
  ports: [{port: 5432}]
""")
    create_pods(sim, [(make_pod("db-0", {"app": "db"}, hostname="db-0", subdomain="db"), "10.244.9.2", False),
                      (make_pod("db-1", {"app": "db"}, hostname="db-1", subdomain="elsewhere"), "10.244.9.3", True)])
    eventually(lambda: len(slice_endpoints(sim, "db")) == 2)
    eps = slice_endpoints(sim, "db")
    assert eps["db-0"]["conditions"] == {"ready": True, "serving": False, "terminating": False}
    assert eps["db-0"]["hostname"] == "db-0" and "hostname" not in eps["db-1"]
    [s] = slices_for(sim, "db")
    assert s["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    endpoints = json.loads(kubectl("get", "endpoints", "db", "-o", "json"))
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.244.9.2", "10.244.9.3"]
    assert endpoints["subsets"][0]["addresses"][0]["hostname"] == "db-0"
    assert endpoints["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}


def test_losing_the_selector_leaves_slices_and_deleting_the_service_removes_them(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: gone}
spec:
  selector: {app: gone}
  ports: [{port: 80}]
""")
    create_pods(sim, [(make_pod("gone-0", {"app": "gone"}), "10.244.9.2", True)])
    eventually(lambda: slice_endpoints(sim, "gone"))
    [managed] = slices_for(sim, "gone")
    # As in Kubernetes: the controllers stop managing a selectorless Service; what they wrote stays, and
    # the mirroring controller mirrors the Endpoints left behind.
    kubectl("patch", "svc", "gone", "--type=json", "-p", '[{"op":"remove","path":"/spec/selector"}]')
    eventually(lambda: len(slices_for(sim, "gone")) == 2)
    by_manager = {s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]: s for s in slices_for(sim, "gone")}
    assert by_manager["endpointslice-controller.k8s.io"] == managed
    assert by_manager["endpointslicemirroring-controller.k8s.io"]["endpoints"][0]["addresses"] == ["10.244.9.2"]
    kubectl("patch", "svc", "gone", "-p", '{"spec":{"selector":{"app":"gone"}}}')
    eventually(lambda: [s["metadata"]["name"] for s in slices_for(sim, "gone")] == [managed["metadata"]["name"]])
    kubectl("delete", "svc", "gone")
    eventually(lambda: not slices_for(sim, "gone"))
    eventually(lambda: kubectl.run("get", "endpoints", "gone", check=False).returncode == 1)


def test_endpoints_truncated_over_1000(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: huge}
spec:
  selector: {app: huge}
  ports: [{port: 80}]
""")
    create_pods(sim, [(make_pod(f"huge-{i:04d}", {"app": "huge"}), f"10.245.{i // 250}.{i % 250 + 2}", True) for i in range(1005)])
    endpoints = eventually(lambda: (lambda e: e if e.get("subsets") else None)(http_json(sim, "/api/v1/namespaces/default/endpoints/huge")))
    assert sum(len(s["addresses"]) for s in endpoints["subsets"]) == 1000
    assert endpoints["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"
    assert sum(len(s.get("endpoints") or []) for s in slices_for(sim, "huge")) == 1005
    assert "+ 997 more..." in kubectl("get", "endpoints", "huge")


def test_selectorless_service_endpoints_are_mirrored(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: legacy-db}
spec:
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy-db, labels: {owner: dba}}
subsets:
- addresses: [{ip: 192.168.10.5}, {ip: 192.168.10.6}]
  notReadyAddresses: [{ip: 192.168.10.7}]
  ports: [{name: pg, port: 5432}]
""")
    eventually(lambda: slices_for(sim, "legacy-db"))
    [s] = slices_for(sim, "legacy-db")
    assert s["metadata"]["labels"] == {"owner": "dba", "kubernetes.io/service-name": "legacy-db",
                                       "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io"}
    [owner] = s["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Endpoints", "legacy-db", True)
    assert s["ports"] == [{"name": "pg", "port": 5432, "protocol": "TCP"}]
    assert [(e["addresses"], e["conditions"]) for e in s["endpoints"]] == [
        (["192.168.10.5"], {"ready": True}), (["192.168.10.6"], {"ready": True}), (["192.168.10.7"], {"ready": False})]
    # The user's Endpoints are theirs: no controller rewrites them.
    assert rows(kubectl("get", "endpoints", "legacy-db"))[1][1] == "192.168.10.5:5432,192.168.10.6:5432"
    kubectl("patch", "endpoints", "legacy-db", "--type=json", "-p", '[{"op":"remove","path":"/subsets/0/notReadyAddresses"}]')
    eventually(lambda: len(slices_for(sim, "legacy-db")[0]["endpoints"]) == 2)
    kubectl("delete", "endpoints", "legacy-db")
    eventually(lambda: not slices_for(sim, "legacy-db"))
    # The kubernetes Service's Endpoints carry skip-mirror: only the apiserver's own slice exists.
    assert [s["metadata"]["name"] for s in slices_for(sim, "kubernetes")] == ["kubernetes"]


def test_describe_service_shows_endpoints(sim, kubectl):
    apply(kubectl, """
apiVersion: v1
kind: Service
metadata: {name: backend-service}
spec:
  selector: {app: backend}
  ports: [{name: http, protocol: TCP, port: 80, targetPort: 80}]
""")
    create_pods(sim, [(make_pod(f"backend-{i}", {"app": "backend"}), f"10.244.9.{i + 2}", True) for i in range(2)])
    eventually(lambda: len(slice_endpoints(sim, "backend-service")) == 2)
    out = kubectl("describe", "svc", "backend-service")
    fields = dict(re.split(r":\s+", line, maxsplit=1) for line in out.splitlines() if re.match(r"^[A-Z][\w ]+:\s+\S", line))
    assert fields["Name"] == "backend-service" and fields["Selector"] == "app=backend"
    assert fields["Type"] == "ClusterIP" and fields["IP Family Policy"] == "SingleStack" and fields["IP Families"] == "IPv4"
    assert fields["Port"] == "http  80/TCP" and fields["TargetPort"] == "80/TCP"
    assert fields["Endpoints"] == "10.244.9.2:80,10.244.9.3:80"
    assert fields["Session Affinity"] == "None"
    # Placeholder slices (null endpoints and ports) must not break describe either.
    kubectl("create", "service", "clusterip", "empty-svc", "--tcp=80:80")
    eventually(lambda: slices_for(sim, "empty-svc"))
    assert re.search(r"^Endpoints:\s*$", kubectl("describe", "svc", "empty-svc"), re.M)


# ---- end to end, with pods the kubelet runs ----

def test_kubelet_pods_reach_slices_and_leave_on_delete(sim, kubectl):
    kubectl("run", "nginx", "--image=nginx:1.27", "--labels=app=nginx", "--port=80")
    kubectl("expose", "pod", "nginx", "--port=80", "--name=nginx-service")

    def ready_endpoint():
        eps = slice_endpoints(sim, "nginx-service")
        ep = eps.get("nginx")
        return ep if ep and ep["conditions"]["ready"] else None

    ep = eventually(ready_endpoint, timeout=20)
    pod = json.loads(kubectl("get", "pod", "nginx", "-o", "json"))
    assert ep["addresses"] == [pod["status"]["podIP"]] and ep["nodeName"] == pod["spec"]["nodeName"]
    assert rows(kubectl("get", "endpoints", "nginx-service"))[1][1] == f"{pod['status']['podIP']}:80"
    kubectl("delete", "pod", "nginx", "--wait=false")
    eventually(lambda: "nginx" not in slice_endpoints(sim, "nginx-service"), timeout=20)
    assert rows(kubectl("get", "endpoints", "nginx-service"))[1][1] == "<none>"


def test_zone_comes_from_the_node(sim, kubectl):
    kubectl("label", "node", "svctui-worker", "svctui-worker2", "topology.kubernetes.io/zone=zone-a")
    kubectl("run", "zoned", "--image=nginx:1.27", "--labels=app=zoned", "--port=80")
    kubectl("expose", "pod", "zoned", "--port=80")
    ep = eventually(lambda: slice_endpoints(sim, "zoned").get("zoned"), timeout=20)
    assert ep["zone"] == "zone-a"
    kubectl("label", "node", "svctui-worker", "svctui-worker2", "topology.kubernetes.io/zone=zone-b", "--overwrite")
    eventually(lambda: slice_endpoints(sim, "zoned")["zoned"].get("zone") == "zone-b")


def test_prefer_close_hints_each_ready_endpoint_for_its_zone(sim, kubectl):
    """trafficDistribution: PreferClose (trafficdist's preferCloseHeuristic): each ready endpoint with a zone
    gets hints.forZones = its own zone; topology-mode Auto takes the topology cache's path instead, which
    the sim does not model, so it writes none; without either, no hints."""
    kubectl("label", "node", "svctui-worker", "svctui-worker2", "topology.kubernetes.io/zone=zone-a")
    kubectl("run", "near", "--image=nginx:1.27", "--labels=app=near", "--port=80")
    kubectl("expose", "pod", "near", "--port=80")
    eventually(lambda: slice_endpoints(sim, "near").get("near", {}).get("zone") == "zone-a")
    assert "hints" not in slice_endpoints(sim, "near")["near"]
    kubectl("patch", "svc", "near", "-p", json.dumps({"spec": {"trafficDistribution": "PreferClose"}}))
    assert eventually(lambda: slice_endpoints(sim, "near")["near"].get("hints")) == {"forZones": [{"name": "zone-a"}]}
    kubectl("label", "node", "svctui-worker", "svctui-worker2", "topology.kubernetes.io/zone=zone-b", "--overwrite")
    eventually(lambda: slice_endpoints(sim, "near")["near"].get("hints") == {"forZones": [{"name": "zone-b"}]})
    kubectl("annotate", "svc", "near", "service.kubernetes.io/topology-mode=Auto")
    eventually(lambda: "hints" not in slice_endpoints(sim, "near")["near"])
    kubectl("annotate", "svc", "near", "service.kubernetes.io/topology-mode-")
    eventually(lambda: "hints" in slice_endpoints(sim, "near")["near"])
    kubectl("patch", "svc", "near", "--type=json", "-p", '[{"op": "remove", "path": "/spec/trafficDistribution"}]')
    eventually(lambda: "hints" not in slice_endpoints(sim, "near")["near"])
    proc = kubectl.run("patch", "svc", "near", "-p", json.dumps({"spec": {"trafficDistribution": "Sideways"}}),
                       check=False)
    assert proc.returncode == 1
    assert 'spec.trafficDistribution: Unsupported value: "Sideways": supported values: "PreferClose"' in proc.stderr
