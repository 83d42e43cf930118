from svctui.model.churn import ADDED, REMOVED, ChurnEntry, ChurnLedger, Conditions
from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE, MODIFIED, POD, SERVICE
from svctui.model.timeline import group_changes, service_names

from .build import ep, pod, slice_, svc

READY = Conditions(True, True, False)
NGINX, NODEPORT, OTHER = ("demo", "nginx-service"), ("demo", "nginx-nodeport"), ("prod", "nginx-service")


def entry(service, change=ADDED, address="10.244.2.9", time=1.0, pod="web-1"):
    return ChurnEntry(time, service, change, address, "IPv4", pod, "worker", READY)


def test_one_row_per_event_naming_every_service():
    rows = group_changes([entry(NGINX), entry(NODEPORT), entry(NGINX, REMOVED, "10.244.1.1", pod="web-0"),
                          entry(NODEPORT, REMOVED, "10.244.1.1", pod="web-0")])
    assert [(r.entry.change, r.entry.address, r.services) for r in rows] == [
        (ADDED, "10.244.2.9", (NODEPORT, NGINX)), (REMOVED, "10.244.1.1", (NODEPORT, NGINX))]


def test_different_moments_or_endpoints_stay_apart():
    rows = group_changes([entry(NGINX, time=1.0), entry(NODEPORT, time=2.5), entry(NGINX, address="10.244.2.10")])
    assert [(r.entry.address, r.services) for r in rows] == [("10.244.2.9", (NGINX,)), ("10.244.2.10", (NGINX,)),
                                                         ("10.244.2.9", (NODEPORT,))]


def test_names_qualified_only_where_ambiguous():
    assert service_names((NODEPORT, NGINX, OTHER), {"nginx-service"}) == \
        "nginx-nodeport, demo/nginx-service, prod/nginx-service"
    assert service_names((NODEPORT, NGINX), set()) == "nginx-nodeport, nginx-service"


def test_ledger_of_two_services_on_one_pod_groups_to_one_row():
    m = ClusterModel(ChurnLedger())
    m.replace_all(SERVICE, [svc("web", selector={"app": "web"}), svc("web-np", selector={"app": "web"})], 0.0)
    m.replace_all(POD, [pod("web-a", "10.0.0.1")], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", "web", [ep("10.0.0.1", "web-a")], rv="1"),
                                  slice_("np-x", "web-np", [ep("10.0.0.1", "web-a")], rv="1")], 0.0)
    m.apply(POD, MODIFIED, pod("web-a", "10.0.0.1", deleting=True, rv="2"), 5.0)
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", "web", [], rv="2"), 5.0)
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("np-x", "web-np", [], rv="2"), 5.0)
    assert len(m.ledger.entries()) == 2
    rows = group_changes(m.ledger.entries())
    assert [(r.entry.change, r.services) for r in rows] == [(REMOVED, (("default", "web"), ("default", "web-np")))]


def test_history_carried_to_a_new_ledger_stays_in_order_and_capped():
    old, new = ChurnLedger(global_size=3), ChurnLedger(global_size=3)
    old._global.extend([entry(NGINX, time=1.0), entry(NGINX, time=2.0)])
    new._global.extend([entry(OTHER, time=3.0), entry(OTHER, time=4.0)])
    new.carry_history(old)
    assert [(e.service, e.time) for e in new.entries()] == [(NGINX, 2.0), (OTHER, 3.0), (OTHER, 4.0)]
    assert new.entries(NGINX) == []  # per-Service state (ghosts, stopwatch) is the new watch's own


def test_the_same_change_milliseconds_apart_is_one_event_but_a_repeat_is_not():
    # Two slices, two controller writes: the second Service hears of the pod 40 ms later.
    rows = group_changes([entry(NGINX, time=1.0), entry(NODEPORT, time=1.04), entry(NGINX, time=1.5)])
    assert [(r.entry.time, r.services) for r in rows] == [(1.0, (NODEPORT, NGINX)), (1.5, (NGINX,))]
    rows = group_changes([entry(NGINX, time=1.0), entry(NODEPORT, time=3.0)])
    assert [r.services for r in rows] == [(NGINX,), (NODEPORT,)]
