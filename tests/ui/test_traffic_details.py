"""Seed 003's traffic fields through the real path (kubectl apply → sim → watch → model → screen): session
affinity with its timeout, the traffic policies, the IP families, the topology mode, and the zone hints a
hand-made EndpointSlice carries, in the details pane and (when not default) on the Service row."""

from __future__ import annotations

import json

from tests.conftest import Kubectl

from .conftest import labels, make_app, wait_for

# Seed 003's sticky-service, as the seed writes it (its pods are the demo's default/web). The demo has it
# too; applied again here so the test does not lean on the scenario.
STICKY = """
apiVersion: v1
kind: Service
metadata:
  name: sticky-service
  namespace: default
spec:
  selector:
    app: web
  ports:
    - port: 80
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP:
      timeoutSeconds: 10800
"""

# Seed 003's local-service: externalTrafficPolicy needs an external type, so NodePort here (a ClusterIP
# with it is refused by the apiserver, and by the sim).
LOCAL = """
apiVersion: v1
kind: Service
metadata:
  name: local-service
  namespace: default
  annotations:
    service.kubernetes.io/topology-mode: Auto
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
  internalTrafficPolicy: Local
  externalTrafficPolicy: Local
  ipFamilyPolicy: PreferDualStack
"""


def _line_of(app, needle: str) -> int:
    return next(n for n in range(app.main.tree.last_line + 1) if needle in app.main.tree.get_node_at_line(n).label.plain)


async def _details_of(app, pilot, needle: str) -> str:
    app.main.tree.cursor_line = _line_of(app, needle)
    app.main.bottom.show("details")
    await pilot.pause(0.2)
    return app.query_one("#details").render().plain


async def test_affinity_and_traffic_policies_in_the_details_and_on_the_row(demo, tmp_path):
    sim, cfg = demo
    kubectl = Kubectl(cfg, tmp_path / "cache")
    kubectl("apply", "-f", "-", input=STICKY)
    kubectl("apply", "-f", "-", input=LOCAL)
    app = make_app(cfg, namespace="default", all_namespaces=False)
    async with app.run_test(size=(240, 60)) as pilot:
        for name in ("sticky-service", "local-service", "nginx-service"):
            await wait_for(pilot, lambda n=name: app.main.synced and app.main.tree.service_node(("default", n)), what=name)
        rows = {name: next(line for line in labels(app) if line.startswith(name + " "))
                for name in ("sticky-service", "local-service", "nginx-service", "nginx-nodeport")}
        assert "affinity=ClientIP" in rows["sticky-service"] and "ext=" not in rows["sticky-service"]
        assert "ext=Local int=Local topology=Auto" in rows["local-service"], rows["local-service"]
        # The apiserver's defaults (None, Cluster, SingleStack) are not worth a tag.
        for plain in ("nginx-service", "nginx-nodeport"):
            assert not any(tag in rows[plain] for tag in ("affinity=", "ext=", "int=", "topology=")), rows[plain]

        sticky = await _details_of(app, pilot, "sticky-service ")
        assert "session affinity  ClientIP (3 h timeout) — the same client keeps reaching the same pod" in sticky
        assert "internal traffic  Cluster — pods reach any ready endpoint" in sticky
        assert "IP families  IPv4 (SingleStack)" in sticky
        assert "external traffic" not in sticky  # a ClusterIP has none

        local = await _details_of(app, pilot, "local-service ")
        assert "session affinity  None — each connection may reach any ready pod" in local
        assert "external traffic  Local — only nodes with a ready endpoint answer, the client IP is kept" in local
        assert "internal traffic  Local — pods reach only endpoints on their own node" in local
        # A single-stack cluster gives a PreferDualStack Service its one family.
        assert "IP families  IPv4 (PreferDualStack)" in local
        assert "topology mode  Auto — " in local

        nodeport = await _details_of(app, pilot, "nginx-nodeport ")
        assert "external traffic  Cluster — every node answers" in nodeport
        assert app.is_running and app.return_code is None


async def test_zone_hints_on_a_hand_made_slice_show_per_endpoint(demo, tmp_path):
    """The sim's EndpointSlice controller writes no hints (see the report): a selector-less Service's
    slice is written by hand, and the hints come through as written."""
    sim, cfg = demo
    kubectl = Kubectl(cfg, tmp_path / "cache")
    kubectl("create", "service", "clusterip", "zoned", "--tcp=80", "-n", "default")
    kubectl("patch", "service", "zoned", "-n", "default", "--type=json",
            "-p", '[{"op": "remove", "path": "/spec/selector"}]')
    slice_ = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": {"name": "zoned-1", "namespace": "default",
                           "labels": {"kubernetes.io/service-name": "zoned"}},
              "addressType": "IPv4", "ports": [{"name": "80", "port": 80, "protocol": "TCP"}],
              "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {"ready": True}, "zone": "zone-a",
                             "hints": {"forZones": [{"name": "zone-a"}]}},
                            {"addresses": ["10.1.2.4"], "conditions": {"ready": True}, "zone": "zone-b"}]}
    kubectl("apply", "-f", "-", input=json.dumps(slice_))
    app = make_app(cfg, service="zoned", namespace="default", all_namespaces=False)
    async with app.run_test(size=(200, 50)) as pilot:
        key = ("default", "zoned")
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(key), what="row")
        app.main.tree.reveal(key)
        app.main.tree.service_node(key).expand_all()
        await wait_for(pilot, lambda: any("10.1.2.4" in line for line in labels(app)), what="endpoint rows")
        hinted = await _details_of(app, pilot, "10.1.2.3")
        assert "zone  zone-a" in hinted and "hint  zone-a" in hinted, hinted
        unhinted = await _details_of(app, pilot, "10.1.2.4")
        assert "zone  zone-b" in unhinted and "hint  " not in unhinted, unhinted
        sliced = await _details_of(app, pilot, "zoned-1")
        assert "10.1.2.3" in sliced and "hint: zone-a" in sliced, sliced
        assert sliced.count("hint: ") == 1
        # A watch event (convert.py, not the list page decoder) brings a hint for the other endpoint.
        slice_["endpoints"][1]["hints"] = {"forZones": [{"name": "zone-b"}, {"name": "zone-c"}]}
        kubectl("apply", "-f", "-", input=json.dumps(slice_))
        await wait_for(pilot, lambda: any(e.hint_zones == ("zone-b", "zone-c") for s in app.main.model.topology.slices(key)
                                          for e in s.endpoints), what="the watched hint")
        rehinted = await _details_of(app, pilot, "10.1.2.4")
        assert "hint  zone-b, zone-c" in rehinted, rehinted
        assert app.is_running and app.return_code is None


async def test_hints_the_sims_controller_writes_for_prefer_close_reach_the_endpoint_details(demo, tmp_path):
    sim, cfg = demo
    kubectl = Kubectl(cfg, tmp_path / "cache")
    kubectl("label", "node", "svctui-worker", "svctui-worker2", "topology.kubernetes.io/zone=zone-a")
    app = make_app(cfg, service="nginx-service", namespace="default", all_namespaces=False)
    async with app.run_test(size=(200, 50)) as pilot:
        key = ("default", "nginx-service")
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(key), what="row")
        kubectl("patch", "svc", "nginx-service", "-n", "default", "-p", '{"spec": {"trafficDistribution": "PreferClose"}}')
        await wait_for(pilot, lambda: any(e.hint_zones == ("zone-a",) for s in app.main.model.topology.slices(key)
                                          for e in s.endpoints), what="hints from the controller")
        await wait_for(pilot, lambda: any(line.startswith("nginx-service ") and "dist=PreferClose" in line
                                          for line in labels(app)), what="row tag")
        app.main.tree.reveal(key)
        app.main.tree.service_node(key).expand_all()
        await wait_for(pilot, lambda: any(line.strip().startswith("10.244.") for line in labels(app)), what="endpoints")
        first_ip = next(line.split()[0] for line in labels(app) if line.strip().startswith("10.244."))
        details = await _details_of(app, pilot, first_ip)
        assert "zone  zone-a" in details and "hint  zone-a" in details, details
        svc_details = await _details_of(app, pilot, "nginx-service ")
        assert "traffic distribution  PreferClose — prefer endpoints in the client's zone" in svc_details
        assert app.is_running and app.return_code is None
