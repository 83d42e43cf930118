from svctui.model.cluster import ClusterModel
from svctui.model.objects import Endpoint
from svctui.model.store import ADDED, DELETED, ENDPOINTSLICE, MODIFIED, POD, SERVICE

from .build import ep, pod, slice_, svc, terminating

WEB = ("default", "web")


def model_with(services=(), slices=(), pods=()):
    m = ClusterModel()
    m.replace_all(SERVICE, services, 0.0)
    m.replace_all(POD, pods, 0.0)
    m.replace_all(ENDPOINTSLICE, slices, 0.0)
    return m


def test_multiple_slices_and_ipv6_counts():
    v4a = [ep(f"10.0.0.{i}", f"p{i}") for i in range(100)]
    v4b = [ep(f"10.0.1.{i}", f"q{i}", ready=(i % 10 != 0)) for i in range(50)]
    v4b[1] = terminating("10.0.1.1", "q1")
    v6 = [ep(f"fd00::{i:x}", f"p{i}") for i in range(100)] + [ep(f"fd00::1:{i:x}", f"q{i}") for i in range(50)]
    m = model_with([svc(ip_families=("IPv4", "IPv6"))],
                   [slice_("web-a", eps=v4a), slice_("web-b", eps=v4b), slice_("web-6", eps=v6, family="IPv6")])
    view = m.topology.view(WEB)
    assert view.slice_names == ("web-6", "web-a", "web-b")
    assert len(view.rows) == 300
    v4 = view.counts_by_family["IPv4"]
    assert (v4.total, v4.ready, v4.terminating, v4.not_ready) == (150, 144, 1, 5)
    assert view.counts_by_family["IPv6"].ready == 150
    assert view.primary_family == "IPv4" and view.counts is v4  # a dual-stack pod counts once


def test_primary_family_follows_ip_families():
    m = model_with([svc(ip_families=("IPv6", "IPv4"))],
                   [slice_("web-6", eps=[ep("fd00::1", "a")], family="IPv6"), slice_("web-4", eps=[])])
    assert m.topology.view(WEB).primary_family == "IPv6"


def test_address_in_two_slices_counts_once_with_best_conditions():
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "a", ready=False)]),
                             slice_("web-b", eps=[ep("10.0.0.1", "a"), ep("10.0.0.2", "b")])])
    c = m.topology.view(WEB).counts
    assert (c.ready, c.total) == (2, 2)


def test_pod_join_by_uid_then_name_then_ip_and_unknown():
    pods = [pod("a", "10.0.0.1"), pod("b", "10.0.0.2", uid="other-uid"), pod("c", "10.0.0.3")]
    eps = [ep("10.0.0.1", "a"),  # uid
           ep("10.0.0.2", "b"),  # targetRef uid is stale: found by name
           Endpoint(("10.0.0.3",)),  # no targetRef: found by IP
           ep("10.0.0.4", "gone-pod")]  # pod unknown
    m = model_with([svc()], [slice_("web-a", eps=eps)], pods)
    t = m.topology
    rows = t.view(WEB).rows
    assert [t.pod_for("default", rows[a].endpoint)[1] for a in ("10.0.0.1", "10.0.0.2", "10.0.0.3")] == \
        ["uid", "name", "ip"]
    assert t.pod_for("default", rows["10.0.0.3"].endpoint)[0].name == "c"
    assert [r.address for r in t.unknown_pod_rows(WEB)] == ["10.0.0.4"]


def test_selectorless_service_with_manual_endpoints():
    external = Endpoint(("192.168.1.50",))
    m = model_with([svc("db", no_selector=True)], [slice_("db-1", "db", eps=[external])],
                   [pod("db-pod", "10.0.0.9", labels={"app": "db"})])
    view = m.topology.view(("default", "db"))
    assert view.counts.ready == 1
    assert m.topology.selected_pods(("default", "db")) == []  # no selector, no selection
    assert m.topology.unknown_pod_rows(("default", "db"))[0].address == "192.168.1.50"
    assert m.topology.live_selected_count(("default", "db")) is None


def test_pods_matching_selector_but_in_no_slice():
    pods = [pod("a", "10.0.0.1"), pod("pending"), pod("other", "10.0.0.5", labels={"app": "db"}),
            pod("elsewhere", "10.1.0.1", ns="prod")]
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "a")])], pods)
    assert [p.name for p in m.topology.selected_pods(WEB)] == ["a", "pending"]
    assert [p.name for p in m.topology.unsliced_pods(WEB)] == ["pending"]


def test_empty_selector_selects_nothing_and_typo_selector_matches_no_pods():
    m = model_with([svc("empty", selector={}), svc("typo", selector={"app": "webx"})], [], [pod("a", "10.0.0.1")])
    assert m.topology.selected_pods(("default", "empty")) == []
    assert m.topology.selected_pods(("default", "typo")) == []
    assert m.topology.view(("default", "typo")).counts.total == 0


def test_events_are_incremental():
    m = model_with([svc(), svc("api")], [slice_("web-a", eps=[ep("10.0.0.1", "a")]),
                                          slice_("api-a", "api", eps=[ep("10.0.0.7", "x")])],
                   [pod("a", "10.0.0.1"), pod("x", "10.0.0.7", labels={"app": "api"})])
    web_view, api_view = m.topology.view(WEB), m.topology.view(("default", "api"))
    # A pod event touches its Service but rebuilds no view.
    ch = m.apply(POD, MODIFIED, pod("a", "10.0.0.1", ready=False, rv="2"), 1.0)
    assert ch.services == {WEB}
    assert m.topology.view(WEB) is web_view
    # A slice event rebuilds only its Service.
    ch = m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-a", eps=[ep("10.0.0.1", "a", ready=False)], rv="2"), 2.0)
    assert ch.services == {WEB}
    assert m.topology.view(("default", "api")) is api_view
    assert m.topology.view(WEB).counts.ready == 0
    # A pod that newly matches the selector touches the Service.
    assert m.apply(POD, ADDED, pod("b"), 3.0).services == {WEB}
    assert m.apply(POD, ADDED, pod("z", labels={"app": "nothing"}), 3.0).services == set()


def test_slice_moves_between_services_and_orphans():
    m = model_with([svc(), svc("api")], [slice_("s1", eps=[ep("10.0.0.1", "a")])])
    ch = m.apply(ENDPOINTSLICE, MODIFIED, slice_("s1", "api", eps=[ep("10.0.0.1", "a")], rv="2"), 1.0)
    assert ch.services == {WEB, ("default", "api")}
    assert m.topology.view(WEB).counts.total == 0 and m.topology.view(("default", "api")).counts.total == 1
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("s1", None, eps=[], rv="3"), 2.0)
    assert [s.name for s in m.topology.orphan_slices()] == ["s1"]


def test_slices_outlive_their_service_then_go():
    m = model_with([svc()], [slice_("web-a", eps=[ep("10.0.0.1", "a")])])
    m.apply(SERVICE, DELETED, svc(), 1.0)
    view = m.topology.view(WEB)
    assert view.service is None and view.counts.total == 1
    m.apply(ENDPOINTSLICE, DELETED, slice_("web-a"), 2.0)
    assert m.topology.view(WEB) is None and len(m.topology) == 0


# ---- a first pod list, in steps ----

def _cluster(n_pods: int = 12):
    from svctui.model.cluster import ClusterModel
    m = ClusterModel()
    m.replace_all(SERVICE, [svc(), svc("db", selector={"app": "db"})], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep(f"10.0.0.{i}", f"web-{i}") for i in range(n_pods)])], 0.0)
    pods = [pod(f"web-{i}", f"10.0.0.{i}") for i in range(n_pods)]
    return m, pods


def test_a_first_pod_list_in_steps_ends_as_one_list_does():
    whole, pods = _cluster()
    ch = whole.replace_all(POD, pods, 1.0)
    stepped, _ = _cluster()
    steps = list(stepped.replace_all_steps(POD, pods, 1.0, chunk=5))
    assert len(steps) > 3 and set(steps[:-1]) == {None} and steps[-1].services == ch.services == {WEB, ("default", "db")}
    assert [p.name for p in stepped.topology.selected_pods(WEB)] == [p.name for p in whole.topology.selected_pods(WEB)]
    assert stepped.topology.live_selected_count(WEB) == 12


def test_between_steps_the_pods_are_not_yet_known():
    m, pods = _cluster()
    seen_in_store = []
    for _step in m.replace_all_steps(POD, pods, 1.0, chunk=5):
        if m.pods_known("default"):  # known only once indexed whole (the ledger's steps come after)
            assert m.topology.live_selected_count(WEB) == 12
            break
        for k in m.store.pods:  # what the store holds, an endpoint finds (by name until it is indexed)
            assert m.topology.pod_for("default", ep(f"10.0.0.{k[1][4:]}", k[1]))[0].name == k[1]
        seen_in_store.append(len(m.store.pods))
    assert seen_in_store[0] == 5 and seen_in_store[-1] == 12 and m.pods_known("default")


def test_a_stepwise_list_closed_early_leaves_the_index_whole():
    m, pods = _cluster()
    steps = m.replace_all_steps(POD, pods, 1.0, chunk=5)
    assert next(steps) is None
    steps.close()  # what a cancelled caller does to it
    assert not m.pods_known("default")
    assert m.topology.live_selected_count(WEB) == len(m.store.pods) == 5  # what the store took is indexed
    again = m.replace_all(POD, pods, 2.0)  # the next list: the rest, and now the pods are known
    assert m.pods_known("default") and WEB in again.services
    assert m.topology.live_selected_count(WEB) == 12
