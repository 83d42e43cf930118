"""The live findings from plain data: "checking…" until the pods are listed, then the state svctui found,
at once (no grace); the grace applies to later transitions only; only the Services of a batch are
diagnosed again; kube-dns's dns-unhealthy stands in for its own readiness findings."""

from svctui.model import diagnose as D
from svctui.model import livefindings as F
from svctui.model.cluster import ClusterModel
from svctui.model.objects import ContainerPort, ServicePort
from svctui.model.probe import ProbeResult
from svctui.model.refusals import RECENT
from svctui.model.store import DELETED, ENDPOINTSLICE, MODIFIED, POD, SERVICE
from tests.model.build import ep, pod, slice_, svc

WEB = ("default", "web")
A, B = "10.0.0.1", "10.0.0.2"


def codes(tr: F.FindingsTracker, now: float, key: tuple[str, str] = WEB) -> list[str]:
    return [f.code for f in tr.shown(key, now)]


def healthy(now: float = 0.0) -> ClusterModel:
    m = ClusterModel()
    m.replace_all(SERVICE, [svc(), svc("api", selector={"app": "api"})], now)
    m.replace_all(POD, [pod("web-a", A), pod("web-b", B)], now)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b")], rv="1")], now)
    return m


def restart_web_a(m: ClusterModel, now: float) -> None:
    m.apply(POD, MODIFIED, pod("web-a", A, ready=False, rv="2"), now)
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", eps=[ep(A, "web-a", ready=False), ep(B, "web-b")], rv="2"), now)


def recover_web_a(m: ClusterModel, now: float) -> None:
    m.apply(POD, MODIFIED, pod("web-a", A, rv="3"), now)
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b")], rv="3"), now)


def test_checking_until_pods_are_listed_then_the_initial_state_at_once() -> None:
    m = ClusterModel()
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(A, "web-a", ready=False), ep(B, "web-b", ready=False)])], 0.0)
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    assert codes(tr, 100.0) == [F.CHECKING]
    assert "not listed yet" in tr.shown(WEB, 100.0)[0].message
    # The pods arrive, none ready: that is how svctui found the Service, so it says so now.
    m.replace_all(POD, [pod("web-a", A, ready=False), pod("web-b", B, ready=False)], 101.0)
    tr.update(m, [WEB], 101.0)
    assert codes(tr, 101.0) == [D.NO_READY_ENDPOINTS]
    assert tr.held_for(WEB, 101.0) is None


def test_the_grace_still_applies_to_a_transition() -> None:
    m = healthy()
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    assert codes(tr, 100.0) == []
    # A pod restart later: withheld for GRACE seconds, then shown.
    restart_web_a(m, 200.0)
    tr.update(m, [WEB], 200.0)
    assert codes(tr, 201.0) == [] and tr.held_for(WEB, 201.0) == 1.0
    assert tr.tick(200.0 + F.GRACE - 0.1) == set()
    assert tr.tick(200.0 + F.GRACE) == {WEB}
    assert tr.tick(200.0 + F.GRACE + 1) == set()  # ripe once: one repaint
    assert codes(tr, 200.0 + F.GRACE) == [D.PODS_NOT_READY]
    assert tr.held_for(WEB, 200.0 + F.GRACE) is None


def test_a_restart_that_recovers_within_the_grace_never_shows() -> None:
    m = healthy()
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    restart_web_a(m, 200.0)
    tr.update(m, [WEB], 200.0)
    recover_web_a(m, 203.0)
    tr.update(m, [WEB], 203.0)
    assert tr.tick(200.0 + F.GRACE) == set()
    assert codes(tr, 200.0 + F.GRACE) == [] and tr.held_for(WEB, 203.0) is None
    # The timer was reset: a second restart waits the whole grace again.
    restart_web_a(m, 210.0)
    tr.update(m, [WEB], 210.0)
    assert codes(tr, 210.0 + F.GRACE - 0.1) == []
    assert codes(tr, 210.0 + F.GRACE) == [D.PODS_NOT_READY]


def test_a_service_created_long_after_start_gets_the_grace() -> None:
    m = ClusterModel()
    m.replace_all(SERVICE, [], 0.0)
    m.replace_all(POD, [pod("web-a", A, ready=False)], 0.0)
    m.replace_all(ENDPOINTSLICE, [], 0.0)
    tr = F.FindingsTracker()
    tr.update(m, [], 100.0)
    tr.update(m, [("default", "other")], 100.0)  # the namespace is judged from here on
    m.apply(SERVICE, "ADDED", svc(), 300.0)
    m.apply(ENDPOINTSLICE, "ADDED", slice_("web-x", eps=[ep(A, "web-a", ready=False)]), 300.0)
    tr.update(m, [WEB], 300.0)
    assert codes(tr, 300.0) == [] and tr.held_for(WEB, 300.0) == 0.0


def test_configuration_findings_show_at_once_and_only_the_batch_is_diagnosed() -> None:
    m = healthy()
    tr = F.FindingsTracker()
    tr.update(m, [WEB, ("default", "api")], 100.0)
    assert tr.diagnosed == 2
    assert codes(tr, 100.0, ("default", "api")) == [D.SELECTOR_MATCHES_NO_PODS]
    m.apply(SERVICE, MODIFIED, svc(ports=(ServicePort("http", 80, 9999, "TCP"),), rv="5"), 200.0)
    tr.update(m, [WEB], 200.0)
    assert tr.diagnosed == 3
    assert codes(tr, 200.0) == [D.TARGET_PORT_NOT_EXPOSED]  # not a readiness finding: no grace
    assert codes(tr, 200.0, ("default", "api")) == [D.SELECTOR_MATCHES_NO_PODS]  # kept, not redone


def test_a_deleted_service_loses_its_findings() -> None:
    m = healthy()
    tr = F.FindingsTracker()
    api = ("default", "api")
    tr.update(m, [api], 100.0)
    assert codes(tr, 100.0, api) == [D.SELECTOR_MATCHES_NO_PODS]
    m.apply(SERVICE, DELETED, svc("api", selector={"app": "api"}), 200.0)
    tr.update(m, [api], 200.0)
    assert tr.shown(api, 200.0) == [] and tr.held_for(api, 200.0) is None


def test_refused_probes_make_the_port_finding_an_error() -> None:
    m = healthy()
    m.apply(SERVICE, MODIFIED, svc(ports=(ServicePort("http", 80, 9999, "TCP"),), rv="5"), 0.0)
    refused = [ProbeResult(90.0 + t, WEB, False, "curl: (7) Failed to connect") for t in range(RECENT)]
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0, probes=lambda key: refused if key == WEB else [])
    [f] = tr.shown(WEB, 100.0)
    assert (f.code, f.severity) == (D.TARGET_PORT_NOT_EXPOSED, D.ERROR)
    tr.update(m, [WEB], 101.0)  # without the probe's evidence it is the plain warning again
    assert [f.severity for f in tr.shown(WEB, 101.0)] == [D.WARNING]


def dns_model(ready: int, total: int = 2) -> ClusterModel:
    s = svc("kube-dns", selector={"k8s-app": "kube-dns"}, ns="kube-system", ports=(ServicePort("dns", 53, 53, "UDP"),))
    pods = [pod(f"coredns-{i}", f"10.0.0.{i}", ns="kube-system", labels={"k8s-app": "kube-dns"}, ready=i < ready,
                ports=(ContainerPort("dns", 53, "UDP"),)) for i in range(total)]
    eps = [ep(f"10.0.0.{i}", f"coredns-{i}", ready=i < ready, ns="kube-system") for i in range(total)]
    m = ClusterModel()
    m.replace_all(SERVICE, [s], 0.0)
    m.replace_all(POD, pods, 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("kube-dns-a", "kube-dns", eps, ns="kube-system")], 0.0)
    return m


def test_dns_down_stands_in_for_kube_dns_readiness_findings() -> None:
    tr = F.FindingsTracker()
    tr.update(dns_model(0), [D.DNS_SERVICE], 100.0)  # the state svctui found: shown at once
    assert codes(tr, 100.0, D.DNS_SERVICE) == [D.DNS_UNHEALTHY]
    [f] = tr.dns(100.0)
    assert f.severity == D.ERROR
    tr.update(dns_model(2), [D.DNS_SERVICE], 200.0)
    assert tr.dns(200.0) == [] and tr.shown(D.DNS_SERVICE, 200.0) == []


def test_clear_forgets_everything_so_the_next_state_is_initial_again() -> None:
    m = healthy()
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    restart_web_a(m, 200.0)
    tr.update(m, [WEB], 200.0)
    assert codes(tr, 200.0) == []  # a transition: held
    tr.clear()  # what the app does when its watch restarts
    assert tr.shown(WEB, 200.0) == [] and tr.tick(300.0) == set()
    tr.update(m, [WEB], 300.0)
    assert codes(tr, 300.0) == [D.PODS_NOT_READY]  # judged anew: what svctui finds, at once
