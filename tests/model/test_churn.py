from svctui.model.churn import ADDED, CHANGED, RECOVERED, REMOVED, RESCALED, ChurnLedger
from svctui.model.cluster import ClusterModel
from svctui.model.store import ADDED as EV_ADDED
from svctui.model.store import DELETED, ENDPOINTSLICE, MODIFIED, POD, SERVICE

from .build import ep, pod, slice_, svc, terminating

WEB = ("default", "web")
A, B, C, D = "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"


def started(settle=5.0, **kw):
    m = ClusterModel(ChurnLedger(settle=settle, **kw))
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(POD, [pod("web-a", A), pod("web-b", B), pod("web-c", C)], 0.0)
    ch = m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c")],
                                              rv="1")], 0.0)
    assert ch.entries == []  # the initial list is the baseline, not churn
    assert m.ledger.steady(WEB) == 3
    return m


def put_slice(m, now, eps, rv):
    return m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", eps=eps, rv=rv), now).entries


def summary(entries):
    return [(e.change, e.address, e.pod, e.conditions.label) for e in entries]


def test_pod_deletion_recovery_sequence():
    m = started()
    b, c = ep(B, "web-b"), ep(C, "web-c")
    # kubectl delete pod web-a: the pod is marked for deletion, the ReplicaSet creates web-d.
    m.apply(POD, MODIFIED, pod("web-a", A, deleting=True, rv="2"), 10.0)
    assert summary(put_slice(m, 10.0, [terminating(A, "web-a"), b, c], "2")) == \
        [(CHANGED, A, "web-a", "terminating, serving")]
    m.apply(POD, EV_ADDED, pod("web-d", ready=False), 10.05)
    assert m.ledger.status(WEB, 11.0) == "degraded 1.0s (2/3 ready)"
    m.apply(POD, MODIFIED, pod("web-d", D, ready=False, rv="2"), 11.0)
    assert summary(put_slice(m, 11.0, [terminating(A, "web-a"), b, c, ep(D, "web-d", ready=False)], "3")) == \
        [(ADDED, D, "web-d", "not ready")]
    entries = put_slice(m, 12.0, [b, c, ep(D, "web-d", ready=False)], "4")
    assert summary(entries) == [(REMOVED, A, "web-a", "terminating, serving")]
    assert entries[0].text == "− 10.0.0.1 web-a (terminating, serving → gone)"
    m.apply(POD, DELETED, pod("web-a", A, deleting=True, rv="2"), 12.0)
    assert m.tick(13.0) == set()  # steady count holds: the replacement keeps the target at 3
    entries = put_slice(m, 14.8, [b, c, ep(D, "web-d")], "5")
    assert summary(entries) == [(CHANGED, D, "web-d", "ready")]
    assert entries[0].text == "~ 10.0.0.4 web-d (ready after 3.8s)"

    rec = m.ledger.stopwatch(WEB).last
    assert rec.outcome == RECOVERED
    assert (rec.started, rec.first_gone, rec.first_replacement, rec.first_removed, rec.replacement_ready,
            rec.ended) == (10.0, 10.0, 11.0, 12.0, 14.8, 14.8)
    assert m.ledger.status(WEB, 15.0) == "recovered in 4.8s (3/3 ready)"
    # The result stays until the next drop.
    m.tick(100.0)
    assert m.ledger.status(WEB, 100.0) == "recovered in 4.8s (3/3 ready)"
    put_slice(m, 101.0, [b, c, ep(D, "web-d", ready=False)], "6")
    assert m.ledger.status(WEB, 101.5) == "degraded 0.5s (2/3 ready)"

    timeline = [e.change for e in m.ledger.entries()]
    assert timeline == [CHANGED, ADDED, REMOVED, CHANGED, CHANGED]
    assert [e.change for e in m.ledger.entries(WEB)] == timeline


def test_ghosts_and_new_windows():
    m = started(ghost_window=30.0, new_window=10.0)
    put_slice(m, 10.0, [ep(B, "web-b"), ep(C, "web-c"), ep(D, "web-d")], "2")
    assert [g.address for g in m.ledger.ghosts(WEB, 20.0)] == [A]
    assert m.ledger.ghosts(WEB, 40.1) == []
    assert m.ledger.new_endpoints(WEB, 15.0) == {D: 5.0}
    assert m.ledger.new_endpoints(WEB, 20.1) == {}
    # An IP that comes back is no longer a ghost.
    put_slice(m, 11.0, [ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c"), ep(D, "web-d")], "3")
    assert m.ledger.ghosts(WEB, 12.0) == []


def test_ip_reuse_flagged():
    m = started()
    put_slice(m, 10.0, [ep(B, "web-b"), ep(C, "web-c")], "2")
    (e,) = put_slice(m, 20.0, [ep(A, "web-e"), ep(B, "web-b"), ep(C, "web-c")], "3")
    assert (e.change, e.address, e.pod, e.reused_from) == (ADDED, A, "web-e", "web-a")
    assert "IP reused from web-a" in e.text
    # The same pod coming back with its own IP is not reuse.
    put_slice(m, 30.0, [ep(B, "web-b"), ep(C, "web-c")], "4")
    (e,) = put_slice(m, 31.0, [ep(A, "web-e"), ep(B, "web-b"), ep(C, "web-c")], "5")
    assert e.reused_from is None


def test_ip_reused_in_one_step_is_removed_plus_added():
    m = started()
    entries = put_slice(m, 10.0, [ep(A, "web-z"), ep(B, "web-b"), ep(C, "web-c")], "2")
    assert [(e.change, e.pod, e.reused_from) for e in entries] == [(REMOVED, "web-a", None),
                                                                    (ADDED, "web-z", "web-a")]


def test_ip_reuse_across_services():
    m = started()
    m.apply(SERVICE, EV_ADDED, svc("api", ip="10.96.0.11"), 1.0)
    put_slice(m, 10.0, [ep(B, "web-b"), ep(C, "web-c")], "2")
    (e,) = m.apply(ENDPOINTSLICE, EV_ADDED, slice_("api-x", "api", eps=[ep(A, "api-1")]), 20.0).entries
    assert e.service == ("default", "api") and e.reused_from == "web-a"


def test_relist_with_identical_state_produces_no_churn():
    m = started()
    same = [slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c")], rv="1")]
    ch = m.replace_all(ENDPOINTSLICE, same, 50.0)
    assert not ch and m.ledger.entries() == []
    # Even if the object was re-written (new resourceVersion, same endpoints): still no churn.
    rewritten = [slice_("web-x", eps=[ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c")], rv="9")]
    ch = m.replace_all(ENDPOINTSLICE, rewritten, 51.0)
    assert ch.services == {WEB} and ch.entries == [] and m.ledger.entries() == []
    assert m.replace_all(POD, [pod("web-a", A), pod("web-b", B), pod("web-c", C)], 52.0).deltas == []
    assert m.ledger.status(WEB, 60.0) is None


def test_relist_after_missed_events_produces_exactly_the_missed_differences():
    m = started()
    m.apply(SERVICE, EV_ADDED, svc("api"), 1.0)
    m.apply(ENDPOINTSLICE, EV_ADDED, slice_("api-x", "api", eps=[ep("10.0.9.1", "api-1")], rv="1"), 1.0)
    m.ledger._global.clear()
    # Watch dropped; meanwhile web-a went away, web-c went not ready, web-d arrived, api's slice was deleted.
    ch = m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=[ep(B, "web-b"), ep(C, "web-c", ready=False),
                                                            ep(D, "web-d")], rv="7")], 40.0)
    assert [(d.type, d.key) for d in ch.deltas] == [(MODIFIED, ("default", "web-x")),
                                                   (DELETED, ("default", "api-x"))]
    assert sorted((e.service[1], e.change, e.address) for e in ch.entries) == [
        ("api", REMOVED, "10.0.9.1"), ("web", ADDED, D), ("web", CHANGED, C), ("web", REMOVED, A)]


def test_scale_down_is_not_a_failed_recovery():
    m = started(settle=5.0)
    m.apply(POD, MODIFIED, pod("web-c", C, deleting=True, rv="2"), 10.0)
    put_slice(m, 10.0, [ep(A, "web-a"), ep(B, "web-b"), terminating(C, "web-c")], "2")
    assert m.ledger.status(WEB, 12.0).startswith("degraded")  # indistinguishable yet from a deletion
    put_slice(m, 12.0, [ep(A, "web-a"), ep(B, "web-b")], "3")
    m.apply(POD, DELETED, pod("web-c", C, deleting=True, rv="2"), 12.0)
    assert m.tick(14.9) == set()
    assert m.tick(15.0) == {WEB}
    rec = m.ledger.stopwatch(WEB).last
    assert rec.outcome == RESCALED and m.ledger.steady(WEB) == 2
    assert m.ledger.status(WEB, 16.0) == "rescaled to 2 after 5.0s (2/2 ready)"
    # The new steady count is the bar from now on.
    put_slice(m, 20.0, [ep(A, "web-a", ready=False), ep(B, "web-b")], "4")
    assert m.ledger.status(WEB, 21.0) == "degraded 1.0s (1/2 ready)"


def test_scale_up_raises_the_steady_count_once_ready_and_settled():
    m = started(settle=5.0)
    eps = [ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c")]
    m.apply(POD, EV_ADDED, pod("web-d", D, ready=False), 10.0)
    m.apply(POD, EV_ADDED, pod("web-e", "10.0.0.5", ready=False), 10.0)
    put_slice(m, 10.0, eps + [ep(D, "web-d", ready=False), ep("10.0.0.5", "web-e", ready=False)], "2")
    assert m.tick(30.0) == set() and m.ledger.steady(WEB) == 3  # new pods not ready: nothing to expect yet
    put_slice(m, 31.0, eps + [ep(D, "web-d"), ep("10.0.0.5", "web-e")], "3")
    assert m.ledger.status(WEB, 31.0) is None
    m.tick(35.9)
    assert m.ledger.steady(WEB) == 3
    m.tick(36.0)
    assert m.ledger.steady(WEB) == 5


def test_rolling_surge_does_not_raise_the_bar():
    m = started(settle=5.0)
    m.apply(POD, EV_ADDED, pod("web-d", D), 10.0)
    put_slice(m, 10.0, [ep(A, "web-a"), ep(B, "web-b"), ep(C, "web-c"), ep(D, "web-d")], "2")
    m.apply(POD, MODIFIED, pod("web-a", A, deleting=True, rv="2"), 11.0)
    put_slice(m, 11.0, [terminating(A, "web-a"), ep(B, "web-b"), ep(C, "web-c"), ep(D, "web-d")], "3")
    m.tick(30.0)
    assert m.ledger.steady(WEB) == 3 and m.ledger.status(WEB, 30.0) is None


def test_slow_replacement_keeps_the_stopwatch_running():
    m = started(settle=5.0)
    m.apply(POD, MODIFIED, pod("web-a", A, deleting=True, rv="2"), 10.0)
    m.apply(POD, EV_ADDED, pod("web-d", ready=False), 10.01)
    put_slice(m, 10.02, [terminating(A, "web-a"), ep(B, "web-b"), ep(C, "web-c")], "2")
    m.apply(POD, DELETED, pod("web-a", A, deleting=True, rv="2"), 12.0)
    put_slice(m, 12.0, [ep(B, "web-b"), ep(C, "web-c")], "3")
    m.tick(60.0)  # image pull
    assert m.ledger.status(WEB, 60.0) == "degraded 50.0s (2/3 ready)"
    put_slice(m, 70.0, [ep(B, "web-b"), ep(C, "web-c"), ep(D, "web-d")], "4")
    rec = m.ledger.stopwatch(WEB).last
    assert rec.outcome == RECOVERED and (rec.first_replacement, rec.replacement_ready) == (70.0, 70.0)
    assert m.ledger.status(WEB, 71.0) == "recovered in 60.0s (3/3 ready)"


def test_rings_are_bounded():
    m = started(per_service=4, global_size=6)
    for i in range(10):
        put_slice(m, 10.0 + i, [ep(A, "web-a", ready=bool(i % 2)), ep(B, "web-b"), ep(C, "web-c")], str(i + 2))
    assert len(m.ledger.entries(WEB)) == 4 and len(m.ledger.entries()) == 6
    assert m.ledger.entries(WEB)[-1].time == 19.0


def test_what_happened_is_told_once_for_the_ledger_and_the_timeline():
    from svctui.model.churn import ChurnEntry, Conditions

    ready, not_ready = Conditions(True, True, False), Conditions(False, False, False)
    going = Conditions(False, True, True)

    def entry(change, conditions, before=None, age=None, reused=None):
        return ChurnEntry(1.0, WEB, change, A, "IPv4", "web-a", "worker", conditions, before, reused, age)

    assert entry(ADDED, ready).what == "ready"
    assert entry(REMOVED, going).what == "terminating, serving → gone"
    assert entry(CHANGED, not_ready, ready).what == "ready → not ready"
    assert entry(CHANGED, ready, not_ready, age=2.14).what == "ready after 2.1s"
    assert entry(CHANGED, ready, not_ready).what == "not ready → ready"  # added before svctui watched
    reused = entry(ADDED, ready, reused="web-b")
    assert reused.what == "ready, IP reused from web-b"
    assert reused.text == f"+ {A} web-a (ready, IP reused from web-b)"
