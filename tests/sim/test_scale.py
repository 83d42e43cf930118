"""The scale scenario: a generated cluster that loads, lists and paginates like a real big one."""

from __future__ import annotations

import ipaddress
import time
from collections import Counter

import pytest
import requests

from svctui.sim.scenarios import ScenarioError
from svctui.sim.scenarios.scale import ScaleSpec, parse
from tests.conftest import start_sim

SERVICES, PODS = 50, 500


@pytest.fixture(scope="module")
def scale_sim():
    s = start_sim([f"scale:services={SERVICES},pods={PODS},namespaces=3,pods_per_node=40"])
    yield s
    s.stop()


def get(sim, path: str, **params) -> dict:
    r = requests.get(sim.url + path, params=params, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def generated(items: list[dict]) -> list[dict]:
    return [o for o in items if o["metadata"].get("namespace", "").startswith("scale-")]


def test_parse():
    assert parse("scale") == ScaleSpec()
    spec = parse("scale:services=10000,pods=100000")
    assert (spec.services, spec.pods, spec.namespace_count, spec.node_count) == (10000, 100000, 20, 1000)
    assert parse("scale:services=3, pods=1_000, namespaces=2, pods-per-node=110").pods_per_node == 110
    for bad, words in [("scale:services=x", "whole number"), ("scale:nodes=3", "key one of"),
                       ("scale:pods=5,services=0", "at least one Service"), ("scale:pods_per_node=111", "between 1 and 110"),
                       ("scale:services", "key=value"), ("scales:pods=1", "unknown scenario")]:
        with pytest.raises(ScenarioError, match=words):
            parse(bad)


def test_scenario_errors_stop_the_sim_from_starting():
    with pytest.raises(ScenarioError):
        start_sim(["scale:pods=-1"])


def test_nodes_hold_the_pods(scale_sim):
    nodes = {n["metadata"]["name"]: n for n in get(scale_sim, "/api/v1/nodes")["items"]}
    workers = [n for n in nodes if n.startswith("svctui-worker") and n not in ("svctui-worker", "svctui-worker2")]
    assert len(workers) == PODS // 40 + 1
    cidrs = [nodes[n]["spec"]["podCIDR"] for n in workers]
    assert len(set(cidrs)) == len(cidrs)
    assert all(ipaddress.ip_network(c).subnet_of(ipaddress.ip_network("10.128.0.0/9")) for c in cidrs)
    assert all(nodes[n]["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in workers)

    pods = generated(get(scale_sim, "/api/v1/pods")["items"])
    assert len(pods) == PODS
    per_node = Counter(p["spec"]["nodeName"] for p in pods)
    assert max(per_node.values()) <= 40 and set(per_node) <= set(workers)
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == PODS
    for p in pods[:50]:
        node = nodes[p["spec"]["nodeName"]]
        assert ipaddress.ip_address(p["status"]["podIP"]) in ipaddress.ip_network(node["spec"]["podCIDR"])
        assert p["status"]["hostIP"] == node["status"]["addresses"][0]["address"]


def test_pods_are_running_and_ready(scale_sim):
    pods = generated(get(scale_sim, "/api/v1/pods", fieldSelector="status.phase=Running")["items"])
    assert len(pods) == PODS
    p = pods[0]
    conds = {c["type"]: c["status"] for c in p["status"]["conditions"]}
    assert conds == {"PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True",
                     "ContainersReady": "True", "PodScheduled": "True"}
    cs = p["status"]["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and "running" in cs["state"] and cs["containerID"].startswith("containerd://")
    assert p["metadata"]["name"].startswith(p["metadata"]["labels"]["app"] + "-")


def test_services_select_their_pods(scale_sim):
    svcs = generated(get(scale_sim, "/api/v1/services")["items"])
    assert len(svcs) == SERVICES
    assert len({s["metadata"]["namespace"] for s in svcs}) == 3
    ips = [s["spec"]["clusterIP"] for s in svcs]
    assert len(set(ips)) == SERVICES
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12") for ip in ips)
    s = svcs[0]
    pods = get(scale_sim, f"/api/v1/namespaces/{s['metadata']['namespace']}/pods",
               labelSelector=f"app={s['metadata']['name']}")["items"]
    assert len(pods) == PODS // SERVICES


def test_endpointslices_cover_the_pods(scale_sim):
    ns, name = "scale-0", "svc-00"
    slices = get(scale_sim, f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices",
                 labelSelector=f"kubernetes.io/service-name={name}")["items"]
    assert slices, "no EndpointSlice for a generated Service"
    addrs = {a for sl in slices for ep in sl.get("endpoints") or [] for a in ep["addresses"]}
    pods = get(scale_sim, f"/api/v1/namespaces/{ns}/pods", labelSelector=f"app={name}")["items"]
    assert addrs == {p["status"]["podIP"] for p in pods}


def test_pagination_over_generated_pods(scale_sim):
    first = get(scale_sim, "/api/v1/pods", limit=100)
    rv = first["metadata"]["resourceVersion"]
    total = len(first["items"]) + first["metadata"]["remainingItemCount"]
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in first["items"]]
    token = first["metadata"]["continue"]
    pages = 1
    while token:
        page = get(scale_sim, "/api/v1/pods", limit=100, **{"continue": token})
        assert page["metadata"]["resourceVersion"] == rv
        names += [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in page["items"]]
        token = page["metadata"].get("continue")
        pages += 1
    assert len(names) == total == len(set(names)) and total >= PODS
    assert pages == -(-total // 100)
    assert names == sorted(names)


def test_generated_pods_live_like_others(scale_sim):
    """The kubelet takes over a generated pod when it is touched: its logs are readable, deletion works."""
    ns = "scale-1"
    pods = get(scale_sim, f"/api/v1/namespaces/{ns}/pods")["items"]
    victim = pods[0]
    name, ip = victim["metadata"]["name"], victim["status"]["podIP"]
    r = requests.get(f"{scale_sim.url}/api/v1/namespaces/{ns}/pods/{name}/log", timeout=30)
    assert r.status_code == 200, r.text
    r = requests.delete(f"{scale_sim.url}/api/v1/namespaces/{ns}/pods/{name}", timeout=30)
    assert r.status_code == 200 and r.json()["metadata"]["deletionTimestamp"]
    deadline = time.monotonic() + 20
    while requests.get(f"{scale_sim.url}/api/v1/namespaces/{ns}/pods/{name}", timeout=30).status_code != 404:
        assert time.monotonic() < deadline, "deleted pod never went away"
        time.sleep(0.1)
    app = victim["metadata"]["labels"]["app"]
    while True:
        slices = get(scale_sim, f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices",
                     labelSelector=f"kubernetes.io/service-name={app}")["items"]
        if ip not in {a for sl in slices for ep in sl.get("endpoints") or [] for a in ep["addresses"]}:
            break
        assert time.monotonic() < deadline, "deleted pod stayed in its EndpointSlice"
        time.sleep(0.1)
