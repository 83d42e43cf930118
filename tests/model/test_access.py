"""What can be diagnosed given what is readable: a 403 is unknown data, never an empty list."""

from __future__ import annotations

from svctui.model import diagnose as D
from svctui.model.access import FORBIDDEN, KNOWN, PENDING, UNWATCHED, Access, Gap
from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

from .build import ep, pod, slice_, svc

WEB = ("demo", "web")


def codes(findings) -> set[str]:
    return {f.code for f in findings}


# ---- Access on its own -------------------------------------------------------------------------

def test_states_of_a_namespaced_refusal():
    a = Access()
    a.listed(SERVICE, None)
    a.forbid(ENDPOINTSLICE, "demo")
    assert a.state(SERVICE, "demo") == KNOWN
    assert a.state(ENDPOINTSLICE, "demo") == FORBIDDEN
    assert a.state(ENDPOINTSLICE, "other") == PENDING, "nobody said anything about other"
    assert a.gaps("demo") == [Gap(ENDPOINTSLICE, "demo", FORBIDDEN)]
    assert a.gaps("demo")[0].text == "not permitted to list EndpointSlices in demo"


def test_cluster_wide_refusal_with_fallback():
    a = Access()
    a.forbid(POD, None)
    # Until the fallback says where it watches, every namespace is merely not listed yet.
    assert a.state(POD, "team-a") == PENDING and a.gaps("team-a") == []
    a.cover(POD, ["team-a", "secret"])
    assert a.state(POD, "team-a") == PENDING
    a.listed(POD, "team-a")
    a.forbid(POD, "secret")
    assert a.state(POD, "team-a") == KNOWN
    assert a.state(POD, "secret") == FORBIDDEN
    # A namespace the fallback does not cover (created later, or namespaces unlistable).
    assert a.state(POD, "late") == UNWATCHED
    assert a.gaps("late")[0].text == "not permitted to list Pods in all namespaces, and late is not watched"
    assert a.any_refused


def test_a_refusal_after_a_list_wins():
    a = Access()
    a.listed(ENDPOINTSLICE, None)
    a.forbid(ENDPOINTSLICE, None)  # e.g. the role was removed; the re-list was refused
    a.cover(ENDPOINTSLICE, [])
    assert a.state(ENDPOINTSLICE, "demo") == UNWATCHED


# ---- diagnosis -----------------------------------------------------------------------------------

def demo_model(*, forbid: tuple[str, ...] = (), pods=None, slices=None, service=None) -> ClusterModel:
    """web in demo with 2 pods; `forbid` kinds are refused in demo, the rest listed."""
    m = ClusterModel()
    m.replace_all(SERVICE, [service or svc("web", "demo")], 0.0)
    for kind in forbid:
        m.forbid(kind, "demo")
    if POD not in forbid:
        m.replace_all(POD, pods if pods is not None else
                      [pod("web-0", "10.0.0.1", ns="demo"), pod("web-1", "10.0.0.2", ns="demo")], 0.0)
    if ENDPOINTSLICE not in forbid:
        m.replace_all(ENDPOINTSLICE, slices if slices is not None else
                      [slice_("web-a", eps=[ep("10.0.0.1", "web-0"), ep("10.0.0.2", "web-1")], ns="demo")], 0.0)
    return m


def test_slices_forbidden_is_not_no_ready_endpoints():
    m = demo_model(forbid=(ENDPOINTSLICE,))
    assert D.diagnose_service(m, WEB) == []
    assert [g.text for g in D.unchecked(m, WEB)] == ["not permitted to list EndpointSlices in demo"]
    # The same data, slices listed and empty: that really is no ready endpoints.
    listed = demo_model(slices=[])
    assert codes(D.diagnose_service(listed, WEB)) == {D.NO_READY_ENDPOINTS}
    assert D.unchecked(listed, WEB) == []


def test_slices_forbidden_still_finds_what_pods_alone_show():
    typo = svc("web", "demo", selector={"app": "wbe"})
    m = demo_model(forbid=(ENDPOINTSLICE,), service=typo)
    assert codes(D.diagnose_service(m, WEB)) == {D.SELECTOR_MATCHES_NO_PODS}


def test_pods_forbidden_means_no_selector_or_readiness_findings():
    m = demo_model(forbid=(POD,), slices=[])
    assert D.diagnose_service(m, WEB) == []
    assert [g.kind for g in D.unchecked(m, WEB)] == [POD]


def test_selectorless_with_slices_forbidden_is_not_no_endpoints():
    m = demo_model(forbid=(ENDPOINTSLICE,), service=svc("web", "demo", no_selector=True))
    assert D.diagnose_service(m, WEB) == []
    # Pods do not matter to a selectorless Service: only the slices are missing.
    assert [g.kind for g in D.unchecked(m, WEB)] == [ENDPOINTSLICE]
    listed = demo_model(service=svc("web", "demo", no_selector=True), slices=[])
    assert codes(D.diagnose_service(listed, WEB)) == {D.SELECTORLESS_NO_ENDPOINTS}


def test_local_policy_needs_the_slices():
    local = svc("web", "demo", internal_traffic_policy="Local")
    pods = [pod("web-0", "10.0.0.1", ns="demo")]  # on node "worker"
    listed = demo_model(service=local, pods=pods,
                        slices=[slice_("web-a", eps=[ep("10.0.0.1", "web-0")], ns="demo")])
    assert D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS in codes(D.diagnose(listed, nodes=["worker", "n2"]))
    m = demo_model(service=local, pods=pods, forbid=(ENDPOINTSLICE,))
    assert D.diagnose(m, nodes=["worker", "n2"]) == []


def test_dns_is_not_judged_without_its_slices():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("kube-dns", "kube-system", selector={"k8s-app": "kube-dns"})], 0.0)
    m.replace_all(POD, [pod("coredns-1", "10.0.0.5", ns="kube-system", labels={"k8s-app": "kube-dns"})], 0.0)
    m.forbid(ENDPOINTSLICE, "kube-system")
    assert D.diagnose_dns(m) == []
    m2 = ClusterModel()
    m2.replace_all(SERVICE, [svc("kube-dns", "kube-system", selector={"k8s-app": "kube-dns"})], 0.0)
    m2.replace_all(POD, [pod("coredns-1", "10.0.0.5", ns="kube-system", labels={"k8s-app": "kube-dns"})], 0.0)
    m2.replace_all(ENDPOINTSLICE, [], 0.0)
    assert codes(D.diagnose_dns(m2)) == {D.DNS_UNHEALTHY}


def test_a_namespace_outside_the_fallback_is_not_diagnosed():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo"), svc("web", "late")], 0.0)
    m.replace_all(POD, [pod("web-0", "10.0.0.1", ns="demo"), pod("web-9", "10.0.0.9", ns="late")], 0.0)
    ch = m.forbid(ENDPOINTSLICE, None)
    assert ch.services == {WEB, ("late", "web")}, "every Service is touched: what can be said changed"
    m.cover(ENDPOINTSLICE, ["demo"])
    m.replace_all(ENDPOINTSLICE, [], 0.0, "demo")
    assert codes(D.diagnose_service(m, WEB)) == {D.NO_READY_ENDPOINTS}, "demo's slices were listed: empty"
    assert D.diagnose_service(m, ("late", "web")) == []
    [gap] = D.unchecked(m, ("late", "web"))
    assert gap.state == UNWATCHED and "late is not watched" in gap.text


def test_a_first_empty_slice_list_touches_the_services_of_its_namespace():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo"), svc("api", "other")], 0.0)
    m.forbid(ENDPOINTSLICE, None)
    ch = m.replace_all(ENDPOINTSLICE, [], 0.0, "demo")
    assert ch.services == {WEB}, "no slice arrived, yet web can now be diagnosed"


def test_services_forbidden_leaves_slices_without_a_service():
    m = ClusterModel()
    m.forbid(SERVICE, "demo")
    m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep("10.0.0.1", "web-0")], ns="demo")], 0.0)
    m.replace_all(POD, [], 0.0)
    assert m.topology.view(WEB) is not None and not m.listed(SERVICE, "demo")
    assert [g.text for g in D.unchecked(m, WEB)] == ["not permitted to list Services in demo"]
    assert D.diagnose_service(m, WEB) == []


def test_a_namespace_joining_the_fallback_touches_only_its_services():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo"), svc("web", "late")], 0.0)
    m.forbid(ENDPOINTSLICE, None)
    assert m.cover(ENDPOINTSLICE, ["demo"]).services == {WEB, ("late", "web")}, "the first cover: all"
    assert m.cover(ENDPOINTSLICE, ["demo", "late"]).services == {("late", "web")}
    assert m.access.state(ENDPOINTSLICE, "late") == PENDING, "now watched: its list is under way"
