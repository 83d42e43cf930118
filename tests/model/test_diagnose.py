"""Findings on plain data: each code fires on its failure and nothing fires on healthy Services."""

import json

import pytest

from svctui.model import diagnose as D
from svctui.model.cluster import ClusterModel
from svctui.model.objects import ContainerPort, EndpointPort, ServicePort
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

from .build import ep, pod, slice_, svc, terminating

WEB = ("default", "web")
HTTP = (ContainerPort("http", 8080, "TCP"),)


def model_with(services=(), slices=(), pods=()):
    m = ClusterModel()
    m.replace_all(SERVICE, services, 0.0)
    m.replace_all(POD, pods, 0.0)
    m.replace_all(ENDPOINTSLICE, slices, 0.0)
    return m


def codes(findings):
    return [f.code for f in findings]


def healthy_web(n=2, **svc_kw):
    pods = [pod(f"web-{i}", f"10.0.0.{i}") for i in range(n)]
    eps = [ep(f"10.0.0.{i}", f"web-{i}") for i in range(n)]
    return [svc(**svc_kw)], [slice_("web-a", eps=eps)], pods


# ---- healthy: no findings ------------------------------------------------------------------------

def test_healthy_service_has_no_findings():
    m = model_with(*healthy_web())
    assert D.diagnose_service(m, WEB) == []
    assert D.diagnose(m) == []


def test_external_name_has_no_findings():
    m = model_with([svc("ext", no_selector=True, type="ExternalName", external_name="db.example.com", ip=None,
                        ports=())])
    assert D.diagnose(m) == []


def test_kubernetes_service_has_no_findings():
    k = svc("kubernetes", no_selector=True, ports=(ServicePort("https", 443, 6443),), ip="10.96.0.1")
    sl = slice_("kubernetes", "kubernetes", [ep("172.18.0.2")], ports=(EndpointPort("https", 6443),))
    assert D.diagnose(model_with([k], [sl])) == []


def test_headless_with_ready_pods_has_no_findings():
    s = svc("database-headless", selector={"app": "database"}, ip="None", headless=True,
            ports=(ServicePort("postgres", 5432, None),))
    pods = [pod(f"database-{i}", f"10.0.0.{i}", labels={"app": "database"},
                ports=(ContainerPort("postgres", 5432),), owner_kind="StatefulSet", owner_name="database")
            for i in range(3)]
    eps = [ep(f"10.0.0.{i}", f"database-{i}", hostname=f"database-{i}") for i in range(3)]
    m = model_with([s], [slice_("dh", "database-headless", eps)], pods)
    assert D.diagnose(m) == []


def test_multi_port_named_ports_healthy():
    ports = (ContainerPort("http", 8080), ContainerPort("https", 8443), ContainerPort("metrics", 9090))
    s = svc("multi", selector={"app": "my-app"}, ports=(ServicePort("http", 80, "http"), ServicePort("https", 443, "https"),
                                               ServicePort("metrics", 9090, 9090)))
    pods = [pod(f"my-app-{i}", f"10.0.0.{i}", labels={"app": "my-app", "pod-template-hash": "abc"}, ports=ports,
                owner_kind="ReplicaSet", owner_name="my-app-abc") for i in range(2)]
    m = model_with([s], [slice_("multi-a", "multi", [ep(f"10.0.0.{i}", f"my-app-{i}") for i in range(2)])], pods)
    assert D.diagnose(m) == []


def test_load_balancer_with_address_has_no_findings():
    services, slices, pods = healthy_web(type="LoadBalancer", lb_ingress=("203.0.113.7",))
    assert D.diagnose(model_with(services, slices, pods)) == []


def test_rollout_of_one_deployment_is_one_workload():
    pods = [pod("web-old", "10.0.0.1", labels={"app": "web", "pod-template-hash": "aaa"}, ports=HTTP,
                owner_kind="ReplicaSet", owner_name="web-aaa"),
            pod("web-new", "10.0.0.2", labels={"app": "web", "pod-template-hash": "bbb"}, ports=HTTP,
                owner_kind="ReplicaSet", owner_name="web-bbb")]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-old"), ep("10.0.0.2", "web-new")])], pods)
    assert D.diagnose(m) == []


def test_terminating_backend_during_rollout_is_not_a_warning():
    pods = [pod("web-0", "10.0.0.1"), pod("web-1", "10.0.0.2", ready=False, deleting=True)]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), terminating("10.0.0.2", "web-1")])], pods)
    assert D.diagnose(m) == []


def test_no_declared_ports_means_nothing_to_compare():
    services, slices, _ = healthy_web(1)
    m = model_with(services, slices, [pod("web-0", "10.0.0.0", ports=())])
    assert D.diagnose(m) == []


def test_pods_unknown_means_no_pod_based_findings():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[])], 0.0)
    assert D.diagnose_service(m, WEB) == []


def test_gone_service_has_no_findings():
    assert D.diagnose_service(ClusterModel(), WEB) == []


# ---- selector-matches-no-pods --------------------------------------------------------------------

def test_selector_typo_points_at_nearest_candidates():
    s = svc("db-typo", selector={"app": "dbx"}, ns="demo", ports=(ServicePort("postgres", 5432, 5432),))
    pods = [pod("db-1", "10.0.0.1", ns="demo", labels={"app": "db"}),
            pod("api-1", "10.0.0.2", ns="demo", labels={"app": "api"}),
            pod("other", "10.0.0.3", ns="other", labels={"app": "db"})]
    m = model_with([s], [slice_("db-typo-x", "db-typo", [], ns="demo")], pods)
    [f] = D.diagnose_service(m, ("demo", "db-typo"))
    assert (f.code, f.severity, f.service) == (D.SELECTOR_MATCHES_NO_PODS, D.ERROR, "demo/db-typo")
    assert "app=dbx" in f.message and "nearest: app=db (1 pod)" in f.message
    ev = f.to_dict()["evidence"]
    assert ev["selector"] == "app=dbx"
    assert len(ev["nearest_candidates"]) == 1 and ev["nearest_candidates"][0].startswith("app=db on 1 pod (db-1)")
    assert any("get pods --show-labels" in c for c in f.kubectl)
    assert any("jsonpath={.spec.selector}" in c for c in f.kubectl)


def test_selector_stricter_than_labels_reports_the_missing_key():
    s = svc(selector={"app": "web", "tier": "frontend"})
    m = model_with([s], [], [pod("web-0", "10.0.0.1", labels={"app": "web"})])
    [f] = D.diagnose_service(m, WEB)
    assert f.code == D.SELECTOR_MATCHES_NO_PODS
    assert "no label tier" in f.message


def test_selector_key_typo_is_found():
    m = model_with([svc(selector={"ap": "web"})], [], [pod("web-0", "10.0.0.1", labels={"app": "web"})])
    [f] = D.diagnose_service(m, WEB)
    assert "nearest: app=web" in f.message


def test_selector_matching_pods_in_another_namespace_says_so():
    m = model_with([svc(selector={"app": "db"})], [], [pod("db-0", "10.0.0.1", ns="demo", labels={"app": "db"})])
    [f] = D.diagnose_service(m, WEB)
    assert "demo" in f.message
    assert f.to_dict()["evidence"]["matching_pods_in_other_namespaces"] == ["demo: 1 pod"]


def test_fixing_the_selector_clears_the_finding():
    pods = [pod("web-0", "10.0.0.1")]
    m = model_with([svc(selector={"app": "wbe"})], [slice_("web-a", eps=[])], pods)
    assert codes(D.diagnose_service(m, WEB)) == [D.SELECTOR_MATCHES_NO_PODS]
    changes = m.replace_all(SERVICE, [svc(rv="2")], 1.0)
    changes2 = m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep("10.0.0.1", "web-0")], rv="2")], 1.0)
    assert WEB in changes.services and WEB in changes2.services
    assert D.diagnose_service(m, WEB) == []


def test_the_first_pod_list_of_a_namespace_changes_every_service_there():
    # Knowing the pods turns "pods unknown" into "selector matches no pods" for a Service none of
    # the listed pods touch: the batch must name it, or its finding would wait for the next event.
    m = ClusterModel()
    m.replace_all(SERVICE, [svc(), svc("db", selector={"app": "db"}), svc("api", ns="team")], 0.0)
    assert D.diagnose_service(m, ("default", "db")) == []
    ch = m.replace_all(POD, [pod("web-0", "10.0.0.1")], 1.0, namespace="default")
    assert ch.services == {WEB, ("default", "db")}
    assert codes(D.diagnose_service(m, ("default", "db"))) == [D.SELECTOR_MATCHES_NO_PODS]
    # An empty first list counts too; a re-list names only what changed.
    assert m.replace_all(POD, [], 1.0, namespace="team").services == {("team", "api")}
    assert m.replace_all(POD, [pod("web-0", "10.0.0.1")], 2.0, namespace="default").services == set()


# ---- readiness -----------------------------------------------------------------------------------

def test_no_ready_endpoints_when_readiness_fails():
    pods = [pod("web-0", "10.0.0.1", ready=False), pod("web-1", "10.0.0.2", ready=False)]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0", ready=False),
                                                 ep("10.0.0.2", "web-1", ready=False)])], pods)
    [f] = D.diagnose_service(m, WEB)
    assert (f.code, f.severity) == (D.NO_READY_ENDPOINTS, D.ERROR)
    assert "2 not ready" in f.message
    assert any("readiness failing" in line for line in f.evidence_lines())
    assert any("describe pods -l app=web" in c for c in f.kubectl)


def test_no_ready_endpoints_when_pending_or_terminating():
    pods = [pod("web-0", None), pod("web-1", "10.0.0.2", ready=False, deleting=True)]
    m = model_with([svc()], [slice_("web-a", eps=[terminating("10.0.0.2", "web-1")])], pods)
    [f] = D.diagnose_service(m, WEB)
    assert f.code == D.NO_READY_ENDPOINTS
    assert "1 terminating" in f.message and "1 not in a slice" in f.message
    lines = "\n".join(f.evidence_lines())
    assert "web-0: Pending, no IP yet" in lines and "web-1: terminating" in lines


def test_no_ready_endpoints_names_why_the_pods_are_not_ready():
    pods = [pod("web-0", "10.0.0.1", ready=False, phase="Pending")._replace(waiting_reason="ImagePullBackOff"),
            pod("web-1", "10.0.0.2", ready=False, phase="Pending")._replace(waiting_reason="ImagePullBackOff"),
            pod("web-2", "10.0.0.3", ready=False, phase="Running")._replace(waiting_reason="CrashLoopBackOff"),
            pod("web-3", None, ready=False)._replace(node_name=None, unscheduled_reason="Unschedulable"),
            pod("web-4", phase="Pending", ip="10.0.0.5", ready=False)._replace(waiting_reason="ErrImagePull"),
            pod("web-5", phase="Pending", ip="10.0.0.6", ready=False)._replace(waiting_reason="InvalidImageName"),
            pod("web-6", "10.0.0.7", ready=False, phase="Running")]
    m = model_with([svc()], [slice_("web-a", eps=[ep(p.pod_ip, p.name, ready=False) for p in pods if p.pod_ip])], pods)
    [f] = D.diagnose_service(m, WEB)
    assert f.code == D.NO_READY_ENDPOINTS
    assert f.message.endswith("; why: 2 ImagePullBackOff, 1 CrashLoopBackOff, 1 ErrImagePull, 1 InvalidImageName, "
                              "1 Pending: unschedulable, 1 readiness failing"), f.message
    lines = "\n".join(f.evidence_lines())
    assert "web-0: Pending, ImagePullBackOff: the image cannot be pulled" in lines
    assert "web-2: Running, CrashLoopBackOff" in lines
    assert "web-3: Pending: unschedulable" in lines
    assert "web-5: Pending, InvalidImageName: the image name is not a valid reference" in lines
    assert "web-6: Running, not ready (readiness failing)" in lines
    assert f.to_dict()["evidence"]["not_ready_reasons"].startswith("2 ImagePullBackOff")


def test_some_pods_not_ready_names_the_reason():
    pods = [pod("web-0", "10.0.0.1"), pod("web-1", "10.0.0.2", ready=False)._replace(waiting_reason="ErrImagePull")]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), ep("10.0.0.2", "web-1", ready=False)])],
                   pods)
    [f] = D.diagnose_service(m, WEB)
    assert f.message == "1 of 2 backends not ready: web-1 (1 ErrImagePull)"


def test_some_pods_not_ready_is_a_warning():
    pods = [pod("web-0", "10.0.0.1"), pod("web-1", "10.0.0.2", ready=False)]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), ep("10.0.0.2", "web-1", ready=False)])],
                   pods)
    [f] = D.diagnose_service(m, WEB)
    assert (f.code, f.severity) == (D.PODS_NOT_READY, D.WARNING)
    assert f.message.startswith("1 of 2 backends not ready: web-1")


def test_dual_stack_pod_counts_once():
    p = pod("web-0", "10.0.0.1", ready=False)._replace(pod_ips=("10.0.0.1", "fd00::1"))
    ok = pod("web-1", "10.0.0.2")
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0", ready=False), ep("10.0.0.2", "web-1")]),
                             slice_("web-6", eps=[ep("fd00::1", "web-0", ready=False)], family="IPv6")], [p, ok])
    [f] = D.diagnose_service(m, WEB)
    assert f.message.startswith("1 of 2 backends")


# ---- ports ---------------------------------------------------------------------------------------

def test_numeric_target_port_not_declared():
    s = svc("db", selector={"app": "db"}, ns="demo", ports=(ServicePort("postgres", 5432, 15432),))
    p = pod("db-0", "10.0.0.1", ns="demo", labels={"app": "db"}, ports=(ContainerPort(None, 5432),))
    m = model_with([s], [slice_("db-a", "db", [ep("10.0.0.1", "db-0")], ns="demo")], [p])
    [f] = D.diagnose_service(m, ("demo", "db"))
    assert (f.code, f.severity) == (D.TARGET_PORT_NOT_EXPOSED, D.WARNING)
    assert "15432" in f.message and "5432/TCP" in f.message
    assert f.to_dict()["evidence"]["declared_container_ports"] == ["5432/TCP"]


def test_target_port_protocol_matters():
    s = svc(ports=(ServicePort("dns", 53, 53, "UDP"),))
    p = pod("web-0", "10.0.0.1", ports=(ContainerPort("dns-tcp", 53, "TCP"),))
    m = model_with([s], [slice_("web-a", eps=[ep("10.0.0.1", "web-0")])], [p])
    assert codes(D.diagnose_service(m, WEB)) == [D.TARGET_PORT_NOT_EXPOSED]


def test_target_port_defaults_to_port():
    s = svc(ports=(ServicePort("http", 8080, None),))
    m = model_with([s], [slice_("web-a", eps=[ep("10.0.0.1", "web-0")])], [pod("web-0", "10.0.0.1")])
    assert D.diagnose_service(m, WEB) == []


def test_named_port_unresolved_on_every_pod_is_an_error():
    s = svc(ports=(ServicePort("web", 80, "web"),))
    m = model_with([s], [slice_("web-a", eps=[ep("10.0.0.1", "web-0")], ports=())], [pod("web-0", "10.0.0.1")])
    [f] = D.diagnose_service(m, WEB)
    assert (f.code, f.severity) == (D.NAMED_PORT_UNRESOLVED, D.ERROR)
    assert "'web'" in f.message and "no such port" in f.message
    assert f.to_dict()["evidence"]["declared_container_ports"] == ["http 8080/TCP"]


def test_named_port_unresolved_on_some_pods_is_a_warning():
    s = svc(ports=(ServicePort("http", 80, "http"),))
    pods = [pod("web-0", "10.0.0.1"), pod("web-1", "10.0.0.2", ports=(ContainerPort("web", 8080),))]
    m = model_with([s], [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), ep("10.0.0.2", "web-1")])], pods)
    [f] = D.diagnose_service(m, WEB)
    assert (f.code, f.severity) == (D.NAMED_PORT_UNRESOLVED, D.WARNING)
    assert f.to_dict()["evidence"]["pods_without_it"] == ["web-1"]


def test_named_port_with_other_protocol_is_explained():
    s = svc(ports=(ServicePort("dns", 53, "dns", "TCP"),))
    p = pod("web-0", "10.0.0.1", ports=(ContainerPort("dns", 53, "UDP"),))
    m = model_with([s], [slice_("web-a", eps=[ep("10.0.0.1", "web-0")])], [p])
    [f] = D.diagnose_service(m, WEB)
    assert f.to_dict()["evidence"]["same_name_other_protocol"] == ["53/UDP"]


# ---- selectorless, workloads, policy, LoadBalancer -------------------------------------------------

@pytest.mark.parametrize("selector_kw", [{"no_selector": True}, {"selector": {}}])
def test_selectorless_without_endpoints(selector_kw):
    m = model_with([svc("legacy", **selector_kw)])
    [f] = D.diagnose_service(m, ("default", "legacy"))
    assert (f.code, f.severity) == (D.SELECTORLESS_NO_ENDPOINTS, D.ERROR)
    assert any("get endpoints legacy" in c for c in f.kubectl)


def test_selectorless_with_manual_endpoints_is_healthy():
    m = model_with([svc("legacy", no_selector=True)], [slice_("legacy-1", "legacy", [ep("192.0.2.10")])])
    assert D.diagnose(m) == []


def test_selectorless_with_unready_manual_endpoints():
    m = model_with([svc("legacy", no_selector=True)], [slice_("legacy-1", "legacy", [ep("192.0.2.10", ready=False)])])
    assert codes(D.diagnose(m)) == [D.NO_READY_ENDPOINTS]


def test_selector_matching_two_workloads():
    pods = [pod("web-0", "10.0.0.1", labels={"app": "web", "pod-template-hash": "aaa"}, owner_kind="ReplicaSet",
                owner_name="web-aaa"),
            pod("debug", "10.0.0.2", labels={"app": "web"})]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), ep("10.0.0.2", "debug")])], pods)
    [f] = D.diagnose_service(m, WEB)
    assert (f.code, f.severity) == (D.SELECTOR_MATCHES_MULTIPLE_WORKLOADS, D.WARNING)
    assert "Deployment/web" in f.message


def test_external_local_policy_without_local_endpoints():
    services, slices, pods = healthy_web(1, type="NodePort", external_traffic_policy="Local",
                                         ports=(ServicePort("http", 80, 8080, node_port=30080),))
    m = model_with(services, slices, pods)
    [f] = D.diagnose_service(m, WEB, nodes=["worker", "worker2", "control-plane"])
    assert (f.code, f.severity) == (D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS, D.WARNING)
    assert "2 of 3 nodes" in f.message and "30080" in f.message
    assert f.to_dict()["evidence"]["nodes_without"] == ["control-plane", "worker2"]
    assert D.diagnose_service(m, WEB, nodes=["worker"]) == []


def test_internal_local_policy_uses_nodes_pods_run_on_by_default():
    services, slices, pods = healthy_web(1, internal_traffic_policy="Local")
    pods.append(pod("client", "10.0.1.1", labels={"app": "client"})._replace(node_name="worker2"))
    [f] = D.diagnose_service(model_with(services, slices, pods), WEB)
    assert f.code == D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS and "cannot reach" in f.message


def test_policy_nodes_are_the_node_list_else_the_namespaces_pods():
    services, slices, pods = healthy_web(1, internal_traffic_policy="Local")
    pods.append(pod("coredns", "10.0.9.9", ns="kube-system", labels={"k8s-app": "kube-dns"})._replace(node_name="cp"))
    m = model_with(services, slices, pods)
    # Another namespace's pods (held for the DNS header) do not change the count.
    assert D.policy_nodes(m, "default") == ["worker"] and D.diagnose_service(m, WEB) == []
    m.nodes = ("cp", "worker", "worker2")
    [f] = D.diagnose_service(m, WEB)
    assert "2 of 3 nodes" in f.message


def test_external_policy_ignored_for_cluster_ip():
    services, slices, pods = healthy_web(1, external_traffic_policy="Local")
    assert D.diagnose_service(model_with(services, slices, pods), WEB, nodes=["worker", "worker2"]) == []


@pytest.mark.parametrize("platform, words", [("kind", "cloud-provider-kind"), ("minikube", "minikube tunnel"),
                                             (None, "MetalLB")])
def test_lb_pending_explains_by_platform(platform, words):
    services, slices, pods = healthy_web(type="LoadBalancer", ports=(ServicePort("http", 80, 8080, node_port=31000),))
    [f] = D.diagnose_service(model_with(services, slices, pods), WEB, platform=platform)
    assert (f.code, f.severity) == (D.LB_PENDING, D.INFO)
    assert words in f.message
    assert f.to_dict()["evidence"]["node_ports"] == ["80:31000/TCP"]


# ---- service-not-found, DNS ----------------------------------------------------------------------

def test_service_not_found_points_at_other_namespace():
    f = D.service_not_found("default", "db", [("demo", "db"), ("default", "web")])
    assert (f.code, f.severity, f.service) == (D.SERVICE_NOT_FOUND, D.ERROR, "default/db")
    assert "db.demo" in f.message and "db.demo.svc.cluster.local" in f.message


def test_service_not_found_suggests_similar_names():
    f = D.service_not_found("demo", "dbb", [("demo", "db"), ("demo", "api")])
    assert "did you mean db?" in f.message


def dns_model(ready, total=2, svc_present=True):
    s = svc("kube-dns", selector={"k8s-app": "kube-dns"}, ns="kube-system", ports=(ServicePort("dns", 53, 53, "UDP"),))
    pods = [pod(f"coredns-{i}", f"10.0.0.{i}", ns="kube-system", labels={"k8s-app": "kube-dns"}, ready=i < ready,
                ports=(ContainerPort("dns", 53, "UDP"),)) for i in range(total)]
    eps = [ep(f"10.0.0.{i}", f"coredns-{i}", ready=i < ready, ns="kube-system") for i in range(total)]
    return model_with([s] if svc_present else [], [slice_("kube-dns-a", "kube-dns", eps, ns="kube-system")], pods)


def test_dns_healthy():
    assert D.diagnose_dns(dns_model(2)) == []


def test_dns_down_is_an_error_and_covers_the_service_findings():
    m = dns_model(0)
    [f] = D.diagnose_dns(m)
    assert (f.code, f.severity, f.service) == (D.DNS_UNHEALTHY, D.ERROR, "kube-system/kube-dns")
    assert "0/2 CoreDNS pods ready" in f.message
    assert codes(D.diagnose_service(m, D.DNS_SERVICE)) == [D.NO_READY_ENDPOINTS]  # the tree badge still has one
    assert codes(D.diagnose(m)) == [D.DNS_UNHEALTHY]


def test_dns_scaled_to_zero():
    [f] = D.diagnose_dns(dns_model(0, total=0))
    assert "scaled to 0" in f.message


def test_dns_partly_ready_is_a_warning():
    [f] = D.diagnose_dns(dns_model(1))
    assert (f.code, f.severity) == (D.DNS_UNHEALTHY, D.WARNING)


def test_dns_unknown_without_kube_system():
    assert D.diagnose_dns(dns_model(0, svc_present=False)) == []
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("kube-dns", ns="kube-system")], 0.0)  # pods never listed
    assert D.diagnose_dns(m) == []


# ---- shape ---------------------------------------------------------------------------------------

def test_finding_shape_sorting_and_json():
    m = model_with([svc("a", selector={"app": "nothing"}),
                    svc("b", type="LoadBalancer", selector={"app": "web"})],
                   [slice_("b-1", "b", [ep("10.0.0.1", "web-0")])], [pod("web-0", "10.0.0.1")])
    fs = D.diagnose(m, "default")
    assert [(f.severity, f.service) for f in fs] == [("error", "default/a"), ("info", "default/b")]
    assert D.worst(fs) == D.ERROR and D.worst([]) is None
    d = json.loads(json.dumps([f.to_dict() for f in fs]))
    assert set(d[0]) == {"service", "severity", "code", "message", "evidence", "kubectl"}
    assert all(isinstance(c, str) and c.startswith("kubectl ") for f in d for c in f["kubectl"])
    assert all(f.code in D.CODES for f in fs)
    assert all("\n" not in f.message for f in fs)


def test_kubectl_commands_are_shell_quoted():
    m = model_with([svc("a", selector={"app": "x y"})])
    [f] = D.diagnose_service(m, ("default", "a"))
    assert "-l 'app=x y'" in " ".join(f.kubectl)


def test_undeclared_target_port_with_refused_requests_is_an_error():
    from svctui.model.probe import ProbeResult
    from svctui.model.refusals import RECENT, with_probe_evidence
    services, slices, pods = healthy_web(1, ports=(ServicePort("http", 80, 8008),))
    found = D.diagnose_service(model_with(services, slices, pods), WEB)
    assert [(f.code, f.severity) for f in found] == [(D.TARGET_PORT_NOT_EXPOSED, D.WARNING)]

    def res(ok: bool, status: str, i: int) -> ProbeResult:
        return ProbeResult(float(i), WEB, ok, status)
    refused = "curl: (7) Failed to connect to web port 80 after 1 ms: Couldn't connect to server"
    [f] = with_probe_evidence(found, [res(False, refused, i) for i in range(RECENT)])
    assert f.severity == D.ERROR and "connections to it are refused" in f.message
    assert f.message.endswith("; pods declare http 8080/TCP")
    assert f.to_dict()["evidence"]["probe"].startswith(f"{RECENT} of the last {RECENT} requests refused: curl: (7)")
    # Not enough, not all refused, or another failure (a timeout): the warning stays.
    assert with_probe_evidence(found, [res(False, refused, i) for i in range(RECENT - 1)]) == found
    mixed = [res(False, refused, i) for i in range(RECENT - 1)] + [res(True, "200 OK", 9)]
    assert with_probe_evidence(found, mixed) == found
    timeouts = [res(False, "curl: (28) Connection timed out after 2001 milliseconds", i) for i in range(RECENT)]
    assert with_probe_evidence(found, timeouts) == found


def test_external_name_finding_only_on_a_definite_answer():
    from svctui.model.externalname import TargetAnswer, external_name_finding
    ext = svc("ext", no_selector=True, type="ExternalName", external_name="db.corp.internal", ip=None)
    chain = ("ext.default.svc.cluster.local", "db.corp.internal")
    f = external_name_finding(ext, TargetAnswer("NXDOMAIN", chain, ()))
    assert f is not None and (f.code, f.severity) == (D.EXTERNAL_NAME_UNRESOLVED, D.ERROR)
    assert f.message.startswith("ExternalName target db.corp.internal does not exist (NXDOMAIN)")
    assert "has no A or AAAA record" in external_name_finding(ext, TargetAnswer("NOERROR", chain, ())).message
    assert external_name_finding(ext, TargetAnswer("NOERROR", chain, ("10.1.2.3",))) is None
    assert external_name_finding(ext, TargetAnswer("TIMEOUT", chain, ())) is None  # DNS trouble, not the target
    assert external_name_finding(svc(), TargetAnswer("NXDOMAIN", chain, ())) is None
