"""The first screen's findings, from plain data: "checking…" until the pods are listed, then the
state svctui found, at once (no grace); the grace applies to later transitions only."""

from svctui.model import diagnose as D
from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE, MODIFIED, POD, SERVICE
from svctui.ui import findings as F
from tests.model.build import ep, pod, slice_, svc

WEB = ("default", "web")
A, B = "10.0.0.1", "10.0.0.2"


def codes(tr: F.FindingsTracker, now: float) -> list[str]:
    return [f.code for f in tr.shown(WEB, now)]


def test_checking_until_pods_are_listed_then_the_initial_state_at_once():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(A, "web-a", ready=False), ep(B, "web-b", ready=False)])], 0.0)
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    assert codes(tr, 100.0) == [F.CHECKING]
    assert F.badge(tr.shown(WEB, 100.0)).plain == "… checking…"
    assert "not listed yet" in tr.shown(WEB, 100.0)[0].message
    # The pods arrive, none ready: that is how svctui found the Service, so it says so now.
    m.replace_all(POD, [pod("web-a", A, ready=False), pod("web-b", B, ready=False)], 101.0)
    tr.update(m, [WEB], 101.0)
    assert codes(tr, 101.0) == [D.NO_READY_ENDPOINTS]
    assert tr.held_for(WEB, 101.0) is None


def test_the_grace_still_applies_to_a_transition():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(POD, [pod("web-a", A), pod("web-b", B)], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b")], rv="1")], 0.0)
    tr = F.FindingsTracker()
    tr.update(m, [WEB], 100.0)
    assert codes(tr, 100.0) == []
    # A pod restart later: withheld for GRACE seconds, then shown.
    m.apply(POD, MODIFIED, pod("web-a", A, ready=False, rv="2"), 200.0)
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", eps=[ep(A, "web-a", ready=False), ep(B, "web-b")], rv="2"), 200.0)
    tr.update(m, [WEB], 200.0)
    assert codes(tr, 201.0) == [] and tr.held_for(WEB, 201.0) == 1.0
    assert tr.tick(200.0 + F.GRACE) == {WEB}
    assert codes(tr, 200.0 + F.GRACE) == [D.PODS_NOT_READY]


def test_a_service_created_long_after_start_gets_the_grace():
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
