"""Every object the sim serves has the shape of the real API: the official JSON schemas (strict) accept it
and the official client models deserialize it. Checked over a settled demo cluster, for every kind served.
"""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import kubernetes
import kubernetes_asyncio
import kubernetes_validate
import pytest
import requests

from svctui.sim import resources as R
from svctui.sim.scenarios import HERE as SCENARIOS
from tests.conftest import start_sim

K8S_VERSION = "1.32"

# Client model names that do not follow V1<Kind>.
MODEL_NAMES = {"Event": "CoreV1Event"}

# Objects of our own, so every kind has instances even before the demo scenario exists.
EXTRA = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fidelity"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "fidelity", "labels": {"app": "web"}},
     "data": {"mode": "fast"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "fidelity", "labels": {"app": "web"}},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}},
                           "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27-alpine",
                                                    "ports": [{"containerPort": 80, "name": "http"}],
                                                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                                                  "limits": {"memory": "128Mi"}},
                                                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "fidelity"},
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http", "name": "http"}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np", "namespace": "fidelity"},
     "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "fidelity"},
     "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432, "name": "pg"}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "external", "namespace": "fidelity"},
     "spec": {"type": "ExternalName", "externalName": "example.com"}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "fidelity"},
     "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
              "template": {"metadata": {"labels": {"app": "db"}},
                           "spec": {"containers": [{"name": "pg", "image": "postgres:16", "ports": [{"containerPort": 5432}],
                                                    "env": [{"name": "POSTGRES_PASSWORD", "value": "demo"}]}]}}}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "once", "namespace": "fidelity"},
     "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["true"]}]}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "fidelity"},
     "stringData": {"password": "demo"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "fidelity"},
     "type": "kubernetes.io/tls", "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": "fidelity"}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "fidelity"},
     "spec": {"template": {"spec": {"restartPolicy": "Never",
                                    "containers": [{"name": "c", "image": "busybox:1.36", "command": ["echo", "done"]}]}}}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
     "spec": {"controller": "k8s.io/ingress-nginx"}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": "fidelity"},
     "spec": {"ingressClassName": "nginx", "rules": [{"host": "web.example.com", "http": {"paths": [
         {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
]


def served_types(url: str) -> list[tuple[str, str, str]]:
    """(group/version path, plural, kind) for every listable resource discovery announces."""
    out = []
    paths = ["/api/v1"] + [f"/apis/{v['groupVersion']}" for g in requests.get(url + "/apis").json()["groups"]
                           for v in g["versions"]]
    for path in paths:
        for r in requests.get(url + path).json()["resources"]:
            if "/" not in r["name"] and "list" in r["verbs"]:
                out.append((path, r["name"], r["kind"]))
    return out


def wait_settled(sim, url: str, timeout: float = 30) -> None:
    """Until our pods are either Running and Ready or finished (the demo's may crash on purpose), then until
    the controllers are idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = requests.get(url + "/api/v1/namespaces/fidelity/pods").json()["items"]
        if pods and all(_pod_done(p) for p in pods):
            break
        time.sleep(0.2)
    sim.call(lambda c: c.settle(timeout=10))


def _pod_done(p: dict) -> bool:
    st = p.get("status") or {}
    if st.get("phase") in ("Succeeded", "Failed"):
        return True
    return st.get("phase") == "Running" and any(c["type"] == "Ready" and c["status"] == "True"
                                                 for c in st.get("conditions") or [])


@pytest.fixture(scope="module")
def cluster():
    demo = (SCENARIOS / "demo.yaml").exists()
    sim = start_sim(["demo"] if demo else ["empty"], speed=0.05)
    try:
        for obj in EXTRA:
            md = obj["metadata"]
            rt = R.for_kind(obj["apiVersion"], obj["kind"])
            r = requests.post(sim.url + rt.base_path(md.get("namespace")), json=obj)
            assert r.status_code in (201, 409), r.text
        wait_settled(sim, sim.url)
        # A deleted pod leaves a trail of events and a replacement behind.
        pods = requests.get(sim.url + "/api/v1/namespaces/fidelity/pods", params={"labelSelector": "app=web"}).json()["items"]
        if pods:
            requests.delete(sim.url + f"/api/v1/namespaces/fidelity/pods/{pods[0]['metadata']['name']}")
            time.sleep(0.5)
            wait_settled(sim, sim.url)
        yield sim
    finally:
        sim.stop()


def listing(url: str, path: str, plural: str) -> dict:
    r = requests.get(f"{url}{path}/{plural}")
    assert r.status_code == 200, r.text
    return r.json()


def _as_real_1_32(obj: dict) -> dict:
    """Where Kubernetes 1.32 itself serves what its schemas refuse, accept that (and only that)."""
    if obj["kind"] == "EndpointSlice" and obj.get("endpoints", []) is None:
        # A Service without endpoints gets a slice with `endpoints: null` (kubernetes/kubernetes#135968).
        return dict(obj, endpoints=[])
    return obj


def _with_type(obj: dict, api_version: str, kind: str) -> dict:
    # Items in a list may leave out their apiVersion and kind (the real apiserver does); a standalone
    # object needs them.
    return {"apiVersion": api_version, "kind": kind, **obj}


KINDS_EXPECTED = {"Namespace", "Node", "Pod", "Service", "Endpoints", "ConfigMap", "Event", "EndpointSlice",
                  "Deployment", "ReplicaSet", "StatefulSet", "Secret", "ServiceAccount", "Job", "Lease", "Ingress",
                  "IngressClass"}


def test_every_expected_kind_is_served_and_populated(cluster):
    served = {kind: (path, plural) for path, plural, kind in served_types(cluster.url)}
    assert KINDS_EXPECTED <= set(served)
    empty = sorted(k for k in KINDS_EXPECTED if not listing(cluster.url, *served[k])["items"])
    assert not empty, f"no objects of {empty} after settling"


@pytest.mark.parametrize("kind", sorted(KINDS_EXPECTED))
def test_objects_match_official_schemas(cluster, kind):
    served = {k: (path, plural) for path, plural, k in served_types(cluster.url)}
    path, plural = served[kind]
    body = listing(cluster.url, path, plural)
    api_version = path.split("/", 2)[2] if path.startswith("/apis/") else "v1"
    assert body["kind"] == f"{kind}List" and body["apiVersion"] == api_version
    problems = []
    items = [_as_real_1_32(_with_type(item, api_version, kind)) for item in body["items"]]
    for obj in items:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            problems.append(f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}: {where}: {exc.message}")
    # The list itself is a valid <Kind>List.
    try:
        kubernetes_validate.validate(dict(body, items=items), K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        problems.append(f"{kind}List: {exc.message}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("kind", sorted(KINDS_EXPECTED))
def test_objects_deserialize_into_client_models(cluster, kind):
    served = {k: (path, plural) for path, plural, k in served_types(cluster.url)}
    path, plural = served[kind]
    body = listing(cluster.url, path, plural)
    model = MODEL_NAMES.get(kind, f"V1{kind}") + "List"
    text = json.dumps(body)
    sync_list = kubernetes.client.ApiClient().deserialize(text, model, "application/json")
    assert len(sync_list.items) == len(body["items"])

    async def async_models():
        async with kubernetes_asyncio.client.ApiClient() as api:
            return api.deserialize(SimpleNamespace(data=text), model)

    assert len(asyncio.run(async_models()).items) == len(body["items"])
    for item, parsed in zip(body["items"], sync_list.items, strict=True):
        assert parsed.metadata.name == item["metadata"]["name"]
        assert parsed.metadata.resource_version == item["metadata"]["resourceVersion"]


def test_single_objects_match_their_list_items(cluster):
    """GET of one object returns the same thing the list had, with apiVersion and kind."""
    for path, plural, kind in served_types(cluster.url):
        items = listing(cluster.url, path, plural)["items"][:3]
        for item in items:
            md = item["metadata"]
            ns = f"/namespaces/{md['namespace']}" if md.get("namespace") else ""
            one = requests.get(f"{cluster.url}{path}{ns}/{plural}/{md['name']}").json()
            assert one["kind"] == kind
            if one["metadata"]["resourceVersion"] == md["resourceVersion"]:
                assert {k: v for k, v in one.items() if k not in ("apiVersion", "kind")} == \
                       {k: v for k, v in item.items() if k not in ("apiVersion", "kind")}
