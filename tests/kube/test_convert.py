"""Raw JSON → model objects: what the sim serves for the demo, and objects with holes in them."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from svctui.kube import convert
from svctui.kube.convert import ConvertError
from svctui.model.objects import ContainerPort, Endpoint, EndpointPort, ServicePort


async def _items(url: str, path: str) -> list[dict]:
    async with aiohttp.ClientSession() as s, s.get(url + path) as r:
        return orjson.loads(await r.read())["items"]


async def test_everything_the_demo_serves_converts(demo_sim):
    # The sim settles its controllers before the fixture returns, but pods may still be starting.
    for _ in range(200):
        slices = [convert.endpoint_slice(o) for o in await _items(demo_sim.url, "/apis/discovery.k8s.io/v1/endpointslices")]
        if sum(e.is_ready for s in slices if s.service_name == "nginx-service" for e in s.endpoints) == 3:
            break
        await asyncio.sleep(0.05)
    services = [convert.service(o) for o in await _items(demo_sim.url, "/api/v1/services")]
    pods = [convert.pod(o) for o in await _items(demo_sim.url, "/api/v1/pods")]
    by = {s.key: s for s in services}
    nginx = by[("default", "nginx-service")]
    assert nginx.selector == (("app", "nginx"),) and nginx.ports == (ServicePort("", 80, 80, "TCP"),)
    assert nginx.cluster_ip and nginx.cluster_ip == nginx.cluster_ips[0] and nginx.created
    assert by[("default", "external-db")].type == "ExternalName" and by[("default", "external-db")].external_name
    assert by[("default", "database-headless")].headless
    assert by[("default", "nginx-nodeport")].ports[0].node_port == 30080
    nginx_slices = [s for s in slices if s.service_name == "nginx-service"]
    assert sum(len(s.endpoints) for s in nginx_slices) == 3
    ep = nginx_slices[0].endpoints[0]
    assert ep.target_kind == "Pod" and ep.target_uid and ep.node_name and ep.is_ready
    assert nginx_slices[0].managed_by == "endpointslice-controller.k8s.io"
    nginx_pods = [p for p in pods if dict(p.labels).get("app") == "nginx"]
    assert len(nginx_pods) == 3
    p = nginx_pods[0]
    assert p.phase == "Running" and p.ready and p.pod_ip and p.ips == (p.pod_ip,)
    assert p.owner_kind == "ReplicaSet" and p.container_ports == (ContainerPort(None, 80, "TCP"),)
    assert p.start_time and p.created and not p.deleting


def test_missing_and_null_fields_take_defaults():
    s = convert.service({"metadata": {"name": "a", "namespace": "n"}, "spec": None, "status": None})
    assert (s.type, s.selector, s.ports, s.headless, s.cluster_ip) == ("ClusterIP", None, (), False, None)
    assert convert.service({"metadata": {"name": "a", "namespace": "n"}, "spec": {"selector": {}}}).selector == ()
    sl = convert.endpoint_slice({"metadata": {"name": "s", "namespace": "n"}, "addressType": "IPv6",
                                 "endpoints": None, "ports": [{"port": 53}]})
    assert sl.endpoints == () and sl.ports == (EndpointPort("", 53, "TCP"),) and sl.service_name is None
    sl = convert.endpoint_slice({"metadata": {"name": "s", "namespace": "n"},
                                 "endpoints": [{"addresses": ["10.0.0.1"]}]})
    assert sl.endpoints == (Endpoint(("10.0.0.1",)),) and sl.endpoints[0].is_ready
    p = convert.pod({"metadata": {"name": "p", "namespace": "n", "deletionTimestamp": "2024-01-01T00:00:00Z",
                                  "creationTimestamp": "garbage"}})
    assert (p.phase, p.ready, p.deleting, p.created, p.pod_ip) == ("Pending", False, True, None, None)


def test_timestamps_are_epoch_seconds():
    p = convert.pod({"metadata": {"name": "p", "namespace": "n", "creationTimestamp": "2024-05-01T12:00:00Z"},
                     "status": {"startTime": "2024-05-01T12:00:03Z"}})
    assert p.created == 1714564800.0 and p.start_time == 1714564803.0


@pytest.mark.parametrize("fn, raw, reason", [
    (convert.service, "oops", "not an object"),
    (convert.service, {"metadata": {"namespace": "n"}}, "no metadata.name"),
    (convert.service, {"metadata": {"name": "a"}}, "no metadata.namespace"),
    (convert.service, {"metadata": {"name": "a", "namespace": "n"}, "spec": {"ports": [{"targetPort": [1]}]}}, "targetPort"),
    (convert.service, {"metadata": {"name": "a", "namespace": "n", "labels": {"x": 1}}}, "label 'x'"),
    (convert.endpoint_slice, {"metadata": {"name": "s", "namespace": "n"}, "endpoints": [{"addresses": "1.2.3.4"}]}, "expected a list"),
    (convert.endpoint_slice, {"metadata": {"name": "s", "namespace": "n"}, "ports": [{"port": True}]}, "expected an integer"),
    (convert.endpoint_slice, {"metadata": {"name": "s", "namespace": "n"},
                              "endpoints": [{"addresses": ["1.2.3.4"], "conditions": {"ready": "yes"}}]}, "expected a boolean"),
    (convert.pod, {"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"ports": [5]}]}}, "expected an object"),
])
def test_malformed_objects_raise_convert_error(fn, raw, reason):
    with pytest.raises(ConvertError) as ei:
        fn(raw)
    assert reason in str(ei.value)


def test_resource_version_is_read_from_broken_objects():
    assert convert.resource_version({"metadata": {"resourceVersion": "7"}, "spec": "junk"}) == "7"
    assert convert.resource_version("junk") is None


def test_workloads_keep_replicas_and_the_controller_owner():
    from svctui.kube.convert import CONVERTERS, ConvertError, tombstone
    rs = CONVERTERS["ReplicaSet"]({"metadata": {"name": "web-abc", "namespace": "default", "uid": "u1",
                                                "resourceVersion": "7",
                                                "ownerReferences": [{"kind": "Other", "name": "x"},
                                                                    {"kind": "Deployment", "name": "web",
                                                                     "controller": True}]},
                                   "spec": {"replicas": 0}, "status": {"readyReplicas": 0}})
    assert (rs.kind, rs.replicas, rs.owner_kind, rs.owner_name, rs.resource_version) == \
        ("ReplicaSet", 0, "Deployment", "web", "7")
    d = CONVERTERS["Deployment"]({"metadata": {"name": "web", "namespace": "default"}, "spec": {}})
    assert d.replicas == 1, "the API defaults an omitted spec.replicas to 1"
    with pytest.raises(ConvertError):
        CONVERTERS["StatefulSet"]({"metadata": {"name": "db", "namespace": "default"}, "spec": {"replicas": "3"}})
    gone = tombstone("StatefulSet", {"metadata": {"name": "db", "namespace": "default", "uid": "u2"}, "spec": 5})
    assert (gone.kind, gone.key, gone.uid) == ("StatefulSet", ("default", "db"), "u2")
